import { exploreSchedules, formatExploreResult, toyWorkload } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { globalStrategy } from './global-strategy';

/** About 1 s on a 2-core machine. */
const SEEDS = 2000;

describe('the schedule explorer', () => {
  it(`finds no broken invariant of the toy workload under the global strategy in ${SEEDS} seeds`, {
    timeout: 120_000,
  }, async () => {
    const result = await exploreSchedules({ seeds: SEEDS, run: toyWorkload(globalStrategy) });
    expect(result.failures, formatExploreResult('global', result)).toEqual([]);
    expect(result.runs).toBe(SEEDS);
  });
});
