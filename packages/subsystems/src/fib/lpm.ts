/**
 * The longest-prefix-match structure of one FIB table: a path-compressed binary trie (the
 * kernel's `fib_trie.c` is an LC-trie; rtnlkit keeps the path compression and drops the level
 * compression, which buys little in a language without cache-line control).
 *
 * Why typed arrays rather than an object per node: a full Internet table has about a million
 * prefixes, and a JS object per node costs ~100 bytes before it holds anything. Here a node is a
 * row of five columns (key, prefix length, two children, the slot of its routes): 17 bytes, and a
 * trie of n prefixes has at most 2n - 1 nodes. Lookups walk at most 33 rows of int arrays.
 *
 * A node either carries a prefix (`slot >= 0`: the index the caller stores its routes under) or
 * is a branch point created by a split (`slot === -1`). Removing a prefix leaves its node as a
 * branch point and prunes what became useless, so the trie stays at most 2n - 1 rows plus a free
 * list.
 */

const NONE = -1;
/** The "a longer prefix lies inside this /24" bit of a DIR-24 entry. */
const DEEP = 1 << 31;
/** Prefixes in a table before it gets its DIR-24 lookaside. */
export const DIR_THRESHOLD = 65536;

/** `ntohl` of a dotted IPv4 address, as an unsigned 32-bit number. */
export function ipv4ToU32(address: string): number {
  const parts = address.split('.');
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${address}`);
  let value = 0;
  for (const part of parts) {
    const byte = Number(part);
    if (!Number.isInteger(byte) || byte < 0 || byte > 255) throw new RangeError(`not an IPv4 address: ${address}`);
    value = value * 256 + byte;
  }
  return value >>> 0;
}

/** The dotted form of a 32-bit address. */
export function u32ToIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** `inet_make_mask()`: the netmask of a prefix length 0..32. */
export function prefixMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** Bit `index` of `key`, counting from the most significant (bit 0). */
function bitAt(key: number, index: number): number {
  return (key >>> (31 - index)) & 1;
}

export class PrefixTrie {
  /**
   * The nodes, four int32 each (one 16-byte row, so a lookup touches one cache line per level):
   * key, (slot + 1) << 6 | prefix length, child 0, child 1.
   */
  private rows: Int32Array;
  private root = NONE;
  private used = 0;
  private free: number[] = [];
  /** Prefixes stored (nodes with a slot). */
  size = 0;
  /**
   * The prefix length of the last {@link longest} answer (read it right after the call).
   */
  lastLen = 0;
  /**
   * DIR-24 lookaside for big tables: one entry per /24, the longest prefix of length ≤ 24
   * covering it as `(slot + 1) << 6 | len` (0: none), and {@link DEEP} when a longer prefix
   * lies inside (then lookups walk the trie). A lookup is then one memory access instead of a
   * walk of ~20 random rows. Built once the table holds {@link DIR_THRESHOLD} prefixes (64 MiB:
   * not worth it for small tables) and kept in step by every change.
   */
  private dir: Int32Array | undefined;

  constructor(capacity = 16) {
    this.rows = new Int32Array(capacity * 4);
  }

  /** Bytes held by the rows (what the trie costs beyond the caller's route objects). */
  get byteLength(): number {
    return this.rows.byteLength + (this.dir?.byteLength ?? 0);
  }

  private get capacity(): number {
    return this.rows.length >> 2;
  }

  private grow(): void {
    const next = new Int32Array(this.rows.length * 2);
    next.set(this.rows);
    this.rows = next;
  }

  private key(n: number): number {
    return (this.rows[n * 4] as number) >>> 0;
  }

  private len(n: number): number {
    return (this.rows[n * 4 + 1] as number) & 63;
  }

  private slot(n: number): number {
    return ((this.rows[n * 4 + 1] as number) >> 6) - 1;
  }

  private setSlot(n: number, slot: number): void {
    this.rows[n * 4 + 1] = ((slot + 1) << 6) | this.len(n);
  }

  private child(n: number, bit: number): number {
    return this.rows[n * 4 + 2 + bit] as number;
  }

  private node(key: number, len: number, slot: number): number {
    let n = this.free.pop();
    if (n === undefined) {
      if (this.used === this.capacity) this.grow();
      n = this.used++;
    }
    const at = n * 4;
    this.rows[at] = key | 0;
    this.rows[at + 1] = ((slot + 1) << 6) | len;
    this.rows[at + 2] = NONE;
    this.rows[at + 3] = NONE;
    return n;
  }

  private setChild(parent: number, bit: number, child: number): void {
    if (parent === NONE) this.root = child;
    else this.rows[parent * 4 + 2 + bit] = child;
  }

  /** Fills the /24 entries of `key/len` (len ≤ 24) whose current prefix is not longer. */
  private dirFill(key: number, len: number, value: number, onlyIfNotLonger: boolean): void {
    const dir = this.dir as Int32Array;
    const from = key >>> 8;
    const to = from + 2 ** (24 - len);
    for (let i = from; i < to; i += 1) {
      const cur = dir[i] as number;
      if (onlyIfNotLonger && cur !== 0 && (cur & 63) > len) continue;
      dir[i] = (cur & DEEP) | value;
    }
  }

  private buildDir(): void {
    const dir = new Int32Array(1 << 24);
    this.dir = dir;
    // Pre-order: a prefix comes before the longer ones inside it, which then overwrite it.
    this.walk(0, (key, len, slot) => {
      if (len <= 24) this.dirFill(key, len, ((slot + 1) << 6) | len, false);
      else dir[key >>> 8] = (dir[key >>> 8] as number) | DEEP;
      return true;
    });
  }

  private dirSet(key: number, len: number, slot: number): void {
    if (!this.dir) {
      if (this.size >= DIR_THRESHOLD) this.buildDir();
      return;
    }
    if (len > 24) this.dir[key >>> 8] = (this.dir[key >>> 8] as number) | DEEP;
    else this.dirFill(key, len, ((slot + 1) << 6) | len, true);
  }

  private dirDelete(key: number, len: number): void {
    if (!this.dir || len > 24) return; // a stale DEEP bit only sends lookups to the trie
    // The entries that were this prefix's now belong to the longest shorter prefix covering it.
    let parent = 0;
    for (let l = len - 1; l >= 0; l -= 1) {
      const k = (key & prefixMask(l)) >>> 0;
      const slot = this.get(k, l);
      if (slot >= 0) {
        parent = ((slot + 1) << 6) | l;
        break;
      }
    }
    const dir = this.dir;
    const from = key >>> 8;
    const to = from + 2 ** (24 - len);
    for (let i = from; i < to; i += 1) {
      const cur = dir[i] as number;
      if (cur !== 0 && (cur & 63) === len) dir[i] = (cur & DEEP) | parent;
    }
  }

  /** The slot stored for exactly `key/len`, or -1. `key` must have no bits beyond `len`. */
  get(key: number, len: number): number {
    let n = this.root;
    while (n !== NONE) {
      const nlen = this.len(n);
      if (nlen > len) return NONE;
      if (nlen > 0 && (key ^ this.key(n)) >>> (32 - nlen) !== 0) return NONE;
      if (nlen === len) return this.slot(n);
      n = bitAt(key, nlen) === 0 ? this.child(n, 0) : this.child(n, 1);
    }
    return NONE;
  }

  /**
   * Stores `slot` for `key/len` (replacing what was there); returns the previous slot or -1.
   * `key` must have no bits beyond `len`.
   */
  set(key: number, len: number, slot: number): number {
    let parent = NONE;
    let dir = 0;
    let n = this.root;
    for (;;) {
      if (n === NONE) {
        this.setChild(parent, dir, this.node(key, len, slot));
        this.size += 1;
        this.dirSet(key, len, slot);
        return NONE;
      }
      const nkey = this.key(n);
      const nlen = this.len(n);
      const diff = Math.clz32((key ^ nkey) >>> 0);
      const common = Math.min(len, nlen, diff);
      if (common < nlen) {
        // key/len leaves n's path before n: a new node goes between n's parent and n.
        if (common === len) {
          const m = this.node(key, len, slot);
          this.setChild(m, bitAt(nkey, len), n);
          this.setChild(parent, dir, m);
        } else {
          const branch = this.node((key & prefixMask(common)) >>> 0, common, NONE);
          const m = this.node(key, len, slot);
          this.setChild(branch, bitAt(key, common), m);
          this.setChild(branch, bitAt(nkey, common), n);
          this.setChild(parent, dir, branch);
        }
        this.size += 1;
        this.dirSet(key, len, slot);
        return NONE;
      }
      if (nlen === len) {
        const old = this.slot(n);
        this.setSlot(n, slot);
        if (old === NONE) this.size += 1;
        this.dirSet(key, len, slot);
        return old;
      }
      parent = n;
      dir = bitAt(key, nlen);
      n = dir === 0 ? this.child(n, 0) : this.child(n, 1);
    }
  }

  /** Removes `key/len`; returns its slot or -1. Prunes branch points left with one child. */
  delete(key: number, len: number): number {
    const path: number[] = [];
    let n = this.root;
    while (n !== NONE) {
      const nlen = this.len(n);
      if (nlen > len) return NONE;
      if (nlen > 0 && (key ^ this.key(n)) >>> (32 - nlen) !== 0) return NONE;
      if (nlen === len) break;
      path.push(n);
      n = bitAt(key, nlen) === 0 ? this.child(n, 0) : this.child(n, 1);
    }
    if (n === NONE) return NONE;
    const old = this.slot(n);
    if (old === NONE) return NONE;
    this.setSlot(n, NONE);
    this.size -= 1;
    this.dirDelete(key, len);
    // Collapse n and then its ancestors while they are branch points with fewer than two children.
    for (;;) {
      if (this.slot(n) !== NONE) break;
      const c0 = this.child(n, 0);
      const c1 = this.child(n, 1);
      if (c0 !== NONE && c1 !== NONE) break;
      const only = c0 !== NONE ? c0 : c1;
      const parent = path.pop() ?? NONE;
      const dir = parent === NONE ? 0 : bitAt(this.key(n), this.len(parent));
      this.setChild(parent, dir, only);
      this.free.push(n);
      if (parent === NONE || only !== NONE) break;
      n = parent;
    }
    return old;
  }

  /**
   * The slots of every stored prefix containing `addr`, longest first (at most 33): what a
   * lookup that may reject a match (`fib_table_lookup`'s backtracking) walks. Writes into `out`
   * and their prefix lengths into `lens`, and returns how many.
   */
  matches(address: number, out: Int32Array, lens: Uint8Array): number {
    const addr = address | 0; // an int32 for V8: no heap numbers for addresses ≥ 128.0.0.0
    const rows = this.rows;
    let count = 0;
    let n = this.root;
    while (n !== NONE) {
      const at = n << 2;
      const meta = rows[at + 1] as number;
      const nlen = meta & 63;
      if (nlen > 0 && (addr ^ (rows[at] as number)) >>> (32 - nlen) !== 0) break;
      const slot = (meta >> 6) - 1;
      if (slot !== NONE) {
        lens[count] = nlen;
        out[count++] = slot;
      }
      if (nlen === 32) break;
      n = rows[at + 2 + ((addr >>> (31 - nlen)) & 1)] as number;
    }
    // Collected shortest first; the caller wants longest first.
    for (let i = 0, j = count - 1; i < j; i += 1, j -= 1) {
      const t = out[i] as number;
      out[i] = out[j] as number;
      out[j] = t;
      const l = lens[i] as number;
      lens[i] = lens[j] as number;
      lens[j] = l;
    }
    return count;
  }

  /** The slot of the longest stored prefix containing `addr`, or -1. */
  longest(address: number): number {
    const addr = address | 0;
    const dir = this.dir;
    if (dir !== undefined) {
      const e = dir[addr >>> 8] as number;
      if ((e & DEEP) === 0) {
        this.lastLen = e & 63;
        return (e >> 6) - 1;
      }
    }
    const rows = this.rows;
    let best = NONE;
    let n = this.root;
    while (n !== NONE) {
      const at = n << 2;
      const meta = rows[at + 1] as number;
      const nlen = meta & 63;
      if (nlen > 0 && (addr ^ (rows[at] as number)) >>> (32 - nlen) !== 0) break;
      if (meta >> 6 !== 0) {
        best = (meta >> 6) - 1;
        this.lastLen = nlen;
      }
      if (nlen === 32) break;
      n = rows[at + 2 + ((addr >>> (31 - nlen)) & 1)] as number;
    }
    return best;
  }

  /**
   * Every stored prefix with key ≥ `fromKey`, in key order and, for one key, shortest prefix
   * first (pre-order); stops when `visit` returns false.
   */
  walk(fromKey: number, visit: (key: number, len: number, slot: number) => boolean): void {
    const stack: number[] = [];
    if (this.root !== NONE) stack.push(this.root);
    while (stack.length > 0) {
      const n = stack.pop() as number;
      const key = this.key(n);
      const len = this.len(n);
      // The largest key under n: skip the subtree if it is all below fromKey.
      const last = (key | (~prefixMask(len) >>> 0)) >>> 0;
      if (last < fromKey) continue;
      const slot = this.slot(n);
      if (slot !== NONE && key >= fromKey && !visit(key, len, slot)) return;
      const c1 = this.child(n, 1);
      const c0 = this.child(n, 0);
      if (c1 !== NONE) stack.push(c1);
      if (c0 !== NONE) stack.push(c0);
    }
  }
}
