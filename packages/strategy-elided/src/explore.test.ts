import { RTNL_FLAG } from '@rtnlkit/core';
import { exploreSchedules, formatExploreResult, type ToyWorkloadOptions, toyWorkload } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { elidedStrategy } from './elided-strategy';

/** About 1 s per row on a 2-core machine. */
const SEEDS = 2000;

const rows: [string, () => ReturnType<typeof elidedStrategy>, ToyWorkloadOptions][] = [
  ['elided', () => elidedStrategy(), {}],
  ['elided, DOIT_PERNET writer', () => elidedStrategy(), { writerFlags: RTNL_FLAG.DOIT_PERNET }],
  ['elided-pernet', () => elidedStrategy({ perNetRtnl: true }), {}],
  [
    'elided-pernet, DOIT_PERNET writer',
    () => elidedStrategy({ perNetRtnl: true }),
    { writerFlags: RTNL_FLAG.DOIT_PERNET },
  ],
  [
    'elided-pernet, DOIT_PERNET_WIP writer',
    () => elidedStrategy({ perNetRtnl: true }),
    { writerFlags: RTNL_FLAG.DOIT_PERNET_WIP },
  ],
];

describe('the schedule explorer', () => {
  it.each(rows)(
    `finds no broken invariant of the toy workload under %s in ${SEEDS} seeds`,
    {
      timeout: 120_000,
    },
    async (name, make, options) => {
      const result = await exploreSchedules({ seeds: SEEDS, run: toyWorkload(make, options) });
      expect(result.failures, formatExploreResult(name, result)).toEqual([]);
      expect(result.runs).toBe(SEEDS);
    },
  );

  it('finds the torn read when the writer is flagged DOIT_UNLOCKED: elision really drops RTNL', async () => {
    const result = await exploreSchedules({
      seeds: 200,
      run: toyWorkload(() => elidedStrategy({ perNetRtnl: true }), { writerFlags: RTNL_FLAG.DOIT_UNLOCKED }),
      stopAtFirst: true,
    });
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]?.violations.join('; ')).toMatch(/torn read/);
  });
});
