import { exploreSchedules, formatExploreResult, strategyContract, toyWorkload } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { finegrainedStrategy } from './finegrained';

const promises = { exclusiveSameClass: true, exclusiveAll: false, unlockedConcurrent: true, disjointConcurrent: true };

describe('the strategy contract', () => {
  for (const c of strategyContract(finegrainedStrategy, promises)) it(c.name, c.run);

  it('holds the strategy to its promises: it does not exclude disjoint classes', async () => {
    // The same checks with the global promise (every locked doit excludes every other) must fail.
    const failed: string[] = [];
    for (const c of strategyContract(finegrainedStrategy, { ...promises, exclusiveAll: true })) {
      await c.run().catch((error: Error) => failed.push(`${c.name}: ${error.message}`));
    }
    expect(failed).toEqual([
      'locked doits of disjoint classes overlap or exclude each other as promised: devinet and fib doits overlapped',
    ]);
  });
});

describe('the schedule explorer', () => {
  it('finds no violation in 2,000 seeds of the toy workload', { timeout: 300_000 }, async () => {
    const started = performance.now();
    const result = await exploreSchedules({ seeds: 2000, run: toyWorkload(finegrainedStrategy) });
    const elapsed = performance.now() - started;
    const text = formatExploreResult('finegrained', result);
    if (result.failures.length > 0) console.log(text);
    if (process.env.RTNLKIT_TIMING) console.log(`finegrained explorer: 2000 seeds in ${elapsed.toFixed(0)} ms`);
    expect(text).toBe('finegrained: 2000 seeds, no violation');
  });
});
