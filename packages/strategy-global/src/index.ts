/**
 * @rtnlkit/strategy-global — rtnlkit locking strategy: one RTNL mutex around every doit and dump
 * pass (Linux up to 4.13), every subsystem lock class aliased to it.
 *
 * ```ts
 * import { Rtnetlink } from '@rtnlkit/core';
 * import { globalStrategy } from '@rtnlkit/strategy-global';
 *
 * const rtnl = new Rtnetlink({ strategy: globalStrategy() });
 * ```
 */
export { type GlobalStrategy, type GlobalStrategyOptions, globalStrategy } from './global-strategy';
