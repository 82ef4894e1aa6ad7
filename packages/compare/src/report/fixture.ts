/**
 * A synthetic, deterministic {@link CompareResults} for the tests of the tables, the HTML report
 * and the results file: 2 scenarios × the 4 strategies, a few request classes each, lock
 * timelines and findings of several kinds. Its figures are invented to look like a real run (the
 * global strategy makes reads wait behind a slow unregistration; finegrained does not); they are
 * not measurements, and nothing but the renderers' tests may use them.
 */
import {
  COMPARE_RESULTS_VERSION,
  type CompareResults,
  type Finding,
  type LatencySummary,
  type LockClassResult,
  type LockInterval,
  type RequestClassResult,
  type RunResult,
  type ScenarioResult,
} from './results';

export const FIXTURE_STRATEGIES = ['global', 'elided', 'elided-pernet', 'finegrained'] as const;

/** A small seeded generator (mulberry32), so the fixture is the same on every call. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

function summarise(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    mean: sorted.length === 0 ? 0 : sum / sorted.length,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? 0,
  };
}

function empiricalCdf(samples: readonly number[]): [number, number][] {
  const sorted = [...samples].sort((a, b) => a - b);
  const step = Math.max(1, Math.ceil(sorted.length / 200));
  const points: [number, number][] = [];
  for (let i = step - 1; i < sorted.length; i += step) points.push([sorted[i] ?? 0, (i + 1) / sorted.length]);
  const last = sorted.at(-1);
  if (last !== undefined && points.at(-1)?.[1] !== 1) points.push([last, 1]);
  return points;
}

interface ClassPlan {
  name: string;
  kind: 'read' | 'write';
  /** Typical uncontended latency (ms); 0 models work with no simulated cost on the virtual clock. */
  base: number;
  /** How much each strategy makes it wait behind the others, as a multiple of a slow writer. */
  stall: Record<string, number>;
  locks: string[];
}

interface ScenarioPlan {
  name: string;
  title: string;
  description: string;
  classes: ClassPlan[];
  /** The lock classes each strategy really takes. */
  lockClasses: Record<string, string[]>;
  findings: Record<string, Finding[]>;
  counters: string[];
}

const SINGLE_RTNL = { global: ['rtnl'], elided: ['rtnl'], 'elided-pernet': ['rtnl'] };

const PLANS: ScenarioPlan[] = [
  {
    name: 'slow-unregister',
    title: 'Slow unregistration',
    description:
      'One writer deletes veth pairs whose unregistration waits 300 ms for an RCU grace period and ' +
      'a lingering reference, while readers dump links and look routes up. Look at how long the ' +
      'reads wait behind the writer under each strategy.',
    classes: [
      {
        name: 'dump-links',
        kind: 'read',
        base: 0.4,
        stall: { global: 60, elided: 60, 'elided-pernet': 2 },
        locks: ['rtnl'],
      },
      { name: 'get-link', kind: 'read', base: 0.1, stall: { global: 40, elided: 0.05 }, locks: ['rtnl'] },
      { name: 'route-lookup', kind: 'read', base: 0, stall: { global: 20 }, locks: ['fib'] },
      { name: 'del-link', kind: 'write', base: 310, stall: {}, locks: ['rtnl'] },
    ],
    lockClasses: { ...SINGLE_RTNL, finegrained: ['rtnl', 'devinet', 'fib'] },
    findings: {
      global: [],
      elided: [
        {
          kind: 'inconsistent-dump',
          summary: 'dump of links not flagged DUMP_INTR lacks veth3',
          detail: 'request at 12.0 ms, NLMSG_DONE at 19.5 ms\nlisted before: veth3 (ifindex 7)\nmissing from the dump',
        },
      ],
      'elided-pernet': [
        { kind: 'missed-update', summary: 'listener mirror lacks RTM_DELLINK of veth5' },
        { kind: 'inconsistent-dump', summary: 'dump of links not flagged DUMP_INTR lists veth9 twice' },
      ],
      finegrained: [
        {
          kind: 'lockdep',
          summary: 'possible circular locking dependency: fib -> rtnl after rtnl -> fib',
          detail:
            '======================================================\n' +
            'WARNING: possible circular locking dependency detected\n' +
            'task del-link/3 is trying to acquire lock:\n  (rtnl){+.+.} at unregister_netdevice\n' +
            'but task is already holding lock:\n  (fib){+.+.} at fib_sync_down_dev',
        },
      ],
    },
    counters: ['dumps flagged DUMP_INTR', 'devices unregistered'],
  },
  {
    name: 'route-churn',
    title: 'Route churn',
    description:
      'Writers add and delete routes as fast as they can while readers dump the FIB and resolve ' +
      'routes without locks. Look at dump consistency and at the cost of fib_seq retries.',
    classes: [
      {
        name: 'add-route',
        kind: 'write',
        base: 0.2,
        stall: { global: 8, elided: 8, 'elided-pernet': 8, finegrained: 4 },
        locks: ['rtnl', 'fib'],
      },
      {
        name: 'dump-routes',
        kind: 'read',
        base: 0.8,
        stall: { global: 6, elided: 6, 'elided-pernet': 6, finegrained: 1 },
        locks: ['rtnl', 'fib'],
      },
      { name: 'route-lookup', kind: 'read', base: 0.05, stall: {}, locks: [] },
    ],
    lockClasses: { ...SINGLE_RTNL, finegrained: ['rtnl', 'fib'] },
    findings: {
      global: [],
      elided: [],
      'elided-pernet': [],
      finegrained: [
        {
          kind: 'deadlock',
          summary: '2 tasks stuck: add-route/1 waits for fib held by dump-routes/0, which waits for rtnl',
          detail: 'add-route/1 holds rtnl, waits for fib\ndump-routes/0 holds fib, waits for rtnl',
        },
        { kind: 'partial-change', summary: 'RTM_NEWROUTE failed with ENOBUFS but left 10.0.3.0/24 in table 100' },
        { kind: 'fault', summary: 'handler threw TypeError: cannot read properties of undefined (reading "nh")' },
      ],
    },
    counters: ['dumps flagged DUMP_INTR', 'fib_seq retries'],
  },
];

