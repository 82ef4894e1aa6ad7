import { exploreSchedules, formatExploreResult } from '@rtnlkit/core/testing';
import { globalStrategy } from '@rtnlkit/strategy-global';
import { describe, expect, it } from 'vitest';
import { STRATEGY_VARIANTS } from '../strategies';
import { type LinkExploreOptions, type LinkExploreStats, linkExploreWorkload } from './link-world';

/** Seeds per strategy; each seed is one schedule of the whole workload (about 10 ms on a 2-core machine). */
const SEEDS = 1000;

function sum(into: Partial<LinkExploreStats>, stats: LinkExploreStats): void {
  for (const [key, value] of Object.entries(stats) as [keyof LinkExploreStats, number][])
    into[key] = (into[key] ?? 0) + value;
}

describe('the link explorer: renames, lockless reads, dumps, deletions, creations and a kind unregistration', () => {
  it.each(STRATEGY_VARIANTS.map((v) => [v.name, v] as const))(
    `breaks no invariant under %s in ${SEEDS} seeds`,
    { timeout: 120_000 },
    async (name, variant) => {
      const totals: Partial<LinkExploreStats> = {};
      const started = performance.now();
      const result = await exploreSchedules({
        seeds: SEEDS,
        run: linkExploreWorkload(variant.create, {}, (_seed, stats) => sum(totals, stats)),
      });
      const ms = performance.now() - started;
      console.log(
        `${formatExploreResult(`link explorer, ${name}`, result)} in ${(ms / 1000).toFixed(1)} s: ` +
          `${totals.renames} renames, ${totals.reads} lockless reads, ${totals.dumps} dumps ` +
          `(${totals.interruptedDumps} flagged DUMP_INTR, ${totals.dumpDatagrams} datagrams), ` +
          `${totals.deleted} deletions, ${totals.created} creations and ${totals.refusedCreates} refused ` +
          `around the kind's unregistration, ${totals.events} clock events`,
      );
      expect(result.failures, formatExploreResult(name, result)).toEqual([]);
      expect(result.runs).toBe(SEEDS);
      // The workload really races: some dumps are interrupted, some creations lose to the unregistration.
      expect(totals.interruptedDumps).toBeGreaterThan(0);
      expect(totals.refusedCreates).toBeGreaterThan(0);
      expect(totals.created).toBeGreaterThan(0);
      expect(totals.dumpDatagrams).toBeGreaterThan(2 * (totals.dumps ?? 0));
    },
  );
});

/** The first failing seed of the workload under the global strategy with one piece broken. */
async function firstFailure(options: LinkExploreOptions, seeds = 300) {
  const result = await exploreSchedules({
    seeds,
    run: linkExploreWorkload(() => globalStrategy(), options),
    stopAtFirst: true,
  });
  return { result, violations: result.failures[0]?.violations.join('; ') ?? '' };
}

describe('each check of the link explorer can fail (teeth)', () => {
  it('finds a torn name when lockless readers skip netdev_rename_lock', async () => {
    const { violations } = await firstFailure({ nameReader: 'unlocked' });
    expect(violations).toMatch(/reader\d: torn name "[a-z0-9]+-link(-[a-z0-9]+)?"/);
  });

  it('finds a dump that missed a device when it resumes by position and never checks dev_base_seq', async () => {
    const { violations } = await firstFailure({ dump: 'by-position' });
    expect(violations).toMatch(/not flagged DUMP_INTR, missed \S+\(\d+\), listed throughout/);
  });

  it('accepts that same dump once it sets cb->seq and checks consistency: the misses are flagged DUMP_INTR', async () => {
    const checked = await exploreSchedules({
      seeds: 100,
      run: linkExploreWorkload(() => globalStrategy(), { dump: 'by-position-checked' }),
    });
    expect(checked.failures, formatExploreResult('by-position-checked', checked)).toEqual([]);
    // ...and the flag is what saves it: a check that ignores the flag finds the misses again.
    const { violations } = await firstFailure({ dump: 'by-position-checked', honourDumpIntr: false });
    expect(violations).toMatch(/flagged DUMP_INTR \(ignored\), missed \S+\(\d+\), listed throughout/);
  });

  it('finds the kind used after rtnl_link_unregister returned when RTM_NEWLINK does not keep it pinned', async () => {
    const { violations } = await firstFailure({ pinKind: false }, 1000);
    expect(violations).toMatch(
      /xlink: (setup\(\S+\) called after|\S+ still listed .* after) rtnl_link_unregister returned/,
    );
  });

  it('finds a reference never put: the holder is named', async () => {
    const { violations } = await firstFailure({ leak: true }, 20);
    expect(violations).toMatch(/leaked reference: .* held by .*dst_cache×1/);
  });
});
