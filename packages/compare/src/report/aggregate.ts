/**
 * One view per scenario and strategy over all the seeds of a run, the figures both the terminal
 * tables and the HTML report show. How seeds merge:
 *
 * - percentiles (p50, p99) and throughput: the **median over seeds**, the figure of a typical seed
 *   (a mean would let one unlucky seed move every column);
 * - max: the **max over seeds**, the worst request seen at all;
 * - counts and time totals (requests, errors, acquisitions, contentions, lock wait and hold,
 *   counters): **summed over seeds**;
 * - p99 ratio: recomputed as the merged p99 over the merged uncontended p99, so it agrees with the
 *   columns beside it (with one seed that is the run's own ratio); Infinity when the uncontended
 *   p99 is 0 and the p99 is not, 1 when both are 0 (no cost from the others);
 * - the latency CDF: the pooled CDF of all seeds (each seed weighted by its request count);
 * - the lock timeline: the first seed's, since intervals of different seeds share no clock;
 * - findings: every seed's, each with its seed.
 */
import type { Finding, LatencySummary, LockInterval, RunResult, ScenarioResult } from './results';

export interface MergedLatency {
  p50: number;
  p99: number;
  max: number;
  count: number;
}

export interface MergedClass {
  name: string;
  kind: 'read' | 'write';
  completed: number;
  errors: number;
  latency: MergedLatency;
  uncontended: MergedLatency;
  p99Ratio: number;
  /** Requests of this class per second over the runs. */
  throughput: number;
  /** Lock wait and hold of this class's tasks, all lock classes together (ms, summed over seeds). */
  lockWait: number;
  lockHold: number;
  cdf: [number, number][];
}

export interface MergedLock {
  name: string;
  acquisitions: number;
  contentions: number;
  /** Total wait and hold time (ms, summed over seeds). */
  waitTotal: number;
  holdTotal: number;
  waitP99: number;
  holdP99: number;
}

export interface SeededFinding extends Finding {
  seed: number;
}

export interface StrategyView {
  strategy: string;
  seeds: number[];
  throughput: number;
  classes: MergedClass[];
  locks: MergedLock[];
  findings: SeededFinding[];
  counters: Record<string, number>;
  timeline: LockInterval[];
  timelineSeed: number | undefined;
  timelineTruncated: boolean;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? 0) + upper) / 2;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function mergeLatency(summaries: readonly LatencySummary[]): MergedLatency {
  return {
    p50: median(summaries.map((s) => s.p50)),
    p99: median(summaries.map((s) => s.p99)),
    max: summaries.reduce((worst, s) => Math.max(worst, s.max), 0),
    count: sum(summaries.map((s) => s.count)),
  };
}

export function p99Ratio(p99: number, uncontendedP99: number): number {
  if (uncontendedP99 > 0) return p99 / uncontendedP99;
  return p99 > 0 ? Number.POSITIVE_INFINITY : 1;
}

/** The fraction of an empirical CDF at `x`: the last point at or before it (0 before the first). */
function cdfAt(cdf: readonly [number, number][], x: number): number {
  let fraction = 0;
  for (const [ms, f] of cdf) {
    if (ms > x) break;
    fraction = f;
  }
  return fraction;
}

const MAX_CDF_POINTS = 200;

/** The CDF of all the seeds' samples together, from each seed's sampled CDF. */
export function poolCdfs(parts: readonly { cdf: readonly [number, number][]; count: number }[]): [number, number][] {
  const used = parts.filter((part) => part.cdf.length > 0);
  if (used.length === 1) return used[0]?.cdf.map(([ms, f]): [number, number] => [ms, f]) ?? [];
  const weight = sum(used.map((part) => Math.max(part.count, 1)));
  const xs = [...new Set(used.flatMap((part) => part.cdf.map(([ms]) => ms)))].sort((a, b) => a - b);
  // Keep at most MAX_CDF_POINTS, always including the last point (fraction 1).
  const stride = Math.max(1, Math.ceil(xs.length / MAX_CDF_POINTS));
  const picked = xs.filter((_, i) => (xs.length - 1 - i) % stride === 0);
  return picked.map((x) => [x, sum(used.map((part) => cdfAt(part.cdf, x) * Math.max(part.count, 1))) / weight]);
}

