/**
 * The benchmark kit every `*.bench.ts` file gets: measure a batch of operations with tinybench,
 * and record figures as rows of the JSON format in DESIGN.md, each beside a baseline measured in
 * the same run when there is one.
 */
import { Bench } from 'tinybench';

export interface BenchRow {
  suite: string;
  name: string;
  unit: string;
  better: 'higher' | 'lower';
  ours: number;
  baselineName?: string;
  baseline?: number;
  /** ours/baseline when higher is better, baseline/ours when lower is better: above 1 means we are ahead. */
  ratio?: number;
}

export interface MeasureOptions {
  /** Milliseconds of sampling per measurement (default 600; `--quick` makes it 150). */
  time?: number;
}

/** One operation batch: `ops` operations done by `run`, which may be async. */
export interface Workload {
  ops: number;
  run: () => unknown;
}

export interface BenchKit {
  readonly suite: string;
  /** Operations per second of a workload (tinybench over whole batches, so timer overhead vanishes). */
  opsPerSecond(workload: Workload, options?: MeasureOptions): Promise<number>;
  /** Records a figure; with a baseline the ratio is computed. */
  record(row: Omit<BenchRow, 'suite' | 'ratio'>): BenchRow;
  /** Measures ours and the baseline alternately (ABAB, to cancel drift) and records the row. */
  compare(
    name: string,
    ours: Workload,
    baselineName: string,
    baseline: Workload,
    options?: MeasureOptions,
  ): Promise<BenchRow>;
}

export function ratioOf(row: Pick<BenchRow, 'better' | 'ours' | 'baseline'>): number | undefined {
  if (row.baseline === undefined) return undefined;
  return row.better === 'higher' ? row.ours / row.baseline : row.baseline / row.ours;
}

export function createKit(suite: string, rows: BenchRow[], defaults: MeasureOptions): BenchKit {
  const opsPerSecond = async ({ ops, run }: Workload, options: MeasureOptions = {}) => {
    const bench = new Bench({ time: options.time ?? defaults.time ?? 600, warmupTime: 100, warmupIterations: 5 });
    // Always an async function, so tinybench awaits each batch before the next.
    bench.add('batch', async () => {
      await run();
    });
    await bench.run();
    const result = bench.tasks[0]?.result;
    if (!result || !('period' in result))
      throw new Error(
        `benchmark failed: ${result && 'error' in result ? String(result.error?.stack ?? result.error) : 'no result'}`,
      );
    return (ops * 1000) / result.period;
  };
  const record = (row: Omit<BenchRow, 'suite' | 'ratio'>): BenchRow => {
    const full: BenchRow = { suite, ...row };
    const ratio = ratioOf(full);
    if (ratio !== undefined) full.ratio = ratio;
    rows.push(full);
    return full;
  };
  return {
    suite,
    opsPerSecond,
    record,
    async compare(name, ours, baselineName, baseline, options) {
      const a1 = await opsPerSecond(ours, options);
      const b1 = await opsPerSecond(baseline, options);
      const a2 = await opsPerSecond(ours, options);
      const b2 = await opsPerSecond(baseline, options);
      return record({
        name,
        unit: 'ops/s',
        better: 'higher',
        ours: (a1 + a2) / 2,
        baselineName,
        baseline: (b1 + b2) / 2,
      });
    },
  };
}

/** What a `*.bench.ts` file exports as default. */
export interface BenchSuite {
  /** Dotted name, e.g. `core.mutex`; `--suite core` runs every suite starting with `core`. */
  suite: string;
  run(kit: BenchKit): Promise<void>;
}
