import { describe, expect, it } from 'vitest';
import { DIR_THRESHOLD, ipv4ToU32, PrefixTrie, prefixMask, u32ToIpv4 } from './lpm';

/** A tiny deterministic generator (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

describe('PrefixTrie', () => {
  it('finds the longest matching prefix, and the default route last', () => {
    const t = new PrefixTrie();
    t.set(0, 0, 1);
    t.set(ipv4ToU32('10.0.0.0'), 8, 2);
    t.set(ipv4ToU32('10.1.0.0'), 16, 3);
    t.set(ipv4ToU32('10.1.2.3'), 32, 4);
    expect(t.longest(ipv4ToU32('10.1.2.3'))).toBe(4);
    expect(t.longest(ipv4ToU32('10.1.2.4'))).toBe(3);
    expect(t.longest(ipv4ToU32('10.2.0.0'))).toBe(2);
    expect(t.longest(ipv4ToU32('192.0.2.1'))).toBe(1);
    const out = new Int32Array(33);
    const lens = new Uint8Array(33);
    expect(t.matches(ipv4ToU32('10.1.2.3'), out, lens)).toBe(4);
    expect([...lens.subarray(0, 4)]).toEqual([32, 16, 8, 0]);
  });

  it('agrees with a brute-force search over random inserts and deletes', () => {
    const next = rng(7);
    const t = new PrefixTrie();
    const ref = new Map<string, number>();
    for (let i = 0; i < 4000; i += 1) {
      const len = [0, 8, 12, 16, 20, 24, 28, 32][next() % 8] as number;
      const key = (next() & prefixMask(len) & 0xff0fffff) >>> 0;
      const id = `${key}/${len}`;
      if (next() % 3 === 0 && ref.has(id)) {
        expect(t.delete(key, len)).toBe(ref.get(id));
        ref.delete(id);
      } else {
        t.set(key, len, i);
        ref.set(id, i);
      }
    }
    expect(t.size).toBe(ref.size);
    for (let i = 0; i < 400; i += 1) {
      const addr = (next() & 0xff0fffff) >>> 0;
      let best = -1;
      let bestLen = -1;
      for (const [id, slot] of ref) {
        const [k, l] = id.split('/').map(Number) as [number, number];
        if (l > bestLen && (addr & prefixMask(l)) >>> 0 === k) {
          best = slot;
          bestLen = l;
        }
      }
      expect(t.longest(addr)).toBe(best);
    }
    const walked: string[] = [];
    t.walk(0, (key, len) => {
      walked.push(`${key}/${len}`);
      return true;
    });
    const sorted = [...ref.keys()].sort((a, b) => {
      const [ka, la] = a.split('/').map(Number) as [number, number];
      const [kb, lb] = b.split('/').map(Number) as [number, number];
      return ka - kb || la - lb;
    });
    expect(walked).toEqual(sorted);
  });

  it('keeps its DIR-24 lookaside in step with the trie past DIR_THRESHOLD prefixes', () => {
    const next = rng(11);
    const t = new PrefixTrie();
    const live: [number, number][] = [];
    for (let i = 0; i < DIR_THRESHOLD + 5000; i += 1) {
      const len = [8, 12, 16, 20, 22, 24, 26, 32][next() % 8] as number;
      const key = (next() & prefixMask(len) & 0x0fffffff) >>> 0;
      t.set(key, len, i);
      live.push([key, len]);
    }
    // deletions after the lookaside exists, some of them short prefixes covering many /24s
    for (let i = 0; i < 3000; i += 1) {
      const [key, len] = live[next() % live.length] as [number, number];
      t.delete(key, len);
    }
    const out = new Int32Array(33);
    const lens = new Uint8Array(33);
    for (let i = 0; i < 20000; i += 1) {
      const addr = (next() & 0x0fffffff) >>> 0;
      const count = t.matches(addr, out, lens);
      const slot = t.longest(addr);
      expect(slot).toBe(count > 0 ? out[0] : -1);
      if (count > 0) expect(t.lastLen).toBe(lens[0]);
    }
  });

  it('converts addresses both ways', () => {
    expect(u32ToIpv4(ipv4ToU32('198.51.100.255'))).toBe('198.51.100.255');
    expect(prefixMask(24)).toBe(0xffffff00);
    expect(prefixMask(0)).toBe(0);
  });
});
