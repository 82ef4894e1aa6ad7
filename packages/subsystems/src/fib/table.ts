/**
 * The IPv4 FIB of one namespace (`net->ipv4`: `fib_table_hash`, `fib_seq`) and its tables
 * (`struct fib_table` with a trie, net/ipv4/fib_trie.c). Routes are the kernel's three layers:
 * a `FibAlias` per route (type, dscp, table), pointing at a shared `FibInfo` (protocol, scope,
 * priority, prefsrc, nexthops: `fib_create_info` reuses an identical one, `fib_find_info`), whose
 * nexthops (`FibNh`) point at devices.
 *
 * Readers (lookups, dumps) run with no lock: every change replaces what a reader may hold
 * (an alias list is copied, never edited in place), as the kernel's RCU lists are.
 */
import type { Net } from '@rtnlkit/core';
import type { NetDevice } from '../link/netdevice';
import { RT_SCOPE, RT_TABLE, RTNH_F } from './constants';
import { PrefixTrie } from './lpm';
import { type FibSeq, fibSeqCounter } from './seq';

/** `struct fib_nh`. */
export interface FibNh {
  /** `fib_nh_dev`: undefined for routes without a device (blackhole, unreachable, prohibit). */
  dev: NetDevice | undefined;
  /** `fib_nh_oif`. */
  readonly oif: number;
  /** `fib_nh_gw4` (0: none). */
  readonly gw: number;
  /** `fib_nh_flags`: RTNH_F_ONLINK as asked; DEAD and LINKDOWN as the device goes. */
  flags: number;
  /** `fib_nh_weight` (rtnh_hops + 1). */
  readonly weight: number;
  /** `fib_nh_scope`: the scope of the route the gateway resolved through. */
  scope: number;
}

/** `struct fib_info`: shared by every alias with the same attributes. */
export interface FibInfo {
  /** `fib_tb_id`: the table the info was created for. */
  readonly tbId: number;
  readonly protocol: number;
  readonly scope: number;
  readonly priority: number;
  /** `fib_prefsrc` (0: none). */
  readonly prefsrc: number;
  readonly type: number;
  /** `fib_flags`: RTNH_F_LINKDOWN when every nexthop's carrier is off; DEAD once unlinked. */
  flags: number;
  readonly nhs: readonly FibNh[];
  /** `fib_dead`. */
  dead: boolean;
  /**
   * `pfsrc_removed`: killed because its prefsrc address went (`fib_sync_down_addr`); the flush
   * then announces its routes with RTM_DELROUTE, which a device going down does not.
   */
  pfsrcRemoved?: boolean;
  /** Aliases using it (`fib_treeref`): dropped from the info cache at 0. */
  refs: number;
  /**
   * The alias objects made for this info, shared by every route with the same type, tos and
   * table (a route's prefix lives in the trie, so a million routes through one gateway share
   * one alias object).
   */
  aliases?: FibAlias[];
  /** The `fib_find_info` key. */
  readonly hashKey: string;
}

/** `struct fib_alias`: one route. */
export interface FibAlias {
  readonly info: FibInfo;
  /** `fa_type`: RTN_*. */
  readonly type: number;
  /** `fa_dscp` as the tos byte. */
  readonly tos: number;
  readonly tbId: number;
}

/** A route as the tables hand it out: its prefix and the alias. */
export interface FibRoute {
  readonly dst: number;
  readonly dstLen: number;
  readonly alias: FibAlias;
}

/** `struct fib_table`: one routing table, its prefixes in a trie. */
export class FibTable {
  readonly trie = new PrefixTrie(64);
  /**
   * Alias lists by trie slot, each in the kernel's order (dscp descending, priority ascending).
   * A prefix with one route (nearly all of them in a full table) stores the alias itself, not a
   * one-element array: 50-odd bytes a route saved.
   */
  private lists: (FibAlias | readonly FibAlias[] | undefined)[] = [];

  private listAt(slot: number): readonly FibAlias[] {
    const entry = this.lists[slot];
    if (entry === undefined) return EMPTY;
    return Array.isArray(entry) ? (entry as readonly FibAlias[]) : [entry as FibAlias];
  }
  private freeSlots: number[] = [];
  /** Routes held. */
  count = 0;

  constructor(readonly id: number) {}

