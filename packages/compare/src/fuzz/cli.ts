/**
 * `npm run fuzz -- [--count N] [--strategy NAME]... [--seed S] [--dump-every N]`: fuzzes each
 * strategy with N messages (10,000 by default) from seed S (1 by default), prints the counts and
 * every violation (strategy, seed, message index, hex), and exits 1 when there was one.
 */
import { STRATEGY_VARIANTS } from '../strategies';
import { formatFuzzResults, runFuzz } from './runner';

export interface FuzzArgs {
  count: number;
  seed: number;
  strategies: string[] | undefined;
  dumpCheckEvery: number;
}

const USAGE = `usage: npm run fuzz -- [--count N] [--strategy NAME]... [--seed S] [--dump-every N]
  strategies: ${STRATEGY_VARIANTS.map((v) => v.name).join(', ')} (all by default)`;

function positiveInteger(flag: string, value: string | undefined): number {
  const n = Number(value?.replaceAll('_', ''));
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a non-negative integer, got ${value}\n${USAGE}`);
  return n;
}

export function parseFuzzArgs(argv: readonly string[]): FuzzArgs {
  const args: FuzzArgs = { count: 10_000, seed: 1, strategies: undefined, dumpCheckEvery: 500 };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i] as string;
    const value = argv[i + 1];
    switch (flag) {
      case '--count':
        args.count = positiveInteger(flag, value);
        i += 1;
        break;
      case '--seed':
        args.seed = positiveInteger(flag, value);
        i += 1;
        break;
      case '--dump-every':
        args.dumpCheckEvery = Math.max(1, positiveInteger(flag, value));
        i += 1;
        break;
      case '--strategy': {
        const names = (value ?? '').split(',').filter(Boolean);
        for (const name of names)
          if (!STRATEGY_VARIANTS.some((v) => v.name === name)) throw new Error(`unknown strategy ${name}\n${USAGE}`);
        args.strategies = [...(args.strategies ?? []), ...names];
        i += 1;
        break;
      }
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown argument ${flag}\n${USAGE}`);
    }
  }
  return args;
}

/** Runs the fuzzer as the command line asks; resolves to the exit code. */
export async function fuzzMain(argv: readonly string[], out: (line: string) => void = console.log): Promise<number> {
  let args: FuzzArgs;
  try {
    args = parseFuzzArgs(argv);
  } catch (error) {
    out((error as Error).message);
    return 2;
  }
  const started = performance.now();
  const step = Math.max(args.dumpCheckEvery, Math.floor(args.count / 20));
  let reported = 0;
  const results = await runFuzz({
    count: args.count,
    seed: args.seed,
    dumpCheckEvery: args.dumpCheckEvery,
    ...(args.strategies ? { strategies: args.strategies } : {}),
    onProgress: (strategy, messages, violations) => {
      if (messages - reported < step && messages < args.count) return;
      reported = messages >= args.count ? 0 : messages;
      out(
        `fuzz: ${strategy} ${messages}/${args.count} (${((performance.now() - started) / 1000).toFixed(0)} s), ${violations} violations`,
      );
    },
  });
  out(formatFuzzResults(results));
  const violations = results.reduce((n, r) => n + r.violations.length, 0);
  const messages = results.reduce((n, r) => n + r.messages, 0);
  out(
    `fuzz: ${messages} messages over ${results.length} strategies (seed ${args.seed}) in ${((performance.now() - started) / 1000).toFixed(1)} s, ${violations} violations`,
  );
  return violations === 0 ? 0 : 1;
}
