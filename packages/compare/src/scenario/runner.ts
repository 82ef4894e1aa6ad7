/**
 * Runs one scenario under one strategy variant with one seed and measures it: per request class
 * latency (and the same class alone: its uncontended latency), throughput, lock statistics and a
 * lock timeline, and the correctness findings (the scenario's own checks, lockdep reports,
 * deadlocks and stalls the virtual clock detects, handler faults).
 *
 * Each client is a task with its own admin socket; the task's name is `class#n`, so lock
 * statistics and the timeline know which request class waited for or held what. Processing takes
 * time (`chargeCpu`), so waiting for a lock has a cost.
 */
import {
  CostModel,
  DeadlockError,
  ErrnoError,
  errnoName,
  LockEnv,
  type NetlinkSocket,
  NLM_F,
  NLMSG,
  RealClock,
  Rtnetlink,
  SeededRandom,
  StallError,
  Task,
  VirtualClock,
} from '@rtnlkit/core';
import { decodeDatagram } from '@rtnlkit/core/testing';
import { devinetSubsystem, fibSubsystem, linkSubsystem, linkTable } from '@rtnlkit/subsystems';
import type { Finding, LockClassResult, LockInterval, RequestClassResult, RunResult } from '../report/results';
import type { StrategyVariant } from '../strategies';
import { cdfOf, summarise } from './stats';
import type { CompareScenario, RequestClassSpec, ScenarioWorld } from './types';

export interface RunOptions {
  /** Run on the real clock (costs really sleep) instead of the virtual one. */
  realTime?: boolean;
  /** Most lock intervals kept for the timeline (default 4000). */
  timelineLimit?: number;
  /** Measure each request class alone too (default true). */
  uncontended?: boolean;
}

/** Stop a run whose virtual time goes this far past its duration: something is stuck. */
const OVERRUN_MS = 60_000;
/** How many requests of a class the uncontended run sends (per task, one task). */
const UNCONTENDED_REQUESTS = 30;

interface ClassSamples {
  readonly spec: RequestClassSpec;
  readonly latencies: number[];
  errors: number;
}

interface BuiltWorld {
  readonly world: ScenarioWorld;
  readonly env: LockEnv;
  readonly clock: VirtualClock | RealClock;
  readonly findings: Finding[];
  /** Runs `main` on the world's clock (to completion in virtual time). */
  run<T>(main: () => Promise<T>, limitMs: number): Promise<T>;
}

async function buildWorld(
  scenario: CompareScenario,
  variant: StrategyVariant,
  seed: number,
  options: RunOptions,
): Promise<BuiltWorld> {
  const clock = options.realTime ? new RealClock() : new VirtualClock({ seed });
  const env = new LockEnv({ clock, lockdep: true, stats: true });
  const costs = new CostModel({ ...scenario.costs }, seed);
  const rtnl = new Rtnetlink({ strategy: variant.create(), env, costs, chargeCpu: true });
  const findings: Finding[] = [];
  const counters: Record<string, number> = {};
  const admin = rtnl.socket({ admin: true });
  const world: ScenarioWorld = {
    rtnl,
    clock,
    net: rtnl.initNet,
    random: new SeededRandom(seed),
    strategy: variant.name,
    counters,
    finding: (f) => findings.push(f),
    ifindex(name) {
      const dev = linkTable(rtnl.initNet).getByName(name);
      if (!dev) throw new Error(`${scenario.name}: no device ${name}`);
      return dev.ifindex;
    },
    async must(request) {
      const answer = await exchange(admin, request, new Task('setup'));
      if (answer.errno) throw new Error(`${scenario.name}: setup request failed: errno ${answer.errno}`);
    },
  };
  const run = async <T>(main: () => Promise<T>, limitMs: number): Promise<T> =>
    clock instanceof VirtualClock ? clock.run(main, { timeLimit: limitMs }) : main();
  await run(async () => {
    await rtnl.install(linkSubsystem());
    await rtnl.install(devinetSubsystem());
    await rtnl.install(fibSubsystem({ fibSeq: scenario.fibSeq ?? 'seqcount' }));
  }, OVERRUN_MS);
  return { world, env, clock, findings, run };
}

/** The seq of a request (bytes 8..11). */
const seqOf = (request: Uint8Array): number =>
  new DataView(request.buffer, request.byteOffset, request.byteLength).getUint32(8, true);

/** Sends one request and reads until its answer: the errno (0 for success) and whether a dump was flagged DUMP_INTR. */
async function exchange(
  socket: NetlinkSocket,
  request: Uint8Array,
  task: Task,
): Promise<{ errno: number; interrupted: boolean }> {
  const seq = seqOf(request);
  await socket.send(request, { task });
  let interrupted = false;
  for (;;) {
    for (const m of decodeDatagram(await socket.recv())) {
      if (m.header.seq !== seq) continue;
      if (m.header.flags & NLM_F.DUMP_INTR) interrupted = true;
      if (m.header.type === NLMSG.DONE) return { errno: m.doneErrno ?? 0, interrupted };
      if (m.header.type === NLMSG.ERROR) return { errno: m.errno ?? 0, interrupted };
    }
  }
}