function mergeClasses(runs: readonly RunResult[]): MergedClass[] {
  const names: string[] = [];
  for (const run of runs) for (const cls of run.classes) if (!names.includes(cls.name)) names.push(cls.name);
  const seconds = sum(runs.map((run) => run.durationMs)) / 1000;
  return names.map((name) => {
    const parts = runs.flatMap((run) => run.classes.filter((cls) => cls.name === name));
    const latency = mergeLatency(parts.map((cls) => cls.latency));
    const uncontended = mergeLatency(parts.map((cls) => cls.uncontended));
    const completed = sum(parts.map((cls) => cls.completed));
    return {
      name,
      kind: parts[0]?.kind ?? 'read',
      completed,
      errors: sum(parts.map((cls) => cls.errors)),
      latency,
      uncontended,
      p99Ratio: p99Ratio(latency.p99, uncontended.p99),
      throughput: seconds > 0 ? completed / seconds : 0,
      lockWait: sum(parts.flatMap((cls) => Object.values(cls.lockWait))),
      lockHold: sum(parts.flatMap((cls) => Object.values(cls.lockHold))),
      cdf: poolCdfs(parts.map((cls) => ({ cdf: cls.cdf, count: cls.completed }))),
    };
  });
}

function mergeLocks(runs: readonly RunResult[]): MergedLock[] {
  const names: string[] = [];
  for (const run of runs) for (const lock of run.locks) if (!names.includes(lock.name)) names.push(lock.name);
  return names.map((name) => {
    const parts = runs.flatMap((run) => run.locks.filter((lock) => lock.name === name));
    return {
      name,
      acquisitions: sum(parts.map((lock) => lock.acquisitions)),
      contentions: sum(parts.map((lock) => lock.contentions)),
      waitTotal: sum(parts.map((lock) => lock.wait.mean * lock.wait.count)),
      holdTotal: sum(parts.map((lock) => lock.hold.mean * lock.hold.count)),
      waitP99: median(parts.map((lock) => lock.wait.p99)),
      holdP99: median(parts.map((lock) => lock.hold.p99)),
    };
  });
}

function mergeCounters(runs: readonly RunResult[]): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const run of runs) {
    for (const [name, value] of Object.entries(run.counters)) counters[name] = (counters[name] ?? 0) + value;
  }
  return counters;
}

/** The strategies of a scenario in the run's order (then any the run list did not name). */
export function strategiesOf(scenario: ScenarioResult, order: readonly string[]): string[] {
  const present = [...new Set(scenario.runs.map((run) => run.strategy))];
  return [...order.filter((name) => present.includes(name)), ...present.filter((name) => !order.includes(name))];
}

/** One merged view per strategy of the scenario, in `order`. */
export function strategyViews(scenario: ScenarioResult, order: readonly string[]): StrategyView[] {
  return strategiesOf(scenario, order).map((strategy) => {
    const runs = scenario.runs.filter((run) => run.strategy === strategy).sort((a, b) => a.seed - b.seed);
    const first = runs[0];
    return {
      strategy,
      seeds: runs.map((run) => run.seed),
      throughput: median(runs.map((run) => run.throughput)),
      classes: mergeClasses(runs),
      locks: mergeLocks(runs),
      findings: runs.flatMap((run) => run.findings.map((finding) => ({ ...finding, seed: run.seed }))),
      counters: mergeCounters(runs),
      timeline: first?.timeline ?? [],
      timelineSeed: first?.seed,
      timelineTruncated: first?.timelineTruncated ?? false,
    };
  });
}

/** Reads whose p99 is more than this many times their uncontended p99 are flagged. */
export const READ_RATIO_FLAG = 1.1;

export function isFlaggedRead(cls: Pick<MergedClass, 'kind' | 'p99Ratio'>): boolean {
  return cls.kind === 'read' && cls.p99Ratio > READ_RATIO_FLAG;
}
