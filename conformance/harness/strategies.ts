/**
 * The strategy variants every scenario runs under on the rtnlkit side. Each call makes a fresh
 * strategy: a strategy attaches to one rtnetlink instance.
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