  /** The aliases of exactly `dst/len` (empty when none). */
  aliases(dst: number, len: number): readonly FibAlias[] {
    const slot = this.trie.get(dst, len);
    return slot < 0 ? EMPTY : this.listAt(slot);
  }

  /** The aliases of a trie slot. */
  slotAliases(slot: number): readonly FibAlias[] {
    return this.listAt(slot);
  }

  /** The first alias of a slot, without building a list (the lookup fast path). */
  slotFirst(slot: number): FibAlias | undefined {
    const entry = this.lists[slot];
    return Array.isArray(entry) ? (entry[0] as FibAlias | undefined) : (entry as FibAlias | undefined);
  }

  /** How many aliases a slot holds. */
  slotCount(slot: number): number {
    const entry = this.lists[slot];
    return entry === undefined ? 0 : Array.isArray(entry) ? entry.length : 1;
  }

  /** Replaces the list of `dst/len` (a new array: readers keep the one they took). */
  setAliases(dst: number, len: number, list: readonly FibAlias[]): void {
    const slot = this.trie.get(dst, len);
    const before = slot < 0 ? 0 : this.slotCount(slot);
    this.count += list.length - before;
    if (list.length === 0) {
      if (slot >= 0) {
        this.trie.delete(dst, len);
        this.lists[slot] = undefined;
        this.freeSlots.push(slot);
      }
      return;
    }
    const stored = list.length === 1 ? (list[0] as FibAlias) : list;
    if (slot >= 0) {
      this.lists[slot] = stored;
      return;
    }
    const fresh = this.freeSlots.pop() ?? this.lists.length;
    this.lists[fresh] = stored;
    this.trie.set(dst, len, fresh);
  }

  /**
   * The routes of each key from `fromKey` on, in dump order (`fn_trie_dump_leaf`): key
   * ascending, and for one key the longer prefixes first, each prefix's aliases in list order.
   * Stops when `visit` returns false.
   */
  forEachKey(fromKey: number, visit: (key: number, routes: FibRoute[]) => boolean): void {
    let run: FibRoute[][] = [];
    let runKey = -1;
    let stopped = false;
    const flush = (): boolean => {
      const routes: FibRoute[] = [];
      for (let i = run.length - 1; i >= 0; i -= 1) routes.push(...(run[i] as FibRoute[]));
      run = [];
      return visit(runKey, routes);
    };
    this.trie.walk(fromKey, (key, len, slot) => {
      if (key !== runKey && run.length > 0 && !flush()) {
        stopped = true;
        return false;
      }
      runKey = key;
      run.push(this.listAt(slot).map((alias) => ({ dst: key, dstLen: len, alias })));
      return true;
    });
    if (!stopped && run.length > 0) flush();
  }

  /** Every route, in dump order. */
  routes(): FibRoute[] {
    const all: FibRoute[] = [];
    this.forEachKey(0, (_key, routes) => {
      all.push(...routes);
      return true;
    });
    return all;
  }
}

const EMPTY: readonly FibAlias[] = Object.freeze([]);

/** The shared alias of `info` with this type, tos and table. */
export function fibAlias(info: FibInfo, type: number, tos: number, tbId: number): FibAlias {
  if (!info.aliases) info.aliases = [];
  for (const alias of info.aliases) if (alias.type === type && alias.tos === tos && alias.tbId === tbId) return alias;
  const alias: FibAlias = { info, type, tos, tbId };
  info.aliases.push(alias);
  return alias;
}

/** The FIB state of one namespace. */
export class FibNet {
  /** `fib_table_hash`, in the order a dump walks it: bucket (id & 255) ascending, newest first in a bucket. */
  private readonly tables = new Map<number, FibTable>();
  /** `fib_info_hash`: the shared infos by {@link FibInfo.hashKey}. */
  readonly infos = new Map<string, FibInfo>();
  /** `net->ipv4.fib_seq`, as configured (seqcount or atomic counter). */
  readonly seq: FibSeq;
  /**
   * Where a writer lets other tasks run between linking a change in and ending its `fib_seq`
   * write (the seqcount's second increment, the atomic counter's only one): another CPU in the
   * kernel. A resolved promise by default; the schedule explorer replaces it with one of its
   * yield points.
   */
  preemptionPoint: () => Promise<void> = () => Promise.resolve();

