/**
 * The fuzz loop: for each strategy, a fresh world and the same seeded stream of inputs; after
 * every datagram the replies, the locks and the state are checked, and every `dumpCheckEvery`
 * messages the dumps are compared with the tables and every lock class is probed. A violation
 * names the strategy, seed, message index and the datagram in hex, which is enough to replay it.
 */
import { errnoName, Task } from '@rtnlkit/core';
import { STRATEGY_VARIANTS, type StrategyVariant } from '../strategies';
import type { GenContext } from './generators';
import { type FuzzInput, INPUT_KINDS, type InputKind, nextInput } from './inputs';
import { checkDumpsAgree, checkLocks, checkLocksFree, checkRoutes, checkState, lockBaseline } from './invariants';
import { loadKernelSeeds } from './kernel-seeds';
import { FuzzRandom } from './random';
import { checkReplies } from './replies';
import { buildFuzzWorld, type FuzzWorld, REQUEST_TIME_LIMIT_MS, worldView } from './world';

export interface FuzzOptions {
  /** Messages per strategy. */
  readonly count: number;
  readonly seed?: number;
  /** Strategy names (of STRATEGY_VARIANTS); all of them by default. */
  readonly strategies?: readonly string[];
  /** Strategy variants to run instead of STRATEGY_VARIANTS (tests). */
  readonly variants?: readonly StrategyVariant[];
  /** Compare dumps with the tables and probe every lock every this many messages (default 500). */
  readonly dumpCheckEvery?: number;
  /** Stop a strategy's run after this many violations (default 10). */
  readonly maxViolations?: number;
  /** Changes the world after it is built, before fuzzing (tests break it on purpose). */
  readonly instrument?: (world: FuzzWorld) => void;
  /** Called now and then with the messages done so far. */
  readonly onProgress?: (strategy: string, messages: number, violations: number) => void;
}

export interface FuzzViolation {
  readonly strategy: string;
  readonly seed: number;
  /** Index of the first message of the input that broke something (0-based, per strategy). */
  readonly index: number;
  readonly kind: InputKind | 'periodic';
  readonly problem: string;
  /** The datagram, hex (empty for periodic checks). */
  readonly hex: string;
}

