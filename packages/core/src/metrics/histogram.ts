/**
 * A log-bucketed histogram: constant memory however many samples, exact count, min, max and
 * total, and percentiles within ±1% (each bucket spans 2% of its value). Lock statistics and the
 * comparison's latency figures both use it, so a million acquisitions cost a few kilobytes.
 */
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
/** Values at or below this (ms) count as zero: below timer resolution on any clock. */
const FLOOR = 1e-6;

export interface HistogramSummary {
  count: number;
  min: number;
  max: number;
  total: number;
  mean: number;
  p50: number;
  p99: number;
}

export class Histogram {
  private readonly buckets = new Map<number, number>();
  private zeros = 0;
  count = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  total = 0;

  record(value: number): void {
    if (!(value >= 0)) throw new RangeError(`histogram values must be >= 0, got ${value}`);
    this.count += 1;
    this.total += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value <= FLOOR) {
      this.zeros += 1;
      return;
    }
    const index = Math.floor(Math.log(value / FLOOR) / LOG_GROWTH);
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1);
  }

  /** The value below which `q` (0..1) of the samples lie; 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    if (q <= 0) return this.min;
    if (q >= 1) return this.max;
    const rank = Math.ceil(q * this.count);
    let seen = this.zeros;
    if (seen >= rank) return this.min;
    for (const index of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(index) ?? 0;
      if (seen >= rank) {
        // The bucket's geometric midpoint, clamped to what was really seen.
        const mid = FLOOR * GROWTH ** (index + 0.5);
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  summary(): HistogramSummary {
    const empty = this.count === 0;
    return {
      count: this.count,
      min: empty ? 0 : this.min,
      max: empty ? 0 : this.max,
      total: this.total,
      mean: empty ? 0 : this.total / this.count,
      p50: this.quantile(0.5),
      p99: this.quantile(0.99),
    };
  }

  reset(): void {
    this.buckets.clear();
    this.zeros = 0;
    this.count = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.total = 0;
  }
}
