/**
 * The calls devinet makes straight into the FIB, as net/ipv4/devinet.c calls
 * `fib_del_ifaddr()`, `fib_add_ifaddr()` and `fib_modify_prefix_metric()` of fib_frontend.c:
 *
 * - `__inet_del_ifa()` promoting a secondary: the subnet's other addresses change their primary
 *   (their routes' prefsrc), so their routes are removed before the old primary goes and added
 *   again after the promotion, outside the inetaddr chain;
 * - `inet_rtm_newaddr()` replacing an address's IFA_RT_PRIORITY: the prefix route moves to the new
 *   metric.
 *
 * In rtnlkit the FIB depends on devinet, not the other way round, so the FIB subsystem fills
 * these in when it is installed; without a FIB they do nothing, as an address change on a
 * kernel without IPv4 routing would touch no route.
 */
import type { Rtnetlink } from '@rtnlkit/core';
import type { InIfaddr } from './in-device';

export interface InetFibHooks {
  /** `fib_del_ifaddr(ifa, iprim)`. */
  delIfaddr(ifa: InIfaddr, iprim: InIfaddr | undefined): Promise<void>;
  /** `fib_add_ifaddr(ifa)`. */
  addIfaddr(ifa: InIfaddr): Promise<void>;
  /** `fib_modify_prefix_metric(ifa, new_metric)`, called before `ifa_rt_priority` changes. */
  modifyPrefixMetric(ifa: InIfaddr, newMetric: number): Promise<void>;
}

const hooks = new WeakMap<Rtnetlink, InetFibHooks>();

/** The FIB's entry points for `rtnl` (undefined to remove them); returns the previous ones. */
export function setInetFibHooks(rtnl: Rtnetlink, fib: InetFibHooks | undefined): InetFibHooks | undefined {
  const previous = hooks.get(rtnl);
  if (fib) hooks.set(rtnl, fib);
  else hooks.delete(rtnl);
  return previous;
}

/** The FIB's entry points for `rtnl`, if a FIB is installed. */
export function inetFibHooks(rtnl: Rtnetlink): InetFibHooks | undefined {
  return hooks.get(rtnl);
}
