/**
 * The address side of the FIB (net/ipv4/fib_frontend.c): `fib_magic()`, `fib_add_ifaddr()`,
 * `fib_del_ifaddr()`, `fib_modify_prefix_metric()` and `fib_inetaddr_event()`, the FIB's callback
 * on devinet's inetaddr chain (NETDEV_UP / NETDEV_DOWN of an address, under RTNL, after
 * RTM_NEWADDR / RTM_DELADDR went out). `fib_netdev_event` calls `fib_add_ifaddr()` on NETDEV_UP of
 * a device for each of its addresses, and devinet calls the first three directly (promotion,
 * metric change) through the hooks the FIB subsystem sets ({@link fibInetFibHooks}).
 *
 * The device's other addresses come from its in_device (`inDevGet`): which one is the primary of a
 * secondary's subnet, and which routes another address still needs when one goes.
 */
import { IFA_F, IFF, NOTIFY_DONE, RTM, RTN, type Rtnetlink } from '@rtnlkit/core';
import type { InetFibHooks } from '../devinet/fib-hooks';
import { bumpDevAddrGenid, type InIfaddr, inDevGet, inetIfaByprefix, inetIfaMatch } from '../devinet/in-device';
import { NETDEV } from '../link/events';
import type { NetDevice } from '../link/netdevice';
import { fibConfig } from './config';
import { RT_SCOPE, RT_TABLE, RTNH_F, RTPROT } from './constants';
import { inetAddrTypeTable } from './lookup';
import { prefixMask } from './lpm';
import { fibFlush, fibSyncDownDev, fibSyncUp, fibTableDelete, fibTableInsert } from './ops';
import { fibNet } from './table';

const IFA_F_SECONDARY = IFA_F.SECONDARY;
const IFA_F_NOPREFIXROUTE = IFA_F.NOPREFIXROUTE;

/**
 * What the FIB needs of a `struct in_ifaddr` (devinet's {@link InIfaddr} is one); addresses are
 * host-order 32-bit numbers.
 */
export interface FibIfaddr {
  readonly dev: NetDevice;
  /** `ifa_local`. */
  readonly local: number;
  /** `ifa_address` (the peer for point-to-point; else the same as local). */
  readonly address: number;
  readonly prefixlen: number;
  /** `ifa_broadcast` (0: none). */
  readonly broadcast: number;
  /** IFA_F_* (`ifa_flags`). */
  readonly flags: number;
  /** `ifa_rt_priority`: the metric of the prefix route. */
  readonly rtPriority: number;
}

/**
 * `fib_magic()`: a kernel route for an address (proto kernel; table local unless unicast; scope
 * host for local routes, link otherwise; prefsrc the address; NLM_F_CREATE | NLM_F_APPEND). Errors
 * are ignored, as the kernel's are; RTM_NEWROUTE / RTM_DELROUTE go to RTNLGRP_IPV4_ROUTE.
 */
export async function fibMagic(
  rtnl: Rtnetlink,
  cmd: number,
  type: number,
  dst: number,
  dstLen: number,
  ifa: FibIfaddr,
  rtPriority: number,
): Promise<void> {
  const net = ifa.dev.net;
  if (!net) return;
  const fib = fibNet(net);
  const tbId = type === RTN.UNICAST ? RT_TABLE.MAIN : RT_TABLE.LOCAL;
  const table = fib.newTable(tbId);
  const cfg = fibConfig({
    protocol: RTPROT.KERNEL,
    type,
    dst: dst >>> 0,
    dstLen,
    priority: rtPriority,
    prefsrc: ifa.local >>> 0,
    oif: ifa.dev.ifindex,
    nlFlags: 0x400 | 0x800, // NLM_F_CREATE | NLM_F_APPEND
    table: tbId,
    scope: type === RTN.LOCAL ? RT_SCOPE.HOST : RT_SCOPE.LINK,
  });
  try {
    if (cmd === RTM.NEWROUTE) await fibTableInsert(rtnl, fib, table, cfg);
    else await fibTableDelete(rtnl, fib, table, cfg);
  } catch {
    // fib_magic() ignores what fib_table_insert / fib_table_delete return.
  }
}