function latencySamples(random: () => number, base: number, stall: number, count: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    // Most requests run at their base cost; a few land behind the slow writer.
    const blocked = stall > 0 && random() < 0.08 ? stall * (0.5 + random()) * 5 : 0;
    samples.push(Math.round((base * (0.8 + 0.4 * random()) + blocked) * 1000) / 1000);
  }
  return samples;
}

function classResult(random: () => number, plan: ClassPlan, strategy: string, lockNames: string[]): RequestClassResult {
  const count = plan.kind === 'read' ? 120 + Math.floor(random() * 40) : 12;
  const latency = summarise(latencySamples(random, plan.base, plan.stall[strategy] ?? 0, count));
  const uncontended = summarise(latencySamples(random, plan.base, 0, count));
  const lockWait: Record<string, number> = {};
  const lockHold: Record<string, number> = {};
  for (const lock of plan.locks.filter((name) => lockNames.includes(name))) {
    lockWait[lock] = Math.round(latency.mean * count * 0.3 * 100) / 100;
    lockHold[lock] = Math.round(uncontended.mean * count * 100) / 100;
  }
  return {
    name: plan.name,
    kind: plan.kind,
    completed: count,
    errors: plan.kind === 'write' ? Math.floor(random() * 3) : 0,
    latency,
    uncontended,
    p99Ratio: uncontended.p99 === 0 ? Number.POSITIVE_INFINITY : latency.p99 / uncontended.p99,
    cdf: empiricalCdf(latencySamples(random, plan.base, plan.stall[strategy] ?? 0, count)),
    lockWait,
    lockHold,
  };
}

function lockResult(random: () => number, name: string, contended: number): LockClassResult {
  const acquisitions = 200 + Math.floor(random() * 100);
  const waits = Array.from({ length: Math.round(acquisitions * contended) }, () => random() * 40 * contended);
  const holds = Array.from({ length: acquisitions }, () => random() * random() * 20);
  return { name, acquisitions, contentions: waits.length, wait: summarise(waits), hold: summarise(holds) };
}

function timeline(random: () => number, plan: ScenarioPlan, lockNames: string[]): LockInterval[] {
  const intervals: LockInterval[] = [];
  for (const [index, cls] of plan.classes.entries()) {
    for (let instance = 0; instance < 2; instance++) {
      const task = `${cls.name}/${instance}`;
      let now = index * 3 + random() * 5;
      for (let i = 0; i < 4; i++) {
        const lock = lockNames[Math.floor(random() * lockNames.length)] ?? 'rtnl';
        const wait = random() < 0.5 ? random() * 20 : 0;
        if (wait > 0)
          intervals.push({ lock, task, requestClass: cls.name, state: 'wait', start: now, end: now + wait });
        const hold = cls.kind === 'write' ? 10 + random() * 30 : 0.5 + random() * 3;
        intervals.push({
          lock,
          task,
          requestClass: cls.name,
          state: 'hold',
          start: now + wait,
          end: now + wait + hold,
        });
        now += wait + hold + random() * 10;
      }
    }
  }
  intervals.push({
    lock: lockNames[0] ?? 'rtnl',
    task: 'kernel',
    requestClass: 'kernel',
    state: 'hold',
    start: 40,
    end: 55,
  });
  return intervals.sort((a, b) => a.start - b.start);
}

function runResult(plan: ScenarioPlan, strategy: string, seed: number): RunResult {
  const random = seededRandom(
    seed * 7919 + plan.name.length * 31 + FIXTURE_STRATEGIES.indexOf(strategy as never) * 101,
  );
  const lockNames = plan.lockClasses[strategy] ?? ['rtnl'];
  const classes = plan.classes.map((cls) => classResult(random, cls, strategy, lockNames));
  const durationMs = 1000 + Math.round(random() * 200);
  const completed = classes.reduce((total, cls) => total + cls.completed, 0);
  const contended = strategy === 'finegrained' ? 0.05 : strategy === 'elided-pernet' ? 0.15 : 0.35;
  const counters: Record<string, number> = {};
  for (const [index, name] of plan.counters.entries()) counters[name] = Math.floor(random() * 10) + index;
  return {
    strategy,
    seed,
    durationMs,
    throughput: (completed / durationMs) * 1000,
    classes,
    locks: lockNames.map((name) => lockResult(random, name, contended)),
    timeline: timeline(random, plan, lockNames),
    timelineTruncated: strategy === 'global',
    // The findings show up under the first seed only, as a rare race would.
    findings: seed === 1 ? (plan.findings[strategy] ?? []) : [],
    counters,
  };
}

/** The synthetic results; `seeds` defaults to two seeds so that the renderers aggregate. */
export function syntheticResults(seeds: readonly number[] = [1, 2]): CompareResults {
  const scenarios: ScenarioResult[] = PLANS.map((plan) => ({
    name: plan.name,
    title: plan.title,
    description: plan.description,
    runs: FIXTURE_STRATEGIES.flatMap((strategy) => seeds.map((seed) => runResult(plan, strategy, seed))),
  }));
  return {
    version: COMPARE_RESULTS_VERSION,
    generatedAt: '2026-11-25T07:00:00.000Z',
    clock: 'virtual',
    strategies: [...FIXTURE_STRATEGIES],
    seeds: [...seeds],
    scenarios,
  };
}
