import { describe, expect, it } from 'vitest';
import { median, p99Ratio, poolCdfs, strategyViews } from './aggregate';
import { syntheticResults } from './fixture';

describe('aggregate', () => {
  it('takes the median of an odd or even number of seeds', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBe(0);
  });

  it('keeps a ratio consistent with its columns, infinite only when the uncontended p99 alone is 0', () => {
    expect(p99Ratio(30, 10)).toBe(3);
    expect(p99Ratio(5, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(p99Ratio(0, 0)).toBe(1);
  });

  it('pools CDFs weighted by request count, ending at 1', () => {
    const pooled = poolCdfs([
      {
        cdf: [
          [1, 0.5],
          [2, 1],
        ],
        count: 10,
      },
      { cdf: [[3, 1]], count: 30 },
    ]);
    expect(pooled).toEqual([
      [1, 0.125],
      [2, 0.25],
      [3, 1],
    ]);
    const one: [number, number][] = [[1, 1]];
    expect(poolCdfs([{ cdf: one, count: 3 }])).toEqual(one);
  });

  it('merges seeds per strategy: max of max, sums of counts, every finding with its seed', () => {
    const results = syntheticResults([1, 2, 3]);
    const scenario = results.scenarios[0];
    if (!scenario) throw new Error('no scenario');
    const views = strategyViews(scenario, results.strategies);
    expect(views.map((view) => view.strategy)).toEqual(results.strategies);
    const global = views[0];
    const runs = scenario.runs.filter((run) => run.strategy === 'global');
    const cls = global?.classes[0];
    expect(cls?.latency.max).toBe(Math.max(...runs.map((run) => run.classes[0]?.latency.max ?? 0)));
    expect(cls?.completed).toBe(runs.reduce((total, run) => total + (run.classes[0]?.completed ?? 0), 0));
    expect(global?.timelineSeed).toBe(1);
    expect(views.find((view) => view.strategy === 'finegrained')?.findings[0]?.seed).toBe(1);
  });
});