export interface FuzzResult {
  readonly strategy: string;
  readonly seed: number;
  readonly messages: number;
  readonly datagrams: number;
  readonly byKind: Record<InputKind, number>;
  /** Answers by errno name ("OK" for ACK / clean DONE). */
  readonly answers: Record<string, number>;
  readonly dumpChecks: number;
  readonly violations: FuzzViolation[];
  readonly elapsedMs: number;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

async function fuzzOne(variant: StrategyVariant, options: FuzzOptions, seed: number): Promise<FuzzResult> {
  const started = performance.now();
  const world = await buildFuzzWorld(variant, seed);
  options.instrument?.(world);
  const random = new FuzzRandom(seed);
  let seq = 1;
  const ctx: { -readonly [K in keyof GenContext]: GenContext[K] } = {
    random,
    view: worldView(world),
    seq: () => seq++,
  };
  const kernelSeeds = loadKernelSeeds();
  const byKind = Object.fromEntries(INPUT_KINDS.map((k) => [k, 0])) as Record<InputKind, number>;
  const answers: Record<string, number> = {};
  const violations: FuzzViolation[] = [];
  const baseline = lockBaseline(world);
  const seen = { names: new Set<string>(), indexes: new Set<number>() };
  const maxViolations = options.maxViolations ?? 10;
  const every = options.dumpCheckEvery ?? 500;
  let messages = 0;
  let datagrams = 0;
  let dumpChecks = 0;
  let nextDumpCheck = every;
  const record = (
    index: number,
    input: FuzzInput | undefined,
    datagram: Uint8Array | undefined,
    problems: string[],
  ) => {
    for (const problem of problems)
      violations.push({
        strategy: variant.name,
        seed,
        index,
        kind: input?.kind ?? 'periodic',
        problem,
        hex: datagram ? hex(datagram) : '',
      });
  };

  const sendOne = async (input: FuzzInput, datagram: Uint8Array, index: number): Promise<void> => {
    const admin = random.chance(0.95);
    const socket = world.rtnl.socket({ admin });
    socket.extAck = random.chance(0.8);
    socket.strictChk = random.chance(0.5);
    const task = new Task(`fuzz#${index}`);
    const received: Uint8Array[] = [];
    const faultsBefore = world.rtnl.faults.length;
    const problems: string[] = [];
    try {
      await world.clock.run(
        async () => {
          await socket.send(datagram, { task });
          for (let d = socket.tryRecv(); d; d = socket.tryRecv()) received.push(d);
          // Read a dump to its end as a reader would: each recv runs the next pass.
          for (let passes = 0; socket.dump && passes < 10_000; passes += 1) {
            await socket.continueDump(task);
            for (let d = socket.tryRecv(); d; d = socket.tryRecv()) received.push(d);
          }
          if (socket.dump) problems.push('a dump did not end after 10,000 passes');
        },
        { timeLimit: REQUEST_TIME_LIMIT_MS },
      );
    } catch (error) {
      problems.push(
        `escaped the dispatcher: ${String((error as Error).stack ?? error)
          .split('\n')
          .slice(0, 4)
          .join(' | ')}`,
      );
    } finally {
      socket.close();
    }
    for (const fault of world.rtnl.faults.slice(faultsBefore))
      problems.push(
        `handler fault: ${String((fault as Error).stack ?? fault)
          .split('\n')
          .slice(0, 4)
          .join(' | ')}`,
      );
    const replies = checkReplies(datagram, admin, received);
    problems.push(...replies.problems);
    for (const errno of replies.answers) {
      const name = errno === 0 ? 'OK' : (errnoName(errno) ?? `errno ${errno}`);
      answers[name] = (answers[name] ?? 0) + 1;
    }
    problems.push(...checkLocks(world, task, baseline), ...checkState(world, seen));
    record(index, input, datagram, problems);
  };

  while (messages < options.count && violations.length < maxViolations) {
    ctx.view = worldView(world);
    const input = nextInput(ctx, kernelSeeds);
    byKind[input.kind] += input.messages;
    const index = messages;
    for (const datagram of input.datagrams) {
      datagrams += 1;
      await sendOne(input, datagram, index);
    }
    messages += input.messages;
    if (messages >= nextDumpCheck || messages >= options.count) {
      nextDumpCheck += every;
      dumpChecks += 1;
      try {
        const problems = await world.clock.run(
          async () => [...checkRoutes(world), ...(await checkDumpsAgree(world)), ...(await checkLocksFree(world))],
          { timeLimit: REQUEST_TIME_LIMIT_MS },
        );
        record(messages, undefined, undefined, problems);
      } catch (error) {
        record(messages, undefined, undefined, [`periodic check failed: ${String(error)}`]);
      }
      options.onProgress?.(variant.name, messages, violations.length);
    }
  }
  return {
    strategy: variant.name,
    seed,
    messages,
    datagrams,
    byKind,
    answers,
    dumpChecks,
    violations,
    elapsedMs: performance.now() - started,
  };
}

/** Fuzzes each chosen strategy with `count` messages from `seed`; one result per strategy. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzResult[]> {
  const seed = options.seed ?? 1;
  const all = options.variants ?? STRATEGY_VARIANTS;
  const variants = options.strategies ? all.filter((v) => options.strategies?.includes(v.name)) : all;
  if (variants.length === 0)
    throw new Error(`no strategy named ${options.strategies?.join(', ')} (have ${all.map((v) => v.name).join(', ')})`);
  const results: FuzzResult[] = [];
  for (const variant of variants) results.push(await fuzzOne(variant, options, seed));
  return results;
}

/** A few lines per strategy: counts by kind, answers by errno, violations with seed, index and hex. */
export function formatFuzzResults(results: readonly FuzzResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(
      `${r.strategy}: ${r.messages} messages (${r.datagrams} datagrams), seed ${r.seed}, ${(r.elapsedMs / 1000).toFixed(1)} s, ${r.dumpChecks} dump checks, ${r.violations.length} violations`,
    );
    lines.push(`  by kind: ${INPUT_KINDS.map((k) => `${k} ${r.byKind[k]}`).join(', ')}`);
    const answers = Object.entries(r.answers).sort((a, b) => b[1] - a[1]);
    lines.push(`  answers: ${answers.map(([name, n]) => `${name} ${n}`).join(', ')}`);
    for (const v of r.violations)
      lines.push(
        `  VIOLATION strategy ${v.strategy} seed ${v.seed} message ${v.index} (${v.kind}): ${v.problem}${v.hex ? `\n    hex ${v.hex}` : ''}`,
      );
  }
  return lines.join('\n');
}
