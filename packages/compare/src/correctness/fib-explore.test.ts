/**
 * The fib_seq schedule explorer (issue 8): writers change routes over the wire while in-kernel
 * listeners register with `registerFibNotifier()` and dumpers read RTM_GETROUTE dumps, each seed a
 * different interleaving (fib-world.ts says what is checked).
 *
 * - With the seqcount, every replay judged consistent equals the FIB at the instant it was judged,
 *   every listener's mirror ends equal to the FIB, and every dump not flagged NLM_F_DUMP_INTR
 *   equals a state that existed.
 * - With the atomic counter, the explorer finds the seed's five-step missed update: a writer
 *   linked a route behind the replay's walk and was preempted before its bump, so the listener's
 *   check passed and it started out without that route.
 *
 * Both counters face the same preemption point (`fib.preemptionPoint`, between a writer's link and
 * the end of its fib_seq write), so the seqcount runs meet the five-step shape too and must catch
 * it: the figures print how many retries were checks made mid-write. 2,000 seeds under each of
 * the four strategy variants; the teeth under global and finegrained.
 *
 * The route dump is part of the check because rtnlkit stamps its `cb->seq` from `fib_seq`, which
 * Linux's `inet_dump_fib()` does not (see `inetDumpFib`); the notifier replay is the kernel's own
 * reader of `fib_seq`, and the five-step sequence is about it.
 */
import { exploreSchedules, formatExploreResult } from '@rtnlkit/core/testing';
import { finegrainedStrategy } from '@rtnlkit/strategy-finegrained';
import { globalStrategy } from '@rtnlkit/strategy-global';
import { describe, expect, it } from 'vitest';
import { STRATEGY_VARIANTS } from '../strategies';
import { type FibExploreStats, fibExploreWorkload } from './fib-world';

/** Seeds per strategy under the seqcount. */
const SEEDS = 2000;

function sum(into: Partial<FibExploreStats>, stats: FibExploreStats): void {
  for (const [key, value] of Object.entries(stats) as [keyof FibExploreStats, number][])
    into[key] = (into[key] ?? 0) + value;
}

function summary(totals: Partial<FibExploreStats>): string {
  return (
    `${totals.writes} route changes, ${totals.registrations} registrations from ${totals.replays} replays ` +
    `(${totals.retries} retried, ${totals.retriesMidWrite} of them checked mid-write, ${totals.busy} EBUSY), ${totals.dumps} dumps ` +
    `(${totals.interruptedDumps} flagged DUMP_INTR, ${totals.dumpDatagrams} datagrams), ${totals.events} clock events`
  );
}

describe('the fib_seq explorer with the seqcount: route changes, notifier replays, dumps', () => {
  it.each(STRATEGY_VARIANTS.map((v) => [v.name, v] as const))(
    `breaks no invariant under %s in ${SEEDS} seeds`,
    { timeout: 120_000 },
    async (name, variant) => {
      const totals: Partial<FibExploreStats> = {};
      const started = performance.now();
      const result = await exploreSchedules({
        seeds: SEEDS,
        run: fibExploreWorkload(variant.create, { fibSeq: 'seqcount' }, (_seed, stats) => sum(totals, stats)),
      });
      const ms = performance.now() - started;
      console.log(
        `${formatExploreResult(`fib explorer, seqcount, ${name}`, result)} in ${(ms / 1000).toFixed(1)} s: ${summary(totals)}`,
      );
      expect(result.failures, formatExploreResult(name, result)).toEqual([]);
      expect(result.runs).toBe(SEEDS);
      // The workload really races: replays are retried, dumps are flagged, and yet most get through.
      expect(totals.retries).toBeGreaterThan(0);
      // ...including the five-step shape: a check made while a writer sat between link and bump.
      expect(totals.retriesMidWrite).toBeGreaterThan(0);
      expect(totals.interruptedDumps).toBeGreaterThan(0);
      expect(totals.registrations).toBeGreaterThan(SEEDS);
      expect(totals.dumps).toBeGreaterThan(totals.interruptedDumps ?? 0);
      expect(totals.dumpDatagrams).toBeGreaterThan(2 * (totals.dumps ?? 0));
    },
  );
});

/** A listener's check-instant violation where the replay simply lacks a route the FIB held: a missed add. */
const MISSED_ADD =
  /^listener\d: a replay judged consistent, against the FIB at that instant, lacks (\d+ 10\.\d+\.\d+\.0\/24) tos 0 metric 0 dev \d+$/;

describe('the fib_seq explorer has teeth', () => {
  it.each([
    ['global', () => globalStrategy()],
    ['finegrained', () => finegrainedStrategy()],
  ] as const)('finds the five-step missed update with the atomic counter under %s', async (name, strategy) => {
    // Explore until a seed shows the seed's exact sequence (a route added, missed by a replay
    // judged consistent); keep every other violation met on the way.
    const workload = fibExploreWorkload(strategy, { fibSeq: 'atomic' });
    const met: string[] = [];
    const result = await exploreSchedules({
      seeds: 1000,
      run: async (seed) => {
        const violations = await workload(seed);
        met.push(...violations);
        return violations.filter((v) => MISSED_ADD.test(v));
      },
      stopAtFirst: true,
    });
    const found = result.failures[0];
    console.log(
      `fib explorer, atomic, ${name}: the five-step missed update at seed ${found?.seed} (after ${result.runs} seeds), ` +
        `${met.length} violations met on the way:\n  ${found?.violations.join('\n  ')}`,
    );
    expect(found?.violations[0]).toMatch(MISSED_ADD);
    // What the atomic counter breaks is the check instant only: the replay still equals a state
    // that existed, the mirror still ends right (the bump comes with the notifier call), dumps hold.
    for (const violation of met)
      expect(violation).toMatch(
        /^listener\d: a replay judged consistent, against the FIB at that instant, (lacks|has) /,
      );
  });

  it('finds a dump equal to no state once NLM_F_DUMP_INTR is ignored: the flag is what makes a racing dump safe', async () => {
    const result = await exploreSchedules({
      seeds: 500,
      run: fibExploreWorkload(() => globalStrategy(), { honourDumpIntr: false }),
      stopAtFirst: true,
    });
    const violations = result.failures[0]?.violations ?? [];
    console.log(`fib explorer, DUMP_INTR ignored: seed ${result.failures[0]?.seed}: ${violations[0]}`);
    expect(violations.join('\n')).toMatch(
      /dumper\d: a dump in \d+ datagrams, flagged DUMP_INTR \(ignored\), equals no state the FIB held meanwhile/,
    );
  });
});
