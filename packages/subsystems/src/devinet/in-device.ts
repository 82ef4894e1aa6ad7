/**
 * `struct in_device` and `struct in_ifaddr` (include/linux/inetdevice.h): the IPv4 state of one
 * device and its addresses, and the per-namespace `dev_addr_genid` counter.
 *
 * The address list is published copy-on-write: a writer (under RTNL) replaces
 * {@link InDevice.ifaList} with a new array, a reader under RCU (the address dump) keeps walking
 * the array it loaded, as `in_dev_for_each_ifa_rcu` walks `ifa_next` pointers that
 * `rcu_assign_pointer` changed behind it. Fields of one address that change in place (flags,
 * lifetimes, metric, proto) are the kernel's `WRITE_ONCE` fields.
 */
import type { Net, RefTracker } from '@rtnlkit/core';
import type { NetDevice } from '../link/netdevice';

/** `INFINITY_LIFE_TIME`: a lifetime that never ends. */
export const INFINITY_LIFE_TIME = 0xffffffff;

/** `IPV4_MIN_MTU`: below it a device has no IPv4 (`inetdev_valid_mtu()`). */
export const IPV4_MIN_MTU = 68;

/**
 * One IPv4 address (`struct in_ifaddr`). Addresses are u32 numbers in host order of the dotted
 * quad (10.0.0.1 is 0x0a000001); {@link ipv4String} prints one.
 */
export interface InIfaddr {
  /** `ifa_local`: the address of the interface. */
  readonly local: number;
  /** `ifa_address`: the prefix address, or the peer's address on a point-to-point link. */
  readonly address: number;
  /** `ifa_prefixlen`. */
  readonly prefixlen: number;
  /** `ifa_mask`: `inet_make_mask(prefixlen)`. */
  readonly mask: number;
  /** `ifa_broadcast`, 0 for none. */
  readonly broadcast: number;
  /** `ifa_scope` (RT_SCOPE_*). */
  readonly scope: number;
  /** `ifa_flags` (IFA_F_*, 32 bits; IFA_F_SECONDARY, _PERMANENT and _DEPRECATED are the kernel's to set). */
  flags: number;
  /** `ifa_label`: the device name, or `name:alias`. */
  label: string;
  /** `ifa_dev->dev`: the device (its `InDevice` is {@link inDev}). */
  readonly dev: NetDevice;
  /** `ifa_dev`. */
  readonly inDev: InDevice;
  /** `ifa_rt_priority`: the metric of the prefix route (IFA_RT_PRIORITY), 0 by default. */
  rtPriority: number;
  /** `ifa_proto` (IFA_PROTO), 0 for none. */
  proto: number;
  /** `ifa_valid_lft` in seconds (meaningless while IFA_F_PERMANENT is set). */
  validLft: number;
  /** `ifa_preferred_lft` in seconds. */
  preferredLft: number;
  /** `ifa_tstamp`, `ifa_cstamp`: the rtnetlink clock's milliseconds at the last update and at creation. */
  tstamp: number;
  cstamp: number;
}

/** `inet_make_mask()`. */
export function inetMakeMask(prefixlen: number): number {
  return prefixlen === 0 ? 0 : (0xffffffff << (32 - prefixlen)) >>> 0;
}

/** `inet_ifa_match()`: `addr` is in `ifa`'s subnet (of its `ifa_address`). */
export function inetIfaMatch(addr: number, ifa: Pick<InIfaddr, 'address' | 'mask'>): boolean {
  return ((addr ^ ifa.address) & ifa.mask) === 0;
}

/**
 * `inet_ifa_byprefix()`: the first address of `inDev` with this mask whose subnet holds `prefix`
 * (primaries come first in the list, so the subnet's primary when there is one).
 */
export function inetIfaByprefix(inDev: InDevice, prefix: number, mask: number): InIfaddr | undefined {
  return inDev.ifaList.find((ifa) => ifa.mask === mask && inetIfaMatch(prefix, ifa));
}

/** 0x0a000001 → "10.0.0.1". */
export function ipv4String(addr: number): string {
  return [addr >>> 24, (addr >>> 16) & 0xff, (addr >>> 8) & 0xff, addr & 0xff].join('.');
}

/** "10.0.0.1" → 0x0a000001. */
export function ipv4Number(text: string): number {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new TypeError(`not an IPv4 address: ${text}`);
  return (
    (((parts[0] as number) << 24) |
      ((parts[1] as number) << 16) |
      ((parts[2] as number) << 8) |
      (parts[3] as number)) >>>
    0
  );
}

/** `struct in_device`: a device's IPv4 state, owned by the devinet subsystem. */
export class InDevice {
  /** `ifa_list`: primaries first (ordered by scope), each followed by nothing in particular. */
  ifaList: readonly InIfaddr[] = [];
  /** `in_dev->dead`: set by `inetdev_destroy()`; no promotions from then on. */
  dead = false;
  /** `netdev_hold(dev, &in_dev->dev_tracker, …)`: put when the in_device is freed. */
  devRef: RefTracker | undefined;

  constructor(
    readonly dev: NetDevice,
    /** `in_dev->cnf.data` (IPV4_DEVCONF_*, indexed from 1). */
    readonly cnf: Uint32Array,
  ) {}
}

const inDevices = new WeakMap<NetDevice, InDevice>();

/** `__in_dev_get_rtnl()` / `__in_dev_get_rcu()`: the device's in_device, if it has one. */
export function inDevGet(dev: NetDevice): InDevice | undefined {
  return inDevices.get(dev);
}

/** `rcu_assign_pointer(dev->ip_ptr, in_dev)` (undefined to clear). */
export function inDevSet(dev: NetDevice, inDev: InDevice | undefined): void {
  if (inDev) inDevices.set(dev, inDev);
  else inDevices.delete(dev);
}

/** Per-namespace IPv4 device state (`net->ipv4.dev_addr_genid`, the lifetime check timer). */
export interface DevinetNetState {
  /** `net->ipv4.dev_addr_genid`. */
  devAddrGenid: number;
}

const GENID = { key: 'devinet' };

function netState(net: Net): DevinetNetState {
  let state = net.getGeneric<DevinetNetState>(GENID);
  if (!state) {
    state = { devAddrGenid: 0 };
    net.setGeneric(GENID, state);
  }
  return state;
}

/** `atomic_read(&net->ipv4.dev_addr_genid)`. */
export function devAddrGenid(net: Net): number {
  return netState(net).devAddrGenid;
}

/**
 * `atomic_inc(&net->ipv4.dev_addr_genid)`: the FIB calls this from `fib_inetaddr_event()` and
 * `fib_netdev_event(NETDEV_UP)`; address dumps started before it are flagged NLM_F_DUMP_INTR.
 */
export function bumpDevAddrGenid(net: Net): void {
  const state = netState(net);
  state.devAddrGenid = (state.devAddrGenid + 1) >>> 0;
}
