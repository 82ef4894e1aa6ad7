/**
 * Changing a table: `fib_table_insert()`, `fib_table_delete()` (net/ipv4/fib_trie.c) and the
 * device-driven flush (`fib_sync_down_dev()` + `fib_flush()`, fib_semantics.c / fib_frontend.c),
 * with the RTM_NEWROUTE / RTM_DELROUTE notifications (`rtmsg_fib()`) and `fib_seq`.
 *
 * Callers hold what serialises FIB writers (RTNL, or the `fib` class under finegrained).
 */
import { Errno, ErrnoError, type Net, NLM_F, RTM, RTNLGRP, type Rtnetlink } from '@rtnlkit/core';
import type { NetDevice } from '../link/netdevice';
import type { FibConfig } from './config';
import { RT_SCOPE, RTNH_F } from './constants';
import { fibDumpInfo } from './fill';
import { prefixMask } from './lpm';
import { fibCreateInfo } from './nexthop';
import { callFibNotifiers, type FibEvent, hasFibNotifiers } from './notifier';
import { type FibAlias, type FibInfo, type FibNet, type FibTable, fibAlias } from './table';

/** `fib_valid_key_len()`. */
function validKeyLen(key: number, len: number): void {
  if (len > 32) throw new ErrnoError(Errno.EINVAL, 'Invalid prefix length');
  if (len < 32 && (key & ~prefixMask(len)) >>> 0 !== 0)
    throw new ErrnoError(Errno.EINVAL, 'Invalid prefix for given prefix length');
}

/** `rtmsg_fib()`: the notification to RTNLGRP_IPV4_ROUTE (requester's port id and seq, as the kernel stamps them). */
export function rtmsgFib(
  rtnl: Rtnetlink,
  net: Net,
  event: number,
  dst: number,
  dstLen: number,
  alias: FibAlias,
  cfg: Pick<FibConfig, 'portId' | 'seq' | 'echo'>,
  nlFlags: number,
): void {
  // The kernel fills the message whoever listens; nobody could see the difference if it did
  // not, and skipping it is half the cost of a route add at full-table scale.
  if (!cfg.echo && !rtnl.hasListeners(net, RTNLGRP.IPV4_ROUTE)) return;
  const message = fibDumpInfo(
    { info: alias.info, tbId: alias.tbId, dst, dstLen, tos: alias.tos, type: alias.type },
    event,
    nlFlags,
    cfg.seq,
    cfg.portId,
  );
  rtnl.notify(net, RTNLGRP.IPV4_ROUTE, message, cfg.echo ? { portId: cfg.portId, report: true } : {});
}

/** `call_fib4_notifiers()` for one entry, and the `fib_seq` bump around the change. */
async function changed(fib: FibNet, event: FibEvent, dst: number, dstLen: number, alias: FibAlias): Promise<void> {
  if (hasFibNotifiers(fib)) await callFibNotifiers(fib, event, { dst, dstLen, alias }, alias.tbId);
}

/**
 * Links a change in, bumping `fib_seq` the configured way: a seqcount goes odd before the link and
 * even after; the atomic counter is bumped once, after the link (at the notifier call). Between
 * the link and the end of the write another CPU may run (`fib.preemptionPoint`): there a seqcount
 * reader sees the count odd and waits or retries, while an atomic counter has not moved yet (the
 * seed's five-step missed update). Both flavours get the same preemption point, so a schedule
 * explorer compares them on the same interleavings.
 */
async function commit(fib: FibNet, link: () => void): Promise<void> {
  fib.seq.changeBegin();
  link();
  await fib.preemptionPoint();
  fib.seq.changeEnd();
}

/**
 * `fib_find_alias()`: the index of the first alias with dscp ≤ `tos`... in the kernel's order
 * (dscp descending, then priority ascending): the first with a smaller tos, or the same tos and a
 * priority ≥ `priority`; the list length when none.
 */
function findAlias(list: readonly FibAlias[], tos: number, priority: number): number {
  for (let i = 0; i < list.length; i += 1) {
    const fa = list[i] as FibAlias;
    if (fa.tos < tos) return i;
    if (fa.tos === tos && fa.info.priority >= priority) return i;
  }
  return list.length;
}