/** `ifa_mask`, from the prefix length. */
const maskOf = (ifa: FibIfaddr): number => prefixMask(ifa.prefixlen) >>> 0;

/** The device's addresses in list order (none when devinet gave it no in_device). */
function addressesOf(ifa: FibIfaddr): readonly FibIfaddr[] {
  return inDevGet(ifa.dev)?.ifaList ?? [];
}

/** `inet_ifa_byprefix()` for a secondary: the primary of its subnet, if listed. */
function primaryOf(ifa: FibIfaddr, prefix: number): FibIfaddr | undefined {
  const inDev = inDevGet(ifa.dev);
  return inDev ? inetIfaByprefix(inDev, prefix, maskOf(ifa)) : undefined;
}

const sameSubnet = (a: FibIfaddr, b: FibIfaddr): boolean =>
  maskOf(a) === maskOf(b) && inetIfaMatch(a.address, { address: b.address, mask: maskOf(b) });

/**
 * `fib_add_ifaddr()`: the local /32 in table local; then, if the device is up, the explicit
 * broadcast, the prefix route in main (unless IFA_F_NOPREFIXROUTE, a secondary, or a /32 whose
 * prefix is the address) and the subnet broadcast for prefixes shorter than /31. A secondary's
 * routes carry its subnet primary's address as prefsrc (`fib_magic(…, prim, …)`).
 */
export async function fibAddIfaddr(rtnl: Rtnetlink, ifa: FibIfaddr): Promise<void> {
  const { dev } = ifa;
  const mask = maskOf(ifa);
  const addr = ifa.local >>> 0;
  const prefix = (ifa.address & mask) >>> 0;
  let prim = ifa;
  if (ifa.flags & IFA_F_SECONDARY) {
    const found = primaryOf(ifa, prefix);
    if (!found) return; // the kernel warns "bug: prim == NULL" and adds nothing
    prim = found;
  }
  await fibMagic(rtnl, RTM.NEWROUTE, RTN.LOCAL, addr, 32, prim, 0);
  if (!(dev.flags & IFF.UP)) return;
  if (ifa.broadcast && ifa.broadcast >>> 0 !== 0xffffffff)
    await fibMagic(rtnl, RTM.NEWROUTE, RTN.BROADCAST, ifa.broadcast >>> 0, 32, prim, 0);
  if (prefix !== 0 && !(ifa.flags & IFA_F_SECONDARY) && (prefix !== addr || ifa.prefixlen < 32)) {
    if (!(ifa.flags & IFA_F_NOPREFIXROUTE)) {
      const type = dev.flags & IFF.LOOPBACK ? RTN.LOCAL : RTN.UNICAST;
      await fibMagic(rtnl, RTM.NEWROUTE, type, prefix, ifa.prefixlen, prim, ifa.rtPriority);
    }
    if (ifa.prefixlen < 31) await fibMagic(rtnl, RTM.NEWROUTE, RTN.BROADCAST, (prefix | ~mask) >>> 0, 32, prim, 0);
  }
}

/**
 * `fib_modify_prefix_metric()`: an address's IFA_RT_PRIORITY changes (RTM_NEWADDR with
 * NLM_F_REPLACE): the prefix route with the new metric is added before the old one is deleted.
 * Nothing for a device that is down, a secondary, IFA_F_NOPREFIXROUTE, a zero prefix or a /32
 * whose prefix is the address.
 */
