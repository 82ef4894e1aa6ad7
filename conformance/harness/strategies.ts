/**
 * The strategy variants every scenario runs under on the rtnlkit side: the one list of
 * @rtnlkit/compare, so that conformance and the comparisons never drift apart.
 */
export { STRATEGY_VARIANTS, type StrategyVariant } from '@rtnlkit/compare';