/** `fib_table_insert()`: EEXIST, ENOENT or an info error; notifies RTM_NEWROUTE on success. */
export async function fibTableInsert(rtnl: Rtnetlink, fib: FibNet, table: FibTable, cfg: FibConfig): Promise<void> {
  const key = cfg.dst >>> 0;
  const len = cfg.dstLen;
  validKeyLen(key, len);
  const fi = fibCreateInfo(fib, cfg);
  // fib_create_info() hands the info back with a tree reference and fib_table_insert's exit path
  // drops it (fib_release_info), which unhashes a new info that no route took: a refused insert
  // (EEXIST, ENOENT) leaves no trace in the info cache.
  fib.hold(fi);
  try {
    const list = table.aliases(key, len);
    let at = findAlias(list, cfg.tos, fi.priority);
    let nlFlags = NLM_F.EXCL;
    let event: FibEvent = 'ENTRY_REPLACE';
    const first = list[at];
    if (first && first.tos === cfg.tos && first.info.priority === fi.priority) {
      if (cfg.nlFlags & NLM_F.EXCL) throw new ErrnoError(Errno.EEXIST);
      nlFlags &= ~NLM_F.EXCL;
      // The run of aliases with the same tos and priority; is there one identical to this route?
      let end = at;
      let match = -1;
      for (; end < list.length; end += 1) {
        const fa = list[end] as FibAlias;
        if (fa.tos !== cfg.tos || fa.info.priority !== fi.priority) break;
        if (match < 0 && fa.type === cfg.type && fa.info === fi) match = end;
      }
      if (cfg.nlFlags & NLM_F.REPLACE) {
        if (match >= 0) {
          if (match === at) return; // replacing a route by itself: nothing to do
          throw new ErrnoError(Errno.EEXIST);
        }
        const old = first;
        const alias = fibAlias(fi, cfg.type, cfg.tos, table.id);
        const next = list.slice();
        next[at] = alias;
        fib.hold(fi);
        await commit(fib, () => table.setAliases(key, len, next));
        fib.release(old.info);
        rtmsgFib(rtnl, fib.net, RTM.NEWROUTE, key, len, alias, cfg, nlFlags | NLM_F.REPLACE);
        await changed(fib, 'ENTRY_REPLACE', key, len, alias);
        return;
      }
      if (match >= 0) throw new ErrnoError(Errno.EEXIST);
      if (cfg.nlFlags & NLM_F.APPEND) {
        event = 'ENTRY_APPEND';
        nlFlags |= NLM_F.APPEND;
        at = end;
      }
    }
    if (!(cfg.nlFlags & NLM_F.CREATE)) throw new ErrnoError(Errno.ENOENT);
    nlFlags |= NLM_F.CREATE;
    const alias = fibAlias(fi, cfg.type, cfg.tos, table.id);
    const next = list.slice();
    next.splice(at, 0, alias);
    fib.hold(fi);
    await commit(fib, () => table.setAliases(key, len, next));
    rtmsgFib(rtnl, fib.net, RTM.NEWROUTE, key, len, alias, cfg, nlFlags);
    await changed(fib, event, key, len, alias);
  } finally {
    fib.release(fi);
  }
}

/** `fib_nh_match()`: 0 when the request's nexthop fields (those given) match `fi`. */
function nhMatch(cfg: FibConfig, fi: FibInfo): boolean {
  if (cfg.priority && cfg.priority !== fi.priority) return false;
  if (cfg.oif || cfg.gw) {
    const nh = fi.nhs[0];
    if (!nh) return false;
    if (cfg.oif && nh.oif !== cfg.oif) return false;
    if (cfg.gw && nh.gw !== cfg.gw) return false;
  }
  const mp = cfg.mp;
  if (!mp) return true;
  if (mp.length !== fi.nhs.length) return false;
  return mp.every((c, i) => {
    const nh = fi.nhs[i];
    return !!nh && (!c.oif || c.oif === nh.oif) && (!c.gw || c.gw === nh.gw);
  });
}

/** `fib_table_delete()`: ESRCH when nothing matches; notifies RTM_DELROUTE. */
export async function fibTableDelete(rtnl: Rtnetlink, fib: FibNet, table: FibTable, cfg: FibConfig): Promise<void> {
  const key = cfg.dst >>> 0;
  const len = cfg.dstLen;
  validKeyLen(key, len);
  const list = table.aliases(key, len);
  const from = findAlias(list, cfg.tos, 0);
  let victim = -1;
  for (let i = from; i < list.length; i += 1) {
    const fa = list[i] as FibAlias;
    if (fa.tos !== cfg.tos) break;
    const fi = fa.info;
    if (
      (!cfg.type || fa.type === cfg.type) &&
      (cfg.scope === RT_SCOPE.NOWHERE || fi.scope === cfg.scope) &&
      (!cfg.prefsrc || fi.prefsrc === cfg.prefsrc) &&
      (!cfg.protocol || fi.protocol === cfg.protocol) &&
      nhMatch(cfg, fi)
    ) {
      victim = i;
      break;
    }
  }
  if (victim < 0) throw new ErrnoError(Errno.ESRCH);
  const fa = list[victim] as FibAlias;
  const next = list.slice();
  next.splice(victim, 1);
  rtmsgFib(rtnl, fib.net, RTM.DELROUTE, key, len, fa, cfg, 0);
  await commit(fib, () => table.setAliases(key, len, next));
  fib.release(fa.info);
  await changed(fib, 'ENTRY_DEL', key, len, fa);
}

