/**
 * Summaries of latency samples: exact percentiles of the samples a run keeps (a run has at most a
 * few tens of thousands per class), and the empirical CDF the report draws.
 */
import type { HistogramSummary } from '@rtnlkit/core';
import type { LatencySummary } from '../report/results';

/** The most points a CDF keeps: enough for a smooth line, small in the JSON. */
const CDF_POINTS = 200;

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/** count / mean / p50 / p99 / max of samples, or of a lock-statistics histogram summary. */
export function summarise(values: readonly number[] | HistogramSummary): LatencySummary {
  if (!Array.isArray(values)) {
    const h = values as HistogramSummary;
    return { count: h.count, mean: h.mean, p50: h.p50, p99: h.p99, max: h.count ? h.max : 0 };
  }
  const sorted = [...values].sort((a, b) => a - b);
  const total = sorted.reduce((sum, v) => sum + v, 0);
  return {
    count: sorted.length,
    mean: sorted.length ? total / sorted.length : 0,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? 0,
  };
}

/** The empirical CDF as `[ms, fraction]` points (at most {@link CDF_POINTS}, ending at 1). */
export function cdfOf(values: readonly number[]): [number, number][] {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return [];
  const step = Math.max(1, Math.ceil(n / CDF_POINTS));
  const points: [number, number][] = [];
  for (let i = step - 1; i < n; i += step) points.push([sorted[i] as number, (i + 1) / n]);
  if (points.at(-1)?.[1] !== 1) points.push([sorted[n - 1] as number, 1]);
  return points;
}