/** The request class of a task name (`dump-links#2` → `dump-links`), `kernel` for others. */
function classOfTask(task: string, classes: ReadonlySet<string>): string {
  const hash = task.lastIndexOf('#');
  const name = hash > 0 ? task.slice(0, hash) : task;
  return classes.has(name) ? name : 'kernel';
}

/** Runs the clients of `classes` on `built` for `durationMs`; returns their samples. */
async function driveClients(
  built: BuiltWorld,
  samples: readonly ClassSamples[],
  durationMs: number,
  perTaskLimit?: number,
): Promise<{ startedAt: number; endedAt: number }> {
  const { world } = built;
  const clock = world.clock;
  const startedAt = clock.now();
  const endAt = startedAt + durationMs;
  let seq = 0x10000;
  const client = async (s: ClassSamples, index: number) => {
    const { spec } = s;
    const task = new Task(`${spec.name}#${index}`);
    const socket = world.rtnl.socket({ admin: true });
    const limit = Math.min(spec.count ?? Number.POSITIVE_INFINITY, perTaskLimit ?? Number.POSITIVE_INFINITY);
    const arrival = spec.arrival ?? { kind: 'closed', thinkMs: 0 };
    if (spec.startMs) await clock.sleep(spec.startMs);
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < limit && clock.now() < endAt; i += 1) {
      const sentAt = clock.now();
      const one = (async () => {
        const request = spec.request({ world, task: index, index: i, seq: seq++ });
        let errno = 0;
        if (request instanceof Uint8Array) {
          const answer = await exchange(socket, request, task);
          errno = answer.errno;
          if (answer.interrupted)
            world.counters['dumps flagged DUMP_INTR'] = (world.counters['dumps flagged DUMP_INTR'] ?? 0) + 1;
        } else {
          try {
            await request.run();
          } catch (error) {
            if (!(error instanceof ErrnoError)) throw error;
            errno = error.errno;
          }
        }
        s.latencies.push(clock.now() - sentAt);
        if (errno) {
          s.errors += 1;
          const name = `${spec.name} answered ${errnoName(errno) ?? `errno ${errno}`}`;
          world.counters[name] = (world.counters[name] ?? 0) + 1;
        }
      })();
      if (arrival.kind === 'closed') {
        await one;
        if (arrival.thinkMs > 0) await clock.sleep(arrival.thinkMs);
      } else {
        inFlight.push(one);
        const jitter = arrival.jitter ?? 0;
        const gap = arrival.intervalMs * (1 - jitter + 2 * jitter * world.random.next());
        await clock.sleep(gap);
      }
    }
    await Promise.all(inFlight);
    socket.close();
  };
  const clients: Promise<void>[] = [];
  for (const s of samples) for (let t = 0; t < (s.spec.tasks ?? 1); t += 1) clients.push(client(s, t));
  await Promise.all(clients);
  return { startedAt, endedAt: clock.now() };
}

function lockResults(env: LockEnv): LockClassResult[] {
  return (env.stats?.snapshot() ?? []).map((row) => ({
    name: row.class,
    acquisitions: row.acquisitions,
    contentions: row.contentions,
    wait: summarise(row.wait),
    hold: summarise(row.hold),
  }));
}

/**
 * Measures classes alone: one client, a few requests, on a fresh world built from the starting
 * state. Read classes of a run that finished are also measured on its final state (see
 * `runScenario`), and the slower of the two is their uncontended latency.
 */
async function uncontendedLatencies(
  scenario: CompareScenario,
  variant: StrategyVariant,
  seed: number,
  options: RunOptions,
  classes: readonly RequestClassSpec[],
): Promise<Map<string, number[]>> {
  const result = new Map<string, number[]>();
  for (const spec of classes) {
    const built = await buildWorld(scenario, variant, seed, options);
    const alone: ClassSamples = { spec: { ...spec, tasks: 1, startMs: 0 }, latencies: [], errors: 0 };
    const dispose = scenario.instrument?.(built.world);
    try {
      await built.run(async () => {
        await scenario.setup?.(built.world);
        await driveClients(built, [alone], scenario.durationMs, UNCONTENDED_REQUESTS);
      }, scenario.durationMs + OVERRUN_MS);
    } finally {
      dispose?.();
    }
    result.set(spec.name, alone.latencies);
  }
  return result;
}

