/**
 * The strategy variants rtnlkit compares, each with a name and a factory. Each call of `create`
 * makes a fresh strategy: a strategy attaches to one rtnetlink instance. The conformance harness
 * runs its scenarios under this same list.
 */
import type { LockStrategy } from '@rtnlkit/core';
import { elidedStrategy } from '@rtnlkit/strategy-elided';
import { finegrainedStrategy } from '@rtnlkit/strategy-finegrained';
import { globalStrategy } from '@rtnlkit/strategy-global';

export interface StrategyVariant {
  readonly name: string;
  readonly create: () => LockStrategy;
}

/** global, elided, elided with per-namespace RTNL, finegrained: the real strategies. */
export const STRATEGY_VARIANTS: readonly StrategyVariant[] = [
  { name: 'global', create: () => globalStrategy() },
  { name: 'elided', create: () => elidedStrategy() },
  { name: 'elided-pernet', create: () => elidedStrategy({ perNetRtnl: true }) },
  { name: 'finegrained', create: () => finegrainedStrategy() },
];
