/**
 * @rtnlkit/strategy-elided — rtnlkit locking strategy: RTNL unless a handler is flagged
 * DOIT_UNLOCKED / DUMP_UNLOCKED (Linux 4.14 to 6.18), with the per-namespace RTNL of Linux 6.13+
 * (CONFIG_DEBUG_NET_SMALL_RTNL) as an option.
 *
 * ```ts
 * import { Rtnetlink } from '@rtnlkit/core';
 * import { elidedStrategy } from '@rtnlkit/strategy-elided';
 *
 * const rtnl = new Rtnetlink({ strategy: elidedStrategy({ perNetRtnl: true }) });
 * ```
 */
export {
  type ElidedLocking,
  type ElidedStrategy,
  type ElidedStrategyOptions,
  elidedLocking,
  elidedStrategy,
  RTNL_NET_CLASS,
} from './elided-strategy';
