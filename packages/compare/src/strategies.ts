/**
 * The strategy variants rtnlkit compares, each made fresh per run (a strategy attaches to one
 * rtnetlink instance): the global RTNL, per-handler elision (with and without per-namespace RTNL
 * mutexes) and finegrained per-subsystem mutexes.
 */
import type { LockStrategy } from '@rtnlkit/core';
import { elidedStrategy } from '@rtnlkit/strategy-elided';
import { finegrainedStrategy } from '@rtnlkit/strategy-finegrained';
import { globalStrategy } from '@rtnlkit/strategy-global';

export interface StrategyVariant {
  readonly name: string;
  readonly create: () => LockStrategy;
}

export const STRATEGY_VARIANTS: readonly StrategyVariant[] = [
  { name: 'global', create: () => globalStrategy() },
  { name: 'elided', create: () => elidedStrategy() },
  { name: 'elided-pernet', create: () => elidedStrategy({ perNetRtnl: true }) },
  { name: 'finegrained', create: () => finegrainedStrategy() },
];
