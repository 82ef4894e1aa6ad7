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
  private keys: Uint32Array;
  private lens: Uint8Array;
  private child0: Int32Array;
  private child1: Int32Array;
  private slots: Int32Array;
  private root = NONE;
  private used = 0;
  private free: number[] = [];
  /** Prefixes stored (nodes with a slot). */
  size = 0;

  constructor(capacity = 16) {
    this.keys = new Uint32Array(capacity);
    this.lens = new Uint8Array(capacity);
    this.child0 = new Int32Array(capacity);
    this.child1 = new Int32Array(capacity);
    this.slots = new Int32Array(capacity);
  }

  /** Bytes held by the columns (what the trie costs beyond the caller's route objects). */
  get byteLength(): number {
    return this.keys.byteLength + this.lens.byteLength + this.child0.byteLength * 3;
  }

  private grow(): void {
    const capacity = this.keys.length * 2;
    const widen = <T extends Uint32Array | Uint8Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.keys = widen(this.keys, (n) => new Uint32Array(n));
    this.lens = widen(this.lens, (n) => new Uint8Array(n));
    this.child0 = widen(this.child0, (n) => new Int32Array(n));
    this.child1 = widen(this.child1, (n) => new Int32Array(n));
    this.slots = widen(this.slots, (n) => new Int32Array(n));
  }

  private node(key: number, len: number, slot: number): number {
    let n = this.free.pop();
    if (n === undefined) {
      if (this.used === this.keys.length) this.grow();
      n = this.used++;
    }
    this.keys[n] = key;
    this.lens[n] = len;
    this.child0[n] = NONE;
    this.child1[n] = NONE;
    this.slots[n] = slot;
    return n;
  }

  private setChild(parent: number, bit: number, child: number): void {
    if (parent === NONE) this.root = child;
    else if (bit === 0) this.child0[parent] = child;
    else this.child1[parent] = child;
  }

  /** The slot stored for exactly `key/len`, or -1. `key` must have no bits beyond `len`. */
  get(key: number, len: number): number {
    let n = this.root;
    while (n !== NONE) {
      const nlen = this.lens[n] as number;
      if (nlen > len) return NONE;
      if (nlen > 0 && (key ^ (this.keys[n] as number)) >>> (32 - nlen) !== 0) return NONE;
      if (nlen === len) return this.slots[n] as number;
      n = bitAt(key, nlen) === 0 ? (this.child0[n] as number) : (this.child1[n] as number);
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
        return NONE;
      }
      const nkey = this.keys[n] as number;
      const nlen = this.lens[n] as number;
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
        return NONE;
      }
      if (nlen === len) {
        const old = this.slots[n] as number;
        this.slots[n] = slot;
        if (old === NONE) this.size += 1;
        return old;
      }
      parent = n;
      dir = bitAt(key, nlen);
      n = dir === 0 ? (this.child0[n] as number) : (this.child1[n] as number);
    }
  }

  /** Removes `key/len`; returns its slot or -1. Prunes branch points left with one child. */
  delete(key: number, len: number): number {
    const path: number[] = [];
    let n = this.root;
    while (n !== NONE) {
      const nlen = this.lens[n] as number;
      if (nlen > len) return NONE;
      if (nlen > 0 && (key ^ (this.keys[n] as number)) >>> (32 - nlen) !== 0) return NONE;
      if (nlen === len) break;
      path.push(n);
      n = bitAt(key, nlen) === 0 ? (this.child0[n] as number) : (this.child1[n] as number);
    }
    if (n === NONE) return NONE;
    const old = this.slots[n] as number;
    if (old === NONE) return NONE;
    this.slots[n] = NONE;
    this.size -= 1;
    // Collapse n and then its ancestors while they are branch points with fewer than two children.
    for (;;) {
      if ((this.slots[n] as number) !== NONE) break;
      const c0 = this.child0[n] as number;
      const c1 = this.child1[n] as number;
      if (c0 !== NONE && c1 !== NONE) break;
      const only = c0 !== NONE ? c0 : c1;
      const parent = path.pop() ?? NONE;
      const dir = parent === NONE ? 0 : bitAt(this.keys[n] as number, this.lens[parent] as number);
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
  matches(addr: number, out: Int32Array, lens: Uint8Array): number {
    let count = 0;
    let n = this.root;
    while (n !== NONE) {
      const nlen = this.lens[n] as number;
      if (nlen > 0 && (addr ^ (this.keys[n] as number)) >>> (32 - nlen) !== 0) break;
      const slot = this.slots[n] as number;
      if (slot !== NONE) {
        lens[count] = nlen;
        out[count++] = slot;
      }
      if (nlen === 32) break;
      n = bitAt(addr, nlen) === 0 ? (this.child0[n] as number) : (this.child1[n] as number);
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
  longest(addr: number): number {
    let best = NONE;
    let n = this.root;
    while (n !== NONE) {
      const nlen = this.lens[n] as number;
      if (nlen > 0 && (addr ^ (this.keys[n] as number)) >>> (32 - nlen) !== 0) break;
      const slot = this.slots[n] as number;
      if (slot !== NONE) best = slot;
      if (nlen === 32) break;
      n = bitAt(addr, nlen) === 0 ? (this.child0[n] as number) : (this.child1[n] as number);
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
      const key = this.keys[n] as number;
      const len = this.lens[n] as number;
      // The largest key under n: skip the subtree if it is all below fromKey.
      const last = (key | (~prefixMask(len) >>> 0)) >>> 0;
      if (last < fromKey) continue;
      const slot = this.slots[n] as number;
      if (slot !== NONE && key >= fromKey && !visit(key, len, slot)) return;
      const c1 = this.child1[n] as number;
      const c0 = this.child0[n] as number;
      if (c1 !== NONE) stack.push(c1);
      if (c0 !== NONE) stack.push(c0);
    }
  }
}
