import { describe, expect, it } from 'vitest';
import { STRATEGY_VARIANTS } from '../strategies';
import { addLink, delLink, dumpLinks, setLinkUp } from './requests';
import { runScenario } from './runner';
import type { CompareScenario } from './types';

const [globalVariant, , , finegrainedVariant] = STRATEGY_VARIANTS;
if (!globalVariant || !finegrainedVariant) throw new Error('strategy variants');

/** Two devices; one client creates and deletes links, one dumps them; a check that always finds something. */
const tiny: CompareScenario = {
  name: 'tiny',
  title: 'Tiny',
  description: 'A runner test.',
  durationMs: 200,
  costs: { 'rcu.gracePeriod': { ms: 1 }, 'rcu.expedited': { ms: 0.1 } },
  async setup(world) {
    await world.must(addLink(1, 'ifb0'));
    await world.must(setLinkUp(2, 'ifb0'));
  },
  classes: [
    {
      name: 'churn',
      kind: 'write',
      count: 6,
      // add, delete, add, … ; the sixth is a delete of a device that is gone (ENODEV)
      request: ({ seq, index }) => (index % 2 === 0 ? addLink(seq, 'x0') : delLink(seq, index === 5 ? 'nope' : 'x0')),
    },
    {
      name: 'dump',
      kind: 'read',
      tasks: 2,
      arrival: { kind: 'open', intervalMs: 20 },
      request: ({ seq }) => dumpLinks(seq),
    },
  ],
  check(world) {
    world.finding({ kind: 'partial-change', summary: `checked with ${world.strategy}` });
  },
};

describe('runScenario', () => {
  it('runs each class as its clients, counts answers and errors, and measures them alone too', async () => {
    const r = await runScenario(tiny, globalVariant, 7);
    expect(r.strategy).toBe('global');
    expect(r.seed).toBe(7);
    const churn = r.classes.find((c) => c.name === 'churn');
    expect(churn).toMatchObject({ kind: 'write', completed: 6, errors: 1 });
    expect(r.counters['churn answered ENODEV']).toBe(1);
    // open loop: a request every 20 ms for 200 ms, from each of the two clients
    const dump = r.classes.find((c) => c.name === 'dump');
    expect(dump?.completed).toBe(20);
    expect(dump?.uncontended.count).toBeGreaterThan(0);
    expect(dump?.cdf.at(-1)?.[1]).toBe(1);
    expect(r.findings).toEqual([{ kind: 'partial-change', summary: 'checked with global' }]);
    expect(r.durationMs).toBeGreaterThanOrEqual(200);
    expect(r.throughput).toBeCloseTo((26 * 1000) / r.durationMs, 6);
  });

  it("attributes lock waits and holds to the task's request class", async () => {
    const r = await runScenario(tiny, globalVariant, 7);
    const churn = r.classes.find((c) => c.name === 'churn');
    expect(churn?.lockHold.rtnl).toBeGreaterThan(0);
    expect(r.timeline.every((i) => i.end >= i.start && i.start >= 0)).toBe(true);
    expect(new Set(r.timeline.map((i) => i.requestClass))).toContain('churn');
    expect(r.locks.find((l) => l.name === 'rtnl')?.acquisitions).toBeGreaterThan(0);
  });

  it('gives the same figures for the same seed on the virtual clock', async () => {
    const a = await runScenario(tiny, finegrainedVariant, 3);
    const b = await runScenario(tiny, finegrainedVariant, 3);
    expect(b.classes).toEqual(a.classes);
    expect(b.timeline).toEqual(a.timeline);
  });

  it('runs on the real clock with realTime', async () => {
    const started = Date.now();
    const r = await runScenario(tiny, globalVariant, 1, { realTime: true, uncontended: false });
    expect(r.classes.find((c) => c.name === 'churn')?.completed).toBe(6);
    // 200 ms of open-loop dumps really took that long
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(r.classes.every((c) => c.uncontended.count === 0)).toBe(true);
  });
});
