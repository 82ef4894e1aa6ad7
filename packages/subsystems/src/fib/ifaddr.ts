/**
 * The address side of the FIB: `fib_magic()`, `fib_add_ifaddr()` and `fib_del_ifaddr()`
 * (net/ipv4/fib_frontend.c), as plain functions. devinet's `inetaddr_chain` calls them on
 * NETDEV_UP / NETDEV_DOWN of an address (under RTNL, after RTM_NEWADDR / RTM_DELADDR went out),
 * and `fib_netdev_event` on NETDEV_UP of the device for each of its addresses.
 */
import { IFF, RTM, RTN, type Rtnetlink } from '@rtnlkit/core';
import type { NetDevice } from '../link/netdevice';
import { fibConfig } from './config';
import { RT_SCOPE, RT_TABLE, RTNH_F, RTPROT } from './constants';
import { prefixMask } from './lpm';
import { fibFlush, fibTableDelete, fibTableInsert } from './ops';
import { fibNet } from './table';

/** `IFA_F_SECONDARY` and `IFA_F_NOPREFIXROUTE`. */
const IFA_F_SECONDARY = 0x01;
const IFA_F_NOPREFIXROUTE = 0x200;

/** What the FIB needs of a `struct in_ifaddr`; addresses are host-order 32-bit numbers. */
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

/**
 * `fib_add_ifaddr()`: the local /32 in table local; then, if the device is up, the explicit
 * broadcast, the prefix route in main (unless IFA_F_NOPREFIXROUTE, a secondary, or a /32 whose
 * prefix is the address) and the subnet broadcast for prefixes shorter than /31.
 */
export async function fibAddIfaddr(rtnl: Rtnetlink, ifa: FibIfaddr): Promise<void> {
  const { dev } = ifa;
  const mask = prefixMask(ifa.prefixlen);
  const addr = ifa.local >>> 0;
  const prefix = (ifa.address & mask) >>> 0;
  // A secondary's routes name its primary's local address as prefsrc: devinet passes the primary.
  await fibMagic(rtnl, RTM.NEWROUTE, RTN.LOCAL, addr, 32, ifa, 0);
  if (!(dev.flags & IFF.UP)) return;
  if (ifa.broadcast && ifa.broadcast >>> 0 !== 0xffffffff)
    await fibMagic(rtnl, RTM.NEWROUTE, RTN.BROADCAST, ifa.broadcast >>> 0, 32, ifa, 0);
  if (prefix !== 0 && !(ifa.flags & IFA_F_SECONDARY) && (prefix !== addr || ifa.prefixlen < 32)) {
    if (!(ifa.flags & IFA_F_NOPREFIXROUTE)) {
      const type = dev.flags & IFF.LOOPBACK ? RTN.LOCAL : RTN.UNICAST;
      await fibMagic(rtnl, RTM.NEWROUTE, type, prefix, ifa.prefixlen, ifa, ifa.rtPriority);
    }
    if (ifa.prefixlen < 31) await fibMagic(rtnl, RTM.NEWROUTE, RTN.BROADCAST, (prefix | ~mask) >>> 0, 32, ifa, 0);
  }
}

/**
 * `fib_del_ifaddr()` for a primary address: removes the prefix route (unless
 * IFA_F_NOPREFIXROUTE), the broadcast routes and the local route, keeping those another of the
 * device's addresses (`remaining`, primaries with the same local address) still needs; when the
 * local address is gone for good, routes in main using it as prefsrc are flushed
 * (`fib_sync_down_addr`). Secondary addresses and promotion stay with devinet.
 */
export async function fibDelIfaddr(
  rtnl: Rtnetlink,
  ifa: FibIfaddr,
  remaining: readonly FibIfaddr[] = [],
): Promise<void> {
  const LOCAL_OK = 1;
  const BRD_OK = 2;
  const BRD0_OK = 4;
  const BRD1_OK = 8;
  const { dev } = ifa;
  const mask = prefixMask(ifa.prefixlen);
  const any = (ifa.address & mask) >>> 0;
  const brd = (ifa.address | ~mask) >>> 0;
  let ok = 0;
  let subnet = false;
  if (ifa.flags & IFA_F_SECONDARY) return;
  if (any !== 0 && (any !== ifa.local >>> 0 || ifa.prefixlen < 32)) {
    if (!(ifa.flags & IFA_F_NOPREFIXROUTE)) {
      const type = dev.flags & IFF.LOOPBACK ? RTN.LOCAL : RTN.UNICAST;
      await fibMagic(rtnl, RTM.DELROUTE, type, any, ifa.prefixlen, ifa, 0);
    }
    subnet = true;
  }
  for (const other of remaining) {
    if (other === ifa || other.flags & IFA_F_SECONDARY || other.local >>> 0 !== ifa.local >>> 0) continue;
    if (ifa.local === other.local) ok |= LOCAL_OK;
    if (ifa.broadcast === other.broadcast) ok |= BRD_OK;
    if (brd === other.broadcast >>> 0) ok |= BRD1_OK;
    if (any === other.broadcast >>> 0) ok |= BRD0_OK;
    if (other.prefixlen < 31) {
      const m1 = prefixMask(other.prefixlen);
      const brd1 = (other.address | ~m1) >>> 0;
      const any1 = (other.address & m1) >>> 0;
      if (any1 !== 0) {
        if (ifa.broadcast >>> 0 === brd1 || ifa.broadcast >>> 0 === any1) ok |= BRD_OK;
        if (brd === brd1 || brd === any1) ok |= BRD1_OK;
        if (any === brd1 || any === any1) ok |= BRD0_OK;
      }
    }
  }
  if (!(ok & BRD_OK)) await fibMagic(rtnl, RTM.DELROUTE, RTN.BROADCAST, ifa.broadcast >>> 0, 32, ifa, 0);
  if (subnet && ifa.prefixlen < 31) {
    if (!(ok & BRD1_OK)) await fibMagic(rtnl, RTM.DELROUTE, RTN.BROADCAST, brd, 32, ifa, 0);
    if (!(ok & BRD0_OK)) await fibMagic(rtnl, RTM.DELROUTE, RTN.BROADCAST, any, 32, ifa, 0);
  }
  if (!(ok & LOCAL_OK)) {
    await fibMagic(rtnl, RTM.DELROUTE, RTN.LOCAL, ifa.local >>> 0, 32, ifa, 0);
    const net = dev.net;
    if (net && remaining.every((other) => other.local >>> 0 !== ifa.local >>> 0)) {
      // fib_sync_down_addr(): routes of table main whose prefsrc was this address die.
      const fib = fibNet(net);
      let dead = 0;
      for (const fi of fib.infos.values()) {
        if (fi.tbId === RT_TABLE.MAIN && fi.prefsrc === ifa.local >>> 0 && !(fi.flags & RTNH_F.DEAD)) {
          fi.flags |= RTNH_F.DEAD;
          dead += 1;
        }
      }
      if (dead) await fibFlush(fib);
    }
  }
}
