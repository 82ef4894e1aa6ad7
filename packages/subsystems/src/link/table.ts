/**
 * A namespace's devices (the kernel's `net->dev_by_index` xarray, `dev_name_head` hash and
 * `dev_base_seq`): ifindex allocation, the name index, and the generation counter link dumps are
 * consistent against. Every change happens under RTNL; the table itself takes no lock, the
 * callers (pernet hooks and handlers running under the strategy) hold it.
 */
import { Errno, ErrnoError, type Net } from '@rtnlkit/core';
import { IFNAMSIZ } from './constants';
import type { NetDevice } from './netdevice';

/** `INT_MAX`: the largest ifindex (`XA_LIMIT(1, INT_MAX)`). */
const IFINDEX_MAX = 0x7fffffff;
/** How many names one `%d` pattern may produce (`__dev_alloc_name`: a page of bits). */
const MAX_PATTERN_UNITS = 4096 * 8;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `dev_valid_name()`: non-empty, shorter than IFNAMSIZ bytes, not `.` or `..`, no `/`, `:` or white space. */
export function devValidName(name: string): boolean {
  if (name === '' || name === '.' || name === '..') return false;
  const bytes = encoder.encode(name);
  if (bytes.length >= IFNAMSIZ || bytes.includes(0)) return false;
  // isspace() in the kernel's ctype: space, \t \n \v \f \r, and 0xa0 (Latin-1 NBSP) as a byte.
  for (const b of bytes)
    if (b === 0x2f || b === 0x3a || b === 0x20 || (b >= 0x09 && b <= 0x0d) || b === 0xa0) return false;
  return true;
}

export class LinkTable {
  /**
   * `net->dev_base_seq`: starts at 1 and is bumped whenever a device is listed or unlisted; it
   * skips 0, which netlink treats as "no sequence" (`dev_base_seq_inc`).
   */
  devBaseSeq = 1;
  private readonly byIndex = new Map<number, NetDevice>();
  private readonly byName = new Map<string, NetDevice>();
  /** Listed ifindexes in ascending order: the order a link dump walks (`for_each_netdev_dump`). */
  private indexes: number[] = [];
  /** `net->ifindex`: where the cyclic allocation resumes. */
  private nextIndex = 1;

  constructor(readonly net: Net) {}

  get size(): number {
    return this.byIndex.size;
  }

  /** `__dev_get_by_index()`. */
  getByIndex(ifindex: number): NetDevice | undefined {
    return this.byIndex.get(ifindex);
  }

  /** `__dev_get_by_name()`. */
  getByName(name: string): NetDevice | undefined {
    return this.byName.get(name);
  }

  /** `netdev_name_in_use()`. */
  nameInUse(name: string): boolean {
    return this.byName.has(name);
  }

  /** Every device in ifindex order (a snapshot). */
  devices(): NetDevice[] {
    return this.indexes.map((i) => this.byIndex.get(i) as NetDevice);
  }

