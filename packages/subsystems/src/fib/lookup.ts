/**
 * Route lookups: `fib_table_lookup()` (one table, net/ipv4/fib_trie.c) and `fib_lookup()` (the
 * default rules: local, main, default; rtnlkit has no `ip rule`). Lock-free: they read the
 * tables as a packet path would, under RCU.
 */
import { Errno, RTN } from '@rtnlkit/core';
import type { NetDevice } from '../link/netdevice';
import { FIB_PROPS, RTNH_F } from './constants';
import type { FibAlias, FibNet, FibNh, FibTable } from './table';

/** `struct flowi4`, the parts a FIB lookup reads. */
export interface Flow {
  /** `daddr`, host order. */
  readonly daddr: number;
  /** `flowi4_oif`: 0 for any. */
  readonly oif?: number;
  /** `flowi4_scope`: routes with a narrower (smaller) scope are skipped. */
  readonly scope?: number;
  /** `flowi4_dscp` as a tos byte. */
  readonly tos?: number;
}

/** `FIB_LOOKUP_*` flags. */
export const FIB_LOOKUP = { NOREF: 1, IGNORE_LINKSTATE: 2 } as const;

/** `struct fib_result`, as {@link fibLookup} hands it out (a fresh object the caller may keep). */
export interface FibResult {
  readonly table: FibTable;
  readonly prefix: number;
  readonly prefixLen: number;
  readonly alias: FibAlias;
  /** The nexthop chosen (`nh_sel`); undefined for types with no nexthop use. */
  readonly nh: FibNh | undefined;
  readonly type: number;
  readonly scope: number;
}

/**
 * `struct fib_result` as the kernel passes it: owned by the caller and filled by
 * {@link fibLookupRes} / {@link fibTableLookupRes}, so a lookup allocates nothing (the forwarding
 * path keeps one on its stack). Valid after a lookup returned 0, until the next lookup into it.
 */
export class FibRes implements FibResult {
  table!: FibTable;
  prefix = 0;
  prefixLen = 0;
  alias!: FibAlias;
  nh: FibNh | undefined = undefined;
  type = 0;
  scope = 0;

  /** Copies another result (fib_lookup choosing local's answer over main's). */
  copy(from: FibRes): void {
    this.table = from.table;
    this.prefix = from.prefix;
    this.prefixLen = from.prefixLen;
    this.alias = from.alias;
    this.nh = from.nh;
    this.type = from.type;
    this.scope = from.scope;
  }

  /** A plain snapshot (what the object-returning API hands out). */
  snapshot(): FibResult {
    return {
      table: this.table,
      prefix: this.prefix,
      prefixLen: this.prefixLen,
      alias: this.alias,
      nh: this.nh,
      type: this.type,
      scope: this.scope,
    };
  }
}

const scratch = new Int32Array(33);
const scratchLens = new Uint8Array(33);
/** `fib_props[type].error` as numbers: read per alias, so no object and no module getter. */
const PROP_ERROR = Int32Array.from(FIB_PROPS, (p) => p.error);
const NH_DEAD = RTNH_F.DEAD;
const EAGAIN = Errno.EAGAIN;
const ENETUNREACH = Errno.ENETUNREACH;
/** {@link tryPrefix}: no alias of the prefix fits (the caller backtracks). */
const NO_FIT = -1;

/**
 * The first acceptable alias of one matching prefix (`fib_table_lookup`'s loop over the leaf's
 * aliases): 0 with `res` filled, an errno (a route type with a `fib_props` error), or
 * {@link NO_FIT}.
 */
function tryPrefix(
  table: FibTable,
  slot: number,
  prefixLen: number,
  daddr: number,
  oif: number,
  scope: number,
  tos: number,
  res: FibRes,
): number {
  const count = table.slotCount(slot);
  for (let i = 0; i < count; i += 1) {
    const alias = (count === 1 ? table.slotFirst(slot) : table.slotAliases(slot)[i]) as FibAlias;
    if (alias.tos && alias.tos !== tos) continue;
    const info = alias.info;
    if (info.dead) continue;
    if (info.scope < scope) continue;
    const error = alias.type < PROP_ERROR.length ? (PROP_ERROR[alias.type] as number) : 0;
    if (error) return error;
    if (info.flags & NH_DEAD) continue;
    const nhs = info.nhs;
    for (let n = 0; n < nhs.length; n += 1) {
      const nh = nhs[n] as FibNh;
      // fib_lookup_good_nhc(): ip_ignore_linkdown() is off by default
      // (ignore_routes_with_linkdown = 0), so only DEAD and the flow's oif reject a nexthop.
      if (nh.flags & NH_DEAD) continue;
      if (oif && oif !== nh.oif) continue;
      res.table = table;
      res.prefix = prefixLen === 0 ? 0 : (daddr & (0xffffffff << (32 - prefixLen))) >>> 0;
      res.prefixLen = prefixLen;
      res.alias = alias;
      res.nh = nh;
      res.type = alias.type;
      res.scope = info.scope;
      return 0;
    }
  }
  return NO_FIT;
}

