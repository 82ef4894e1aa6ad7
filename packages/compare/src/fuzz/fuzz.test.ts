/**
 * 50,000 fuzzed messages across the strategies (12,500 each, seed 1) with 0 violations, and the
 * teeth of the checks: a handler that throws, a handler that leaves a lock held, and a link
 * table that forgets to drop a name are each caught, in a world broken on purpose for the test.
 */
import { type DoIt, LockClass, Mutex, RTM } from '@rtnlkit/core';
import { linkTable } from '@rtnlkit/subsystems';
import { describe, expect, it } from 'vitest';
import { STRATEGY_VARIANTS } from '../strategies';
import { formatFuzzResults, INPUT_KINDS, runFuzz } from './index';
import type { FuzzWorld } from './world';

const AF_INET = 2;
const PER_STRATEGY = 12_500;

/** Replaces the doit of (family, type) in the world's handler table by `wrap(doit)`. */
function wrapDoit(world: FuzzWorld, family: number, type: number, wrap: (doit: DoIt) => DoIt): void {
  const entry = world.rtnl.handlers.get(family, type);
  if (!entry?.doit) throw new Error(`no doit for ${family}/${type}`);
  world.rtnl.handlers.unregister(family, type);
  const { prepare, dumpit, dumpLocks, owner } = entry;
  world.rtnl.handlers.register({
    family,
    type,
    flags: entry.flags,
    locks: entry.locks,
    name: entry.name,
    doit: wrap(entry.doit),
    ...(prepare ? { prepare } : {}),
    ...(dumpit ? { dumpit } : {}),
    ...(dumpLocks ? { dumpLocks } : {}),
    ...(owner ? { owner } : {}),
  });
}

describe('fuzzing at scale', () => {
  it(`answers ${PER_STRATEGY * STRATEGY_VARIANTS.length} messages (${PER_STRATEGY} per strategy) with 0 violations`, async () => {
    const results = await runFuzz({ count: PER_STRATEGY, seed: 1 });
    console.log(formatFuzzResults(results));
    const total = results.reduce((n, r) => n + r.messages, 0);
    console.log(
      `fuzz: ${total} messages over ${results.length} strategies, ${results.reduce((n, r) => n + r.violations.length, 0)} violations`,
    );
    expect(results.map((r) => r.strategy)).toEqual(STRATEGY_VARIANTS.map((v) => v.name));
    expect(total).toBeGreaterThanOrEqual(50_000);
    for (const r of results) for (const kind of INPUT_KINDS) expect(r.byKind[kind]).toBeGreaterThan(0);
    // Many requests succeed and build state: the generators aim at what exists.
    for (const r of results) expect(r.answers.OK ?? 0).toBeGreaterThan(r.messages / 4);
    expect(results.flatMap((r) => r.violations)).toEqual([]);
  }, 240_000);

  it('catches a handler that throws (a fault the dispatcher answers with EINVAL)', async () => {
    let calls = 0;
    const [result] = await runFuzz({
      count: 1500,
      seed: 2,
      strategies: ['global'],
      maxViolations: 1,
      instrument: (world) =>
        wrapDoit(world, AF_INET, RTM.NEWADDR, (doit) => async (req) => {
          calls += 1;
          if (calls === 20) throw new TypeError('deliberately broken RTM_NEWADDR');
          return doit(req);
        }),
    });
    expect(result?.violations[0]?.problem).toMatch(/handler fault: TypeError: deliberately broken RTM_NEWADDR/);
    expect(result?.violations[0]?.hex).toMatch(/^[0-9a-f]+$/);
  }, 60_000);

  it('catches a handler that returns holding a lock', async () => {
    const [result] = await runFuzz({
      count: 1500,
      seed: 3,
      strategies: ['finegrained'],
      maxViolations: 1,
      instrument: (world) => {
        const leaky = new Mutex(new LockClass('fuzz_teeth_leak', world.env));
        wrapDoit(world, AF_INET, RTM.DELROUTE, (doit) => async (req) => {
          const out = await doit(req);
          await leaky.lock(req.task);
          return out;
        });
      },
    });
    expect(result?.violations[0]?.problem).toMatch(/still holds fuzz_teeth_leak/);
  }, 60_000);

  it('catches a link table that keeps the name of an unregistered device', async () => {
    const [result] = await runFuzz({
      count: 3000,
      seed: 4,
      strategies: ['elided'],
      maxViolations: 1,
      instrument: (world) => {
        const table = linkTable(world.rtnl.initNet);
        const byName = (table as unknown as { byName: Map<string, unknown> }).byName;
        const unregister = table.unregister.bind(table);
        table.unregister = (dev) => {
          unregister(dev);
          byName.set(dev.name, dev);
        };
      },
    });
    expect(result?.violations[0]?.problem).toMatch(/name \S+ finds .*not listed under it/);
  }, 60_000);
});