export async function fibModifyPrefixMetric(rtnl: Rtnetlink, ifa: FibIfaddr, newMetric: number): Promise<void> {
  const { dev } = ifa;
  const prefix = (ifa.address & maskOf(ifa)) >>> 0;
  if (
    !(dev.flags & IFF.UP) ||
    ifa.flags & (IFA_F_SECONDARY | IFA_F_NOPREFIXROUTE) ||
    prefix === 0 ||
    (prefix === ifa.local >>> 0 && ifa.prefixlen === 32)
  )
    return;
  const type = dev.flags & IFF.LOOPBACK ? RTN.LOCAL : RTN.UNICAST;
  await fibMagic(rtnl, RTM.NEWROUTE, type, prefix, ifa.prefixlen, ifa, newMetric);
  await fibMagic(rtnl, RTM.DELROUTE, type, prefix, ifa.prefixlen, ifa, ifa.rtPriority);
}

/**
 * `fib_del_ifaddr(ifa, iprim)`: removes the routes `ifa` added, keeping those another address
 * of the device still needs (the kernel's walk of the address list: same local address, a
 * broadcast another primary's subnet has). `iprim` is the primary being deleted while its
 * secondaries are promoted (their routes go and come back with the new prefsrc). When the local
 * address is gone for good, routes of table main that use it as prefsrc die
 * (`fib_sync_down_addr()` + `fib_flush()`).
 */
export async function fibDelIfaddr(rtnl: Rtnetlink, ifa: FibIfaddr, iprim?: FibIfaddr): Promise<void> {
  const LOCAL_OK = 1;
  const BRD_OK = 2;
  const BRD0_OK = 4;
  const BRD1_OK = 8;
  const { dev } = ifa;
  const mask = maskOf(ifa);
  const any = (ifa.address & mask) >>> 0;
  const brd = (ifa.address | ~mask) >>> 0;
  let prim: FibIfaddr = ifa;
  let ok = 0;
  let subnet = false;
  let gone = true;
  let samePrefsrc = false;
  if (ifa.flags & IFA_F_SECONDARY) {
    const found = primaryOf(ifa, any);
    // No primary: a device being deleted (no promotion) or a bug the kernel only warns about.
    if (!found || (iprim && iprim !== found)) return;
    prim = found;
  } else if (any !== 0 && (any !== ifa.local >>> 0 || ifa.prefixlen < 32)) {
    if (!(ifa.flags & IFA_F_NOPREFIXROUTE)) {
      const type = dev.flags & IFF.LOOPBACK ? RTN.LOCAL : RTN.UNICAST;
      await fibMagic(rtnl, RTM.DELROUTE, type, any, ifa.prefixlen, prim, 0);
    }
    subnet = true;
  }
  if (!inDevGet(dev)?.dead) {
    let prim1: FibIfaddr | undefined;
    for (const ifa1 of addressesOf(ifa)) {
      if (ifa1 === ifa) {
        gone = false; // promotion: the address stays
        continue;
      }
      if (iprim && sameSubnet(ifa1, iprim)) continue; // the subnet being promoted
      if (ifa1.flags & IFA_F_SECONDARY) {
        if (sameSubnet(ifa1, prim)) prim1 = prim;
        else {
          // Past the primaries: a secondary counts only if its primary has prim's address.
          if (!samePrefsrc) continue;
          if (!prim1 || !sameSubnet(ifa1, prim1)) prim1 = primaryOf(ifa1, ifa1.address);
          if (!prim1 || prim1.local !== prim.local) continue;
        }
      } else {
        if (prim.local !== ifa1.local) continue;
        prim1 = ifa1;
        if (prim !== prim1) samePrefsrc = true;
      }
      if (ifa.local === ifa1.local) ok |= LOCAL_OK;
      if (ifa.broadcast === ifa1.broadcast) ok |= BRD_OK;
      if (brd === ifa1.broadcast >>> 0) ok |= BRD1_OK;
      if (any === ifa1.broadcast >>> 0) ok |= BRD0_OK;
      // a primary has its network's broadcasts
      if (prim1 === ifa1 && ifa1.prefixlen < 31) {
        const m1 = maskOf(ifa1);
        const brd1 = (ifa1.address | ~m1) >>> 0;
        const any1 = (ifa1.address & m1) >>> 0;
        if (any1 !== 0) {
          if (ifa.broadcast >>> 0 === brd1 || ifa.broadcast >>> 0 === any1) ok |= BRD_OK;
          if (brd === brd1 || brd === any1) ok |= BRD1_OK;
          if (any === brd1 || any === any1) ok |= BRD0_OK;
        }
      }
    }
  }
  if (!(ok & BRD_OK)) await fibMagic(rtnl, RTM.DELROUTE, RTN.BROADCAST, ifa.broadcast >>> 0, 32, prim, 0);
  if (subnet && ifa.prefixlen < 31) {
    if (!(ok & BRD1_OK)) await fibMagic(rtnl, RTM.DELROUTE, RTN.BROADCAST, brd, 32, prim, 0);
    if (!(ok & BRD0_OK)) await fibMagic(rtnl, RTM.DELROUTE, RTN.BROADCAST, any, 32, prim, 0);
  }
  if (!(ok & LOCAL_OK)) {
    await fibMagic(rtnl, RTM.DELROUTE, RTN.LOCAL, ifa.local >>> 0, 32, prim, 0);
    const net = dev.net;
    // "Check, that this local address finally disappeared."
    if (net && gone && inetAddrTypeTable(fibNet(net), ifa.local >>> 0, RT_TABLE.LOCAL, dev) !== RTN.LOCAL) {
      // fib_sync_down_addr(): routes of table main whose prefsrc was this address die.
      const fib = fibNet(net);
      let dead = 0;
      for (const fi of fib.infos.values()) {
        if (fi.tbId === RT_TABLE.MAIN && fi.prefsrc === ifa.local >>> 0 && !(fi.flags & RTNH_F.DEAD)) {
          fi.flags |= RTNH_F.DEAD;
          fi.pfsrcRemoved = true;
          dead += 1;
        }
      }
      if (dead) await fibFlush(rtnl, fib);
    }
  }
}