/** Runs `scenario` under `variant` with `seed`: the figures and findings of one run. */
export async function runScenario(
  scenario: CompareScenario,
  variant: StrategyVariant,
  seed: number,
  options: RunOptions = {},
): Promise<RunResult> {
  const built = await buildWorld(scenario, variant, seed, options);
  const { world, env, findings } = built;
  const classNames = new Set(scenario.classes.map((c) => c.name));
  const timelineLimit = options.timelineLimit ?? 4000;
  const timeline: LockInterval[] = [];
  let timelineTruncated = false;
  const lockWait = new Map<string, Record<string, number>>();
  const lockHold = new Map<string, Record<string, number>>();
  let measuring = false;
  let origin = 0;
  if (env.stats) {
    env.stats.tracer = (lock, task, state, start, end) => {
      if (!measuring) return;
      const requestClass = classOfTask(task, classNames);
      const sums = state === 'wait' ? lockWait : lockHold;
      const record = sums.get(requestClass) ?? {};
      record[lock] = (record[lock] ?? 0) + (end - start);
      sums.set(requestClass, record);
      if (timeline.length < timelineLimit)
        timeline.push({ lock, task, requestClass, state, start: start - origin, end: end - origin });
      else timelineTruncated = true;
    };
  }
  const dispose = scenario.instrument?.(world);
  const samples: ClassSamples[] = scenario.classes.map((spec) => ({ spec, latencies: [], errors: 0 }));
  const aloneOnFinalState = new Map<string, number[]>();
  let startedAt = 0;
  let endedAt = 0;
  try {
    ({ startedAt, endedAt } = await built.run(async () => {
      await scenario.setup?.(world);
      env.stats?.reset();
      origin = world.clock.now();
      measuring = true;
      const out = await driveClients(built, samples, scenario.durationMs);
      measuring = false;
      await scenario.check?.(world);
      if (options.uncontended !== false) {
        // Reads alone on the state the run ended with: a dump of what the writers built costs
        // what it costs; only the waiting is contention.
        for (const spec of scenario.classes.filter((c) => c.kind === 'read')) {
          const one: ClassSamples = { spec: { ...spec, tasks: 1, startMs: 0 }, latencies: [], errors: 0 };
          await driveClients(built, [one], scenario.durationMs, UNCONTENDED_REQUESTS);
          aloneOnFinalState.set(spec.name, one.latencies);
        }
      }
      return out;
    }, scenario.durationMs + OVERRUN_MS));
  } catch (error) {
    measuring = false;
    if (!(error instanceof DeadlockError || error instanceof StallError)) throw error;
    findings.push({ kind: 'deadlock', summary: firstLine(error.message), detail: error.message });
    startedAt = origin;
    endedAt = error.at;
  } finally {
    dispose?.();
  }
  for (const report of env.lockdep?.reports ?? [])
    findings.push({ kind: 'lockdep', summary: report.title, detail: report.text });
  // A strategy that refuses acquisitions against its order (finegrained) keeps its own reports.
  const ranked = world.rtnl.strategy as {
    violations?: readonly { title: string; text: string }[];
    onViolation?: 'refuse' | 'report';
  };
  const how = ranked.onViolation === 'report' ? 'reported, lock taken anyway' : 'refused before waiting';
  for (const report of ranked.violations ?? [])
    findings.push({ kind: 'lockdep', summary: `${report.title} (${how})`, detail: report.text });
  for (const fault of world.rtnl.faults)
    findings.push({
      kind: 'fault',
      summary: firstLine(String(fault)),
      detail: String((fault as Error).stack ?? fault),
    });

  const alone =
    options.uncontended === false
      ? new Map<string, number[]>()
      : await uncontendedLatencies(scenario, variant, seed, options, scenario.classes);
  // A read alone on the state the run ended with, or on the starting state: whichever is slower
  // (a dump grows with what the writers built, or shrinks with what they deleted).
  for (const [name, latencies] of aloneOnFinalState) {
    const start = alone.get(name) ?? [];
    if (summarise(latencies).p99 > summarise(start).p99) alone.set(name, latencies);
  }
  const durationMs = Math.max(endedAt - startedAt, 1e-9);
  const classes: RequestClassResult[] = samples.map((s) => {
    const latency = summarise(s.latencies);
    const uncontended = summarise(alone.get(s.spec.name) ?? []);
    return {
      name: s.spec.name,
      kind: s.spec.kind,
      completed: s.latencies.length,
      errors: s.errors,
      latency,
      uncontended,
      p99Ratio: uncontended.p99 > 0 ? latency.p99 / uncontended.p99 : latency.p99 > 0 ? Number.POSITIVE_INFINITY : 1,
      cdf: cdfOf(s.latencies),
      lockWait: lockWait.get(s.spec.name) ?? {},
      lockHold: lockHold.get(s.spec.name) ?? {},
    };
  });
  const completed = classes.reduce((n, c) => n + c.completed, 0);
  return {
    strategy: variant.name,
    seed,
    durationMs,
    throughput: (completed * 1000) / durationMs,
    classes,
    locks: lockResults(env),
    timeline,
    timelineTruncated,
    findings,
    counters: { ...world.counters },
  };
}

const firstLine = (text: string): string => text.split('\n')[0] ?? text;
