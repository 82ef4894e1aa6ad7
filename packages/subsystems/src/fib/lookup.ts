/**
 * Route lookups: `fib_table_lookup()` (one table, net/ipv4/fib_trie.c) and `fib_lookup()` (the
 * default rules: local, main, default; rtnlkit has no `ip rule`). Lock-free: they read the
 * tables as a packet path would, under RCU.
 */
import { Errno, RTN } from '@rtnlkit/core';
import type { NetDevice } from '../link/netdevice';
import { FIB_PROPS, RT_TABLE, RTNH_F } from './constants';
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

/** `struct fib_result`. */
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

const scratch = new Int32Array(33);
const scratchLens = new Uint8Array(33);

/** `fib_lookup_good_nhc()`. */
function goodNh(nh: FibNh, flow: Flow, flags: number): boolean {
  if (nh.flags & RTNH_F.DEAD) return false;
  // ip_ignore_linkdown() is off by default (ignore_routes_with_linkdown = 0): LINKDOWN is kept.
  void flags;
  if (flow.oif && flow.oif !== nh.oif) return false;
  return true;
}

/** The first acceptable alias of one matching prefix: a result, an errno, or undefined (none). */
function tryPrefix(
  table: FibTable,
  slot: number,
  prefixLen: number,
  flow: Flow,
  flags: number,
): FibResult | number | undefined {
  const scope = flow.scope ?? 0;
  const tos = flow.tos ?? 0;
  const count = table.slotCount(slot);
  for (let i = 0; i < count; i += 1) {
    const alias = (count === 1 ? table.slotFirst(slot) : table.slotAliases(slot)[i]) as FibAlias;
    if (alias.tos && alias.tos !== tos) continue;
    const info = alias.info;
    if (info.dead) continue;
    if (info.scope < scope) continue;
    const error = FIB_PROPS[alias.type]?.error ?? 0;
    if (error) return error;
    if (info.flags & RTNH_F.DEAD) continue;
    for (const nh of info.nhs) {
      if (!goodNh(nh, flow, flags)) continue;
      const prefix = prefixLen === 0 ? 0 : (flow.daddr & (0xffffffff << (32 - prefixLen))) >>> 0;
      return { table, prefix, prefixLen, alias, nh, type: alias.type, scope: info.scope };
    }
  }
  return undefined;
}

/**
 * `fib_table_lookup()`: the result, or the errno (EAGAIN when nothing matched; a blackhole,
 * unreachable or prohibit route answers its `fib_props` error). The longest match is tried
 * first (one DIR-24 read in a big table); when none of its routes fits the flow, the shorter
 * matches follow, as the kernel backtracks up the trie.
 */
export function fibTableLookup(table: FibTable, flow: Flow, flags = 0): FibResult | number {
  const trie = table.trie;
  const first = trie.longest(flow.daddr);
  if (first < 0) return Errno.EAGAIN;
  const quick = tryPrefix(table, first, trie.lastLen, flow, flags);
  if (quick !== undefined) return quick;
  const count = trie.matches(flow.daddr >>> 0, scratch, scratchLens);
  for (let i = 1; i < count; i += 1) {
    const found = tryPrefix(table, scratch[i] as number, scratchLens[i] as number, flow, flags);
    if (found !== undefined) return found;
  }
  return Errno.EAGAIN;
}

/**
 * `fib_lookup()` without custom rules: main, in which the kernel keeps local's routes too
 * (`fib_trie_table(RT_TABLE_LOCAL, main)` shares the trie until a custom rule unmerges them),
 * then default. rtnlkit keeps the two tables apart and takes the longer match of the two,
 * local winning a tie (it sorts first among aliases of one prefix). ENETUNREACH when nothing
 * matched.
 */
export function fibLookup(fib: FibNet, flow: Flow, flags = 0): FibResult | number {
  const main = fib.getTable(RT_TABLE.MAIN);
  const local = fib.getTable(RT_TABLE.LOCAL);
  const fromMain = main ? fibTableLookup(main, flow, flags) : Errno.EAGAIN;
  const fromLocal = local ? fibTableLookup(local, flow, flags) : Errno.EAGAIN;
  let result: FibResult | number;
  if (typeof fromLocal !== 'number' && typeof fromMain !== 'number')
    result = fromLocal.prefixLen >= fromMain.prefixLen ? fromLocal : fromMain;
  else if (typeof fromLocal !== 'number') result = fromLocal;
  else if (typeof fromMain !== 'number') result = fromMain;
  else result = fromMain !== Errno.EAGAIN ? fromMain : fromLocal;
  if (result === Errno.EAGAIN) {
    const fallback = fib.getTable(RT_TABLE.DEFAULT);
    if (fallback) result = fibTableLookup(fallback, flow, flags);
  }
  return result === Errno.EAGAIN ? Errno.ENETUNREACH : result;
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
