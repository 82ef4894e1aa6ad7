/**
 * @rtnlkit/compare — rtnlkit strategy comparison: scenarios, workloads, metrics, reports and the rtnlkit CLI.
 *
 * The pieces land issue by issue; see this package's README for what is here today.
 */
export {
  type LinkExploreOptions,
  type LinkExploreStats,
  linkExploreWorkload,
  TEST_KIND,
} from './correctness/link-world';
export { STRATEGY_VARIANTS, type StrategyVariant } from './strategies';
