/**
 * What the built-in scenarios must show (issue 9), checked on one seed each: the figures come
 * from the virtual clock, so a seed gives the same numbers every run.
 */
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../report/results';
import { runScenario } from '../scenario/runner';
import type { CompareScenario } from '../scenario/types';
import { STRATEGY_VARIANTS, type StrategyVariant } from '../strategies';
import {
  abbaTrap,
  addressChurn,
  BUILTIN_SCENARIOS,
  fibSeqAtomic,
  fibSeqSeqcount,
  kindUnregister,
  NAIVE_FIB_MUTEX,
  routeLoad,
  slowUnregister,
} from './index';

const variant = (name: string): StrategyVariant => {
  const found = [...STRATEGY_VARIANTS, NAIVE_FIB_MUTEX].find((v) => v.name === name);
  if (!found) throw new Error(name);
  return found;
};

const runs = new Map<string, Promise<RunResult>>();
/** One run per scenario × strategy, shared by the tests below. */
function run(scenario: CompareScenario, strategy: string): Promise<RunResult> {
  const key = `${scenario.name}/${strategy}`;
  let result = runs.get(key);
  if (!result) {
    result = runScenario(scenario, variant(strategy), 1);
    runs.set(key, result);
  }
  return result;
}

const reads = (r: RunResult) => r.classes.filter((c) => c.kind === 'read');

describe('scenario 1, slow unregister: the seed claim', () => {
  it('under global, every reader waits: p99 at least 50x its uncontended latency', async () => {
    const r = await run(slowUnregister, 'global');
    expect(reads(r).length).toBe(3);
    for (const c of reads(r)) expect(c.p99Ratio, c.name).toBeGreaterThanOrEqual(50);
  });

  it('under finegrained every reader is within 1.1x; under elided the unlocked ones are', async () => {
    for (const c of reads(await run(slowUnregister, 'finegrained')))
      expect(c.p99Ratio, c.name).toBeLessThanOrEqual(1.1);
    const elided = await run(slowUnregister, 'elided');
    for (const c of reads(elided).filter((c) => c.name !== 'dump-links'))
      expect(c.p99Ratio, c.name).toBeLessThanOrEqual(1.1);
    // RTM_GETLINK dumps still take RTNL in Linux 6.18, and so under elided.
    expect(reads(elided).find((c) => c.name === 'dump-links')?.p99Ratio).toBeGreaterThan(50);
  });

  it('deletes every device it asked for, with no error, and records lock waits and a timeline', async () => {
    const r = await run(slowUnregister, 'global');
    const del = r.classes.find((c) => c.name === 'del-link');
    expect(del?.completed).toBeGreaterThan(0);
    expect(del?.errors).toBe(0);
    expect(r.locks.find((l) => l.name === 'rtnl')?.contentions).toBeGreaterThan(0);
    expect(r.timeline.some((i) => i.state === 'wait' && i.requestClass === 'dump-addrs')).toBe(true);
    expect(r.findings).toEqual([]);
  });
});

describe('scenario 4, the ABBA trap of a private FIB mutex', () => {
  it('the naive variant deadlocks, and the virtual clock and lockdep report it', async () => {
    const r = await run(abbaTrap, 'naive-fib-mutex');
    expect(r.findings.map((f) => f.kind)).toContain('deadlock');
    expect(r.findings.find((f) => f.kind === 'deadlock')?.detail).toMatch(/cycle of waits/);
    expect(r.findings.some((f) => f.kind === 'lockdep' && /circular locking dependency/.test(f.summary))).toBe(true);
  });

  it('finegrained refuses fib → rtnl before waiting: EDEADLK answers, no deadlock', async () => {
    const r = await run(abbaTrap, 'finegrained');
    expect(r.findings.some((f) => f.kind === 'deadlock')).toBe(false);
    expect(r.counters['add-route answered EDEADLK']).toBeGreaterThan(0);
    expect(r.findings.some((f) => /refused before waiting/.test(f.summary))).toBe(true);
  });

  it('global never sees two locks', async () => {
    const r = await run(abbaTrap, 'global');
    expect(r.findings).toEqual([]);
    expect(r.classes.every((c) => c.errors === 0 && c.completed > 0)).toBe(true);
  });
});

describe('scenario 5, fib_seq', () => {
  it('the atomic counter lets a replay miss an update; the seqcount under every strategy never', async () => {
    const atomic = await run(fibSeqAtomic, 'global');
    expect(atomic.counters['updates missed']).toBeGreaterThan(0);
    expect(atomic.findings.every((f) => f.kind === 'missed-update')).toBe(true);
    for (const v of STRATEGY_VARIANTS) {
      const r = await run(fibSeqSeqcount, v.name);
      expect(r.findings, v.name).toEqual([]);
      expect(r.counters['notifier registrations'], v.name).toBeGreaterThan(0);
      expect(r.counters['replays retried'], v.name).toBeGreaterThan(0);
    }
  });
});

describe('scenarios 2, 3 and 6', () => {
  it('route load: every route goes in; finegrained keeps the readers at their uncontended latency', async () => {
    const r = await run(routeLoad, 'finegrained');
    expect(r.classes.find((c) => c.name === 'route-add')).toMatchObject({ completed: 3000, errors: 0 });
    for (const c of reads(r)) expect(c.p99Ratio, c.name).toBeLessThanOrEqual(1.1);
  });

  it('address churn: the validator vetoes, and no address is left without its local route', async () => {
    const r = await run(addressChurn, 'elided');
    expect(r.counters['add-addr answered EADDRINUSE']).toBeGreaterThan(0);
    expect(r.findings).toEqual([]);
  });

  it('kind unregistration: late requests answer EOPNOTSUPP, nothing of the kind survives', async () => {
    for (const name of ['global', 'finegrained']) {
      const r = await run(kindUnregister, name);
      expect(r.counters['new-link answered EOPNOTSUPP'], name).toBeGreaterThan(0);
      expect(r.findings, name).toEqual([]);
    }
  });
});

describe('the goal: under finegrained every read class within 1.1x of uncontended, in every scenario', () => {
  it.each(BUILTIN_SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    for (const c of reads(await run(scenario, 'finegrained'))) expect(c.p99Ratio, c.name).toBeLessThanOrEqual(1.1);
  });
});
