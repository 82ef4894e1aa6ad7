/** The strategies a server can run, by the names `rtnlkit compare` uses for them. */
import type { LockStrategy } from '@rtnlkit/core';
import { elidedStrategy } from '@rtnlkit/strategy-elided';
import { finegrainedStrategy } from '@rtnlkit/strategy-finegrained';
import { globalStrategy } from '@rtnlkit/strategy-global';

export const STRATEGIES: Readonly<Record<string, () => LockStrategy>> = {
  global: () => globalStrategy(),
  elided: () => elidedStrategy(),
  'elided-pernet': () => elidedStrategy({ perNetRtnl: true }),
  finegrained: () => finegrainedStrategy(),
};