/**
 * `fib_disable_ip(dev, event, force)`: routes through `dev` die and are flushed (no
 * RTM_DELROUTE, as in the kernel). `force` takes host-scope nexthops too (the last address went).
 */
export async function fibDisableIp(
  rtnl: Rtnetlink,
  dev: NetDevice,
  event: 'down' | 'unregister',
  force: boolean,
): Promise<void> {
  if (!dev.net) return;
  const fib = fibNet(dev.net);
  if (fibSyncDownDev(fib, dev, event, force) > 0) await fibFlush(rtnl, fib);
}

/**
 * `fib_inetaddr_event()`, on devinet's inetaddr chain: an address came (its routes, multipath
 * nexthops through the device revive) or went (its routes; the device's last address takes every
 * route through the device with it); either way `dev_addr_genid` moves, so address dumps in
 * flight are flagged.
 */
export async function fibInetaddrEvent(rtnl: Rtnetlink, event: number, ifa: InIfaddr): Promise<number> {
  const { dev } = ifa;
  const net = dev.net;
  if (!net) return NOTIFY_DONE;
  if (event === NETDEV.UP) {
    await fibAddIfaddr(rtnl, ifa);
    fibSyncUp(fibNet(net), dev);
    bumpDevAddrGenid(net);
  } else if (event === NETDEV.DOWN) {
    await fibDelIfaddr(rtnl, ifa);
    bumpDevAddrGenid(net);
    if (ifa.inDev.ifaList.length === 0) await fibDisableIp(rtnl, dev, 'down', true); // IP off on this device
  }
  return NOTIFY_DONE;
}

/** What devinet calls directly in the FIB (see devinet/fib-hooks.ts), bound to `rtnl`. */
export function fibInetFibHooks(rtnl: Rtnetlink): InetFibHooks {
  return {
    delIfaddr: (ifa, iprim) => fibDelIfaddr(rtnl, ifa, iprim),
    addIfaddr: (ifa) => fibAddIfaddr(rtnl, ifa),
    modifyPrefixMetric: (ifa, metric) => fibModifyPrefixMetric(rtnl, ifa, metric),
  };
}