/**
 * `fib_table_lookup()` into a caller's result: 0, or the errno (EAGAIN when nothing matched; a
 * blackhole, unreachable or prohibit route answers its `fib_props` error). The longest match is
 * tried first (one DIR-24 read in a big table); when none of its routes fits the flow, the
 * shorter matches follow, as the kernel backtracks up the trie. `oif` 0 is any device; routes of
 * a narrower `scope` are skipped; `tos` is the flow's dscp as a tos byte. `flags` (FIB_LOOKUP_*)
 * change nothing rtnlkit models.
 */
export function fibTableLookupRes(
  table: FibTable,
  res: FibRes,
  daddr: number,
  oif: number,
  scope: number,
  tos: number,
  flags: number,
): number {
  void flags;
  const trie = table.trie;
  const addr = daddr >>> 0;
  const first = trie.longest(addr);
  if (first < 0) return EAGAIN;
  const quick = tryPrefix(table, first, trie.lastLen, addr, oif, scope, tos, res);
  if (quick !== NO_FIT) return quick;
  return backtrack(table, res, addr, oif, scope, tos);
}

/** The shorter matches, longest first: the rare path, kept out of the hot function. */
function backtrack(table: FibTable, res: FibRes, daddr: number, oif: number, scope: number, tos: number): number {
  const count = table.trie.matches(daddr, scratch, scratchLens);
  for (let i = 1; i < count; i += 1) {
    const found = tryPrefix(table, scratch[i] as number, scratchLens[i] as number, daddr, oif, scope, tos, res);
    if (found !== NO_FIT) return found;
  }
  return EAGAIN;
}

/** Local's answer when main's is in `res` (fibLookupRes compares the two). */
const localRes = new FibRes();

/**
 * `fib_lookup()` into a caller's result, without custom rules: main, in which the kernel keeps
 * local's routes too (`fib_trie_table(RT_TABLE_LOCAL, main)` shares the trie until a custom rule
 * unmerges them), then default. rtnlkit keeps the two tables apart and takes the longer match of
 * the two, local winning a tie (it sorts first among aliases of one prefix). 0, or the errno:
 * ENETUNREACH when nothing matched. Allocates nothing.
 */
export function fibLookupRes(fib: FibNet, res: FibRes, daddr: number, oif = 0, scope = 0, tos = 0, flags = 0): number {
  const main = fib.mainTable;
  const local = fib.localTable;
  let err = main ? fibTableLookupRes(main, res, daddr, oif, scope, tos, flags) : EAGAIN;
  if (local) {
    const errLocal = fibTableLookupRes(local, localRes, daddr, oif, scope, tos, flags);
    if (errLocal === 0) {
      // A result beats an errno whatever the prefix lengths (as the object API always did).
      if (err !== 0 || localRes.prefixLen >= res.prefixLen) res.copy(localRes);
      err = 0;
    } else if (err === EAGAIN) err = errLocal;
  }
  if (err === EAGAIN) {
    const fallback = fib.defaultTable;
    if (fallback) err = fibTableLookupRes(fallback, res, daddr, oif, scope, tos, flags);
  }
  return err === EAGAIN ? ENETUNREACH : err;
}

/** What the object-returning wrappers fill before copying out. */
const wrapperRes = new FibRes();

/** {@link fibTableLookupRes} for a {@link Flow}: a fresh result object, or the errno. */
export function fibTableLookup(table: FibTable, flow: Flow, flags = 0): FibResult | number {
  const err = fibTableLookupRes(table, wrapperRes, flow.daddr, flow.oif ?? 0, flow.scope ?? 0, flow.tos ?? 0, flags);
  return err === 0 ? wrapperRes.snapshot() : err;
}

/** {@link fibLookupRes} for a {@link Flow}: a fresh result object, or the errno. */
export function fibLookup(fib: FibNet, flow: Flow, flags = 0): FibResult | number {
  const err = fibLookupRes(fib, wrapperRes, flow.daddr, flow.oif ?? 0, flow.scope ?? 0, flow.tos ?? 0, flags);
  return err === 0 ? wrapperRes.snapshot() : err;
}

/**
 * `__inet_dev_addr_type()`: the type of the route `addr` resolves to in table `id`: broadcast
 * for 0.0.0.0/8 and 255.255.255.255, multicast for 224/4, broadcast when the table does not
 * exist, unicast when nothing matches; a match through another device than `dev` counts as
 * unicast.
 */
export function inetAddrTypeTable(fib: FibNet, addr: number, id: number, dev?: NetDevice): number {
  const a = addr >>> 0;
  if (a >>> 24 === 0 || a === 0xffffffff) return RTN.BROADCAST;
  if (a >>> 28 === 0xe) return RTN.MULTICAST;
  const table = fib.getTable(id);
  if (!table) return RTN.BROADCAST;
  const result = fibTableLookup(table, { daddr: a }, FIB_LOOKUP.NOREF);
  if (typeof result === 'number') return RTN.UNICAST;
  if (!dev || dev === result.alias.info.nhs[0]?.dev) return result.type;
  return RTN.UNICAST;
}