  constructor(
    readonly net: Net,
    seq: FibSeq = fibSeqCounter('seqcount'),
  ) {
    this.seq = seq;
    // With CONFIG_IP_MULTIPLE_TABLES, fib4_rules_init() adds the default rules but no table:
    // main and local appear with the first route put in them (fib_new_table), so a fresh
    // namespace has none (a delete there answers "FIB table does not exist").
  }

  /**
   * Main, local and default, held outside the map so that a lookup (`fib_lookup`'s default
   * rules) reads three fields instead of hashing three ids. Tables are never freed, so these
   * only go from undefined to a table, in {@link newTable}.
   */
  mainTable: FibTable | undefined = undefined;
  localTable: FibTable | undefined = undefined;
  defaultTable: FibTable | undefined = undefined;

  /** `fib_get_table()`; table 0 means main. */
  getTable(id: number): FibTable | undefined {
    return this.tables.get(id === RT_TABLE.UNSPEC ? RT_TABLE.MAIN : id);
  }

  /** `fib_new_table()`: the table, created on demand. */
  newTable(id: number): FibTable {
    const key = id === RT_TABLE.UNSPEC ? RT_TABLE.MAIN : id;
    let table = this.tables.get(key);
    if (!table) {
      table = new FibTable(key);
      this.tables.set(key, table);
      if (key === RT_TABLE.MAIN) this.mainTable = table;
      else if (key === RT_TABLE.LOCAL) this.localTable = table;
      else if (key === RT_TABLE.DEFAULT) this.defaultTable = table;
    }
    return table;
  }

  /** The tables in dump order (`fib_table_hash` buckets, newest first within one). */
  tablesInOrder(): FibTable[] {
    const all = [...this.tables.values()];
    const created = new Map(all.map((t, i) => [t, i]));
    return all.sort((a, b) => (a.id & 255) - (b.id & 255) || (created.get(b) ?? 0) - (created.get(a) ?? 0));
  }

  /** `fib_create_info()`'s cache: the existing identical info or this one. */
  intern(info: FibInfo): FibInfo {
    const found = this.infos.get(info.hashKey);
    if (found && !found.dead && !(found.flags & RTNH_F.DEAD)) return found;
    this.infos.set(info.hashKey, info);
    return info;
  }

  /** Drops an info no alias holds from the hash (it may have been replaced there already). */
  unhash(info: FibInfo): void {
    if (this.infos.get(info.hashKey) === info) this.infos.delete(info.hashKey);
  }

  /** An alias took `info`. */
  hold(info: FibInfo): void {
    info.refs += 1;
  }

  /** `fib_release_info()`: an alias let go of `info`. */
  release(info: FibInfo): void {
    info.refs -= 1;
    if (info.refs <= 0) {
      info.dead = true;
      if (this.infos.get(info.hashKey) === info) this.infos.delete(info.hashKey);
    }
  }
}

/** The `fib_find_info()` key of the attributes that make two infos the same. */
export function infoKey(fields: {
  tbId: number;
  protocol: number;
  scope: number;
  priority: number;
  prefsrc: number;
  type: number;
  flags: number;
  nhs: readonly { oif: number; gw: number; flags: number; weight: number }[];
}): string {
  const nhs = fields.nhs.map((nh) => `${nh.oif}/${nh.gw}/${nh.flags & ~(RTNH_F.DEAD | RTNH_F.LINKDOWN)}/${nh.weight}`);
  return `${fields.tbId}|${fields.protocol}|${fields.scope}|${fields.priority}|${fields.prefsrc}|${fields.type}|${fields.flags & 0xff & ~RTNH_F.LINKDOWN}|${nhs.join(',')}`;
}

const fibNets = new WeakMap<Net, FibNet>();

/** The FIB of `net`, created on first use (no tables yet). */
export function fibNet(net: Net): FibNet {
  let fib = fibNets.get(net);
  if (!fib) {
    fib = new FibNet(net);
    fibNets.set(net, fib);
  }
  return fib;
}

/** Installs a FIB in `net` (the pernet init: lets the subsystem choose the fib_seq flavour). */
export function setFibNet(net: Net, fib: FibNet | undefined): void {
  if (fib) fibNets.set(net, fib);
  else fibNets.delete(net);
}

/** `RT_SCOPE_*` a nexthop with no gateway sits at (`fib_check_nh_nongw`). */
export const NONGW_SCOPE = RT_SCOPE.HOST;