  /** The first device whose ifindex is at least `ifindex` (`for_each_netdev_dump` resuming). */
  firstFrom(ifindex: number): NetDevice | undefined {
    let lo = 0;
    let hi = this.indexes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.indexes[mid] as number) < ifindex) lo = mid + 1;
      else hi = mid;
    }
    const found = this.indexes[lo];
    return found === undefined ? undefined : this.byIndex.get(found);
  }

  /**
   * `dev_get_valid_name()`: the name `dev` would register with. A pattern with one `%d` takes the
   * lowest free unit (`dev_alloc_name`). EINVAL for an invalid name or pattern, EEXIST for a
   * name in use, ENFILE when a pattern has no free unit left. The first free unit whose name does
   * not fit in IFNAMSIZ - 1 bytes gives the truncated name (EEXIST when that one is in use).
   */
  validName(name: string): string {
    if (!devValidName(name)) throw new ErrnoError(Errno.EINVAL);
    const percent = name.indexOf('%');
    if (percent < 0) {
      if (this.nameInUse(name)) throw new ErrnoError(Errno.EEXIST);
      return name;
    }
    if (name[percent + 1] !== 'd' || name.includes('%', percent + 2)) throw new ErrnoError(Errno.EINVAL);
    for (let unit = 0; unit < MAX_PATTERN_UNITS; unit += 1) {
      const candidate = `${name.slice(0, percent)}${unit}${name.slice(percent + 2)}`;
      const bytes = encoder.encode(candidate);
      if (bytes.length < IFNAMSIZ) {
        if (!this.nameInUse(candidate)) return candidate;
        continue;
      }
      // snprintf(res, IFNAMSIZ, …) truncates: the first free unit whose name does not fit gives
      // its truncated name, which registration then finds in use (EEXIST on Linux 6.18) or takes.
      const cut = decoder.decode(bytes.subarray(0, IFNAMSIZ - 1));
      if (this.nameInUse(cut)) throw new ErrnoError(Errno.EEXIST);
      return cut;
    }
    throw new ErrnoError(Errno.ENFILE);
  }

  /**
   * `register_netdevice()`'s table part: validates the name (see {@link validName}), reserves an
   * ifindex (`dev_index_reserve`: the one asked for, EBUSY if taken; otherwise the next free one
   * cyclically from 1), then lists the device (`list_netdevice`), bumping `dev_base_seq`.
   * Nothing changes when it throws. The caller holds RTNL.
   */
  register(dev: NetDevice, options: { ifindex?: number } = {}): void {
    if (dev.regState !== 'uninitialized') throw new TypeError(`${dev} is ${dev.regState}: only a new device registers`);
    const name = this.validName(dev.name);
    const ifindex = options.ifindex ? this.reserveIndex(options.ifindex) : this.allocIndex();
    dev.storeName(name);
    this.list(dev, ifindex);
  }

  /**
   * The ifindex a device moving in from another namespace gets (`__dev_change_net_namespace`):
   * the one asked for (EBUSY if used here), else its own if free here, else a new one.
   */
  moveInIndex(current: number, requested: number): number {
    if (requested) return this.reserveIndex(requested);
    return this.byIndex.has(current) ? this.allocIndex() : current;
  }

  /** `list_netdevice()`: lists `dev` (already named) under `ifindex`; `dev_base_seq` moves. */
  list(dev: NetDevice, ifindex: number): void {
    if (this.byIndex.has(ifindex) || this.byName.has(dev.name))
      throw new TypeError(`${dev.name}(${ifindex}) collides with a listed device of ${this.net}`);
    dev.ifindex = ifindex;
    dev.net = this.net;
    this.byIndex.set(ifindex, dev);
    this.byName.set(dev.name, dev);
    this.insertIndex(ifindex);
    this.bumpSeq();
  }

  /**
   * `unlist_netdevice()` + `dev_index_release()`: the device leaves the table (lookups, dumps and
   * its ifindex are free again) and `dev_base_seq` moves. The device keeps its ifindex and
   * namespace, as the kernel's does, for the notifications of its unregistration.
   */
  unregister(dev: NetDevice): void {
    if (this.byIndex.get(dev.ifindex) !== dev) throw new TypeError(`${dev} is not registered in ${this.net}`);
    this.byIndex.delete(dev.ifindex);
    this.byName.delete(dev.name);
    this.indexes = this.indexes.filter((i) => i !== dev.ifindex);
    this.bumpSeq();
  }

  /**
   * The name-index part of `netif_change_name()` (`netdev_name_node_del` / `_add`): the device,
   * already renamed from `oldName` (see `writeDevName()`), is found under its new name only.
   */
  reindexName(dev: NetDevice, oldName: string): void {
    if (this.byIndex.get(dev.ifindex) !== dev) throw new TypeError(`${dev} is not registered in ${this.net}`);
    if (this.byName.get(oldName) === dev) this.byName.delete(oldName);
    this.byName.set(dev.name, dev);
  }

  /** `dev_base_seq_inc()`. */
  bumpSeq(): void {
    const next = (this.devBaseSeq + 1) >>> 0;
    this.devBaseSeq = next === 0 ? 1 : next;
  }

  private reserveIndex(ifindex: number): number {
    if (!(Number.isInteger(ifindex) && ifindex >= 1 && ifindex <= IFINDEX_MAX)) throw new ErrnoError(Errno.EINVAL);
    if (this.byIndex.has(ifindex)) throw new ErrnoError(Errno.EBUSY);
    return ifindex;
  }

  /** `xa_alloc_cyclic(..., XA_LIMIT(1, INT_MAX), &net->ifindex)`. */
  private allocIndex(): number {
    if (this.byIndex.size >= IFINDEX_MAX) throw new ErrnoError(Errno.EBUSY);
    let candidate = this.nextIndex;
    while (this.byIndex.has(candidate)) candidate = candidate >= IFINDEX_MAX ? 1 : candidate + 1;
    this.nextIndex = candidate >= IFINDEX_MAX ? 1 : candidate + 1;
    return candidate;
  }

  private insertIndex(ifindex: number): void {
    let at = this.indexes.length;
    while (at > 0 && (this.indexes[at - 1] as number) > ifindex) at -= 1;
    this.indexes.splice(at, 0, ifindex);
  }
}

/** The `net_generic` key of the device table. */
const TABLE: object = Object.freeze({ name: 'link table' });

/** Drops `net`'s device table (the link pernet exit, once every device is gone). */
export function dropLinkTable(net: Net): void {
  net.deleteGeneric(TABLE);
}

/** The device table of `net`, created on first use. */
export function linkTable(net: Net): LinkTable {
  let table = net.getGeneric<LinkTable>(TABLE);
  if (!table) {
    table = new LinkTable(net);
    net.setGeneric(TABLE, table);
  }
  return table;
}
