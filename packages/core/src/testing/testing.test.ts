import { describe, expect, it } from 'vitest';
import { strategyContract } from './contract';
import { exploreSchedules, formatExploreResult } from './explorer';
import { rtnlMutexStrategy } from './rtnl-mutex-strategy';
import { toyWorkload } from './toy-workload';
import { unsafeStrategy } from './unsafe-strategy';

const kernelRule = {
  exclusiveSameClass: true,
  exclusiveAll: true,
  unlockedConcurrent: true,
  disjointConcurrent: false,
};

describe('the strategy contract', () => {
  it.each(strategyContract(rtnlMutexStrategy, kernelRule).map((c) => [c.name, c] as const))(
    'rtnl-mutex: %s',
    async (_name, check) => {
      await check.run();
    },
  );

  it('has teeth: the unsafe strategy breaks mutual exclusion and the lock-everything promise', async () => {
    const failed: string[] = [];
    for (const check of strategyContract(unsafeStrategy, kernelRule)) {
      await check.run().catch((error: Error) => failed.push(`${check.name}: ${error.message}`));
    }
    expect(failed.some((f) => f.startsWith('locked doits of one class never overlap'))).toBe(true);
    expect(failed.some((f) => f.startsWith('locked doits of disjoint classes'))).toBe(true);
  });
});

describe('the schedule explorer', () => {
  it('finds a broken invariant under the unsafe strategy within 200 seeds, and names the seed', async () => {
    const result = await exploreSchedules({ seeds: 200, run: toyWorkload(unsafeStrategy), stopAtFirst: true });
    expect(result.failures).toHaveLength(1);
    const [failure] = result.failures;
    expect(formatExploreResult('unsafe', result)).toContain(`seed ${failure?.seed}:`);
    // The seed replays exactly.
    expect(await toyWorkload(unsafeStrategy)(failure?.seed ?? 0)).toEqual(failure?.violations);
  });

  it('finds nothing under the kernel rule in 300 seeds', async () => {
    const result = await exploreSchedules({ seeds: 300, run: toyWorkload(rtnlMutexStrategy) });
    expect(formatExploreResult('rtnl-mutex', result)).toBe('rtnl-mutex: 300 seeds, no violation');
  });

  it('reports a run that throws as a violation of that seed', async () => {
    const result = await exploreSchedules({
      seeds: 3,
      run: async (seed) => {
        if (seed === 2) throw new Error('boom');
        return [];
      },
    });
    expect(result.failures).toEqual([{ seed: 2, violations: ['run threw: Error: boom'] }]);
  });
});