/**
 * `fib_sync_down_dev()` for NETDEV_DOWN and NETDEV_UNREGISTER: marks the nexthops through `dev`
 * dead and LINKDOWN. Host-scope nexthops (the local routes of the device's own addresses) are
 * spared unless `force` (the device lost its last address, or is going away). A route dies when
 * all its nexthops are dead, or on unregistration when any is through `dev`: the kernel removes
 * an IPv4 multipath route entirely when one of its devices goes away. Returns how many infos died.
 */
export function fibSyncDownDev(fib: FibNet, dev: NetDevice, event: 'down' | 'unregister', force: boolean): number {
  const unregister = event === 'unregister';
  const sparedScope = force ? -1 : RT_SCOPE.NOWHERE;
  let died = 0;
  for (const fi of fib.infos.values()) {
    if (fi.dead || fi.flags & RTNH_F.DEAD) continue;
    let dead = 0;
    let through = false;
    for (const nh of fi.nhs) {
      if (nh.flags & RTNH_F.DEAD) dead += 1;
      else if (nh.dev === dev && nh.scope !== sparedScope) {
        nh.flags |= RTNH_F.DEAD | RTNH_F.LINKDOWN;
        dead += 1;
        through = true;
      }
      if (unregister && nh.dev === dev) {
        dead = fi.nhs.length;
        through = true;
        break;
      }
    }
    if (through && dead === fi.nhs.length) {
      fi.flags |= RTNH_F.DEAD | RTNH_F.LINKDOWN;
      died += 1;
    }
  }
  return died;
}

/**
 * `fib_sync_down_dev(NETDEV_CHANGE)` / `fib_sync_up(RTNH_F_LINKDOWN)`: the carrier of `dev`
 * went off or on; nexthops through it are flagged LINKDOWN (kept for lookups, shown in dumps).
 */
export function fibSyncLinkdown(fib: FibNet, dev: NetDevice, down: boolean): void {
  for (const fi of fib.infos.values()) {
    let linkdown = 0;
    for (const nh of fi.nhs) {
      if (nh.dev === dev && !(nh.flags & RTNH_F.DEAD)) {
        if (down) nh.flags |= RTNH_F.LINKDOWN;
        else nh.flags &= ~RTNH_F.LINKDOWN;
      }
      if (nh.flags & RTNH_F.LINKDOWN) linkdown += 1;
    }
    if (fi.nhs.some((nh) => nh.dev)) {
      if (linkdown === fi.nhs.length) fi.flags |= RTNH_F.LINKDOWN;
      else fi.flags &= ~RTNH_F.LINKDOWN;
    }
  }
}

/** `fib_sync_up(RTNH_F_DEAD)`: nexthops through `dev` live again (multipath routes that kept other paths). */
export function fibSyncUp(fib: FibNet, dev: NetDevice): void {
  for (const fi of fib.infos.values()) {
    if (fi.flags & RTNH_F.DEAD) continue;
    for (const nh of fi.nhs) {
      if (nh.dev === dev && nh.flags & RTNH_F.DEAD) {
        nh.flags &= ~(RTNH_F.DEAD | RTNH_F.LINKDOWN);
        if (!dev.carrier) nh.flags |= RTNH_F.LINKDOWN;
      }
    }
  }
}

/**
 * `fib_flush()` → `fib_table_flush()`: removes every alias whose info is dead. In-kernel
 * listeners get ENTRY_DEL; netlink hears of it only for routes whose prefsrc went (RTM_DELROUTE,
 * `fi->pfsrc_removed`), not of routes through a device that went down.
 */
export async function fibFlush(rtnl: Rtnetlink, fib: FibNet): Promise<number> {
  let removed = 0;
  for (const table of fib.tablesInOrder()) {
    const doomed: { dst: number; dstLen: number; keep: FibAlias[]; gone: FibAlias[] }[] = [];
    table.forEachKey(0, (_key, routes) => {
      const byPrefix = new Map<number, { dst: number; dstLen: number; keep: FibAlias[]; gone: FibAlias[] }>();
      for (const r of routes) {
        if (!(r.alias.info.flags & RTNH_F.DEAD)) continue;
        byPrefix.set(r.dstLen, { dst: r.dst, dstLen: r.dstLen, keep: [], gone: [] });
      }
      for (const entry of byPrefix.values()) {
        for (const fa of table.aliases(entry.dst, entry.dstLen))
          (fa.info.flags & RTNH_F.DEAD ? entry.gone : entry.keep).push(fa);
        doomed.push(entry);
      }
      return true;
    });
    for (const entry of doomed) {
      await commit(fib, () => table.setAliases(entry.dst, entry.dstLen, entry.keep));
      for (const fa of entry.gone) {
        fib.release(fa.info);
        removed += 1;
        await changed(fib, 'ENTRY_DEL', entry.dst, entry.dstLen, fa);
        if (fa.info.pfsrcRemoved)
          rtmsgFib(rtnl, fib.net, RTM.DELROUTE, entry.dst, entry.dstLen, fa, { portId: 0, seq: 0, echo: false }, 0);
      }
    }
  }
  return removed;
}
