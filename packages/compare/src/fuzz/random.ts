/**
 * The fuzzer's choices, all drawn from one seeded generator so that a seed replays a run exactly.
 */
import { SeededRandom } from '@rtnlkit/core';

export class FuzzRandom extends SeededRandom {
  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 1) out[i] = this.int(256);
    return out;
  }
}
