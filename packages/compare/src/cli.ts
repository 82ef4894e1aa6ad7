/**
 * The `rtnlkit` command (`src/bin.ts`, built to `dist/bin.js`, calls {@link cli}). `rtnlkit compare` runs scenarios × strategies × seeds and prints the
 * tables, writes the HTML report and the results as JSON (see README).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { runCompare } from './compare';
import { resultsToJson } from './report/json';
import { formatTables } from './report/tables';
import { writeReport } from './report/write';
import type { CompareScenario } from './scenario/types';
import { BUILTIN_SCENARIOS } from './scenarios/index';
import { STRATEGY_VARIANTS, type StrategyVariant } from './strategies';

/** `--seeds 3` is seeds 1..3; `--seeds 4,8,15` those seeds. */
function parseSeeds(value: string): number[] {
  const parts = value.split(',').map((p) => Number(p.trim()));
  if (parts.some((n) => !Number.isInteger(n) || n < 0))
    throw new InvalidArgumentError('expected N or a list like 1,2,3');
  if (parts.length === 1) {
    const n = parts[0] as number;
    if (n < 1) throw new InvalidArgumentError('at least one seed');
    return Array.from({ length: n }, (_, i) => i + 1);
  }
  return parts;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const looksLikeFile = (value: string) => /[\\/]/.test(value) || /\.(m?js|cjs|m?ts)$/.test(value);

/** Imports a module the user names by path; a failure's message hints at a loader for TypeScript. */
async function importUserModule(file: string): Promise<Record<string, unknown>> {
  const path = isAbsolute(file) ? file : resolve(process.cwd(), file);
  try {
    return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const hint = /\.m?ts$/.test(file)
      ? ' (a TypeScript file needs a loader: run `node --import tsx $(which rtnlkit) compare …`, or compile it)'
      : '';
    throw new Error(`${(error as Error).message}${hint}`);
  }
}

/** A scenario file exports `default`, `scenario` or `scenarios` (one scenario or a list). */
async function loadScenarioFile(file: string): Promise<CompareScenario[]> {
  let module: Record<string, unknown>;
  try {
    module = await importUserModule(file);
  } catch (error) {
    throw new Error(`cannot load scenario file ${file}: ${(error as Error).message}`);
  }
  const found = module.default ?? module.scenarios ?? module.scenario;
  const list = (Array.isArray(found) ? found : [found]).filter(Boolean) as CompareScenario[];
  if (list.length === 0 || list.some((s) => typeof s?.name !== 'string' || !Array.isArray(s.classes)))
    throw new Error(`${file} exports no scenario (default, \`scenario\` or \`scenarios\` with a name and classes)`);
  return list;
}

/** A strategy module that cannot be used: missing, failing to load, exporting no variant, or a name taken. */
export class StrategyModuleError extends Error {
  override readonly name = 'StrategyModuleError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

const isVariant = (v: unknown): v is StrategyVariant =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as StrategyVariant).name === 'string' &&
  (v as StrategyVariant).name !== '' &&
  typeof (v as StrategyVariant).create === 'function';

/**
 * A strategy module exports `strategies` (a list of `{ name, create }`), or `default` (one variant
 * or a list), or `strategy` (one variant); `create()` makes a fresh LockStrategy each call.
 */
export async function loadStrategyModule(file: string): Promise<StrategyVariant[]> {
  const path = isAbsolute(file) ? file : resolve(process.cwd(), file);
  if (!existsSync(path)) throw new StrategyModuleError(file, `strategy module ${file}: no such file (${path})`);
  let module: Record<string, unknown>;
  try {
    module = await importUserModule(path);
  } catch (error) {
    throw new StrategyModuleError(file, `cannot load strategy module ${file}: ${(error as Error).message}`);
  }
  const found = module.strategies ?? module.default ?? module.strategy;
  const list: unknown[] = Array.isArray(found) ? found : found === undefined ? [] : [found];
  if (list.length === 0 || !list.every(isVariant))
    throw new StrategyModuleError(
      file,
      `${file} exports no strategy variant (\`strategies\`, \`default\` or \`strategy\`: { name, create }, or a list of them)`,
    );
  return list;
}

/** Every module's variants after the built-in ones (and a scenario's extra ones); a name may appear once. */
async function loadStrategyModules(
  files: readonly string[],
  taken: readonly StrategyVariant[],
): Promise<StrategyVariant[]> {
  const owner = new Map(taken.map((v) => [v.name, 'a built-in strategy variant']));
  const loaded: StrategyVariant[] = [];
  for (const file of files) {
    for (const variant of await loadStrategyModule(file)) {
      const other = owner.get(variant.name);
      if (other) throw new StrategyModuleError(file, `strategy ${variant.name} of ${file} has the name of ${other}`);
      owner.set(variant.name, `strategy module ${file}`);
      loaded.push(variant);
    }
  }
  return loaded;
}

async function chooseScenarios(wanted: readonly string[]): Promise<CompareScenario[]> {
  if (wanted.length === 0) return [...BUILTIN_SCENARIOS];
  const chosen: CompareScenario[] = [];
  for (const name of wanted) {
    if (looksLikeFile(name)) {
      chosen.push(...(await loadScenarioFile(name)));
      continue;
    }
    const builtin = BUILTIN_SCENARIOS.find((s) => s.name === name);
    if (!builtin)
      throw new Error(`no scenario ${name}: built-in ones are ${BUILTIN_SCENARIOS.map((s) => s.name).join(', ')}`);
    chosen.push(builtin);
  }
  return chosen;
}

interface CompareFlags {
  scenario?: string[];
  strategy?: string[];
  strategyModule?: string[];
  seeds: number[];
  out: string;
  json?: string;
  realTime?: boolean;
  report: boolean;
  list?: boolean;
  color?: boolean;
}

async function compare(flags: CompareFlags): Promise<void> {
  if (flags.list) {
    const modules = await loadStrategyModules(flags.strategyModule ?? [], STRATEGY_VARIANTS);
    for (const s of BUILTIN_SCENARIOS) console.log(`${s.name.padEnd(20)} ${s.title}`);
    console.log(`\nstrategies: ${[...STRATEGY_VARIANTS, ...modules].map((v) => v.name).join(', ')}`);
    return;
  }
  const scenarios = await chooseScenarios(flags.scenario ?? []);
  const extra = scenarios.flatMap((s) => s.extraVariants ?? []);
  // A module's variants run after the built-in ones, or, named with --strategy, instead of them.
  const modules = await loadStrategyModules(flags.strategyModule ?? [], [...STRATEGY_VARIANTS, ...extra]);
  const known = [...STRATEGY_VARIANTS, ...modules, ...extra];
  const strategies = flags.strategy?.map((name) => {
    const variant = known.find((v) => v.name === name);
    if (!variant) throw new Error(`no strategy ${name}: ${known.map((v) => v.name).join(', ')}`);
    return variant;
  });
  const interactive = process.stderr.isTTY === true;
  const bar = interactive
    ? new SingleBar({ format: 'compare [{bar}] {value}/{total} {label}', hideCursor: true, clearOnComplete: true })
    : undefined;
  let started = false;
  const t0 = performance.now();
  const results = await runCompare({
    scenarios,
    ...(strategies ? { strategies } : { extraStrategies: modules }),
    seeds: flags.seeds,
    ...(flags.realTime && { realTime: true }),
    onRun(done, total, label) {
      if (bar) {
        if (!started) bar.start(total, 0, { label });
        started = true;
        bar.update(done, { label });
      } else process.stderr.write(`compare: ${done}/${total} ${label}\n`);
    },
  });
  bar?.stop();
  console.log(formatTables(results, { color: flags.color ?? process.stdout.isTTY === true }));
  if (flags.report) {
    const written = await writeReport(results, flags.out);
    console.log(`report: ${written.html}\nresults: ${written.json}`);
  }
  if (flags.json) {
    await writeFile(flags.json, resultsToJson(results));
    console.log(`results: ${flags.json}`);
  }
  console.log(`compare: ${results.scenarios.length} scenarios in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

export function cli(argv: readonly string[] = process.argv): Promise<unknown> {
  const program = new Command('rtnlkit').description('rtnlkit: Linux rtnetlink with a pluggable locking strategy');
  program
    .command('compare')
    .description('run scenarios under every strategy: tables, an HTML report and JSON')
    .option(
      '--scenario <name|file>',
      'a built-in scenario or a scenario file (repeatable; default: all built-in)',
      collect,
    )
    .option('--strategy <name>', 'a strategy variant (repeatable; default: all)', collect)
    .option(
      '--strategy-module <file>',
      'a module exporting strategy variants (`strategies`: [{ name, create }]); they run after the built-in ones (repeatable)',
      collect,
    )
    .option('--seeds <n|list>', 'seeds 1..N, or a list such as 4,8,15', parseSeeds, [1, 2, 3])
    .option('--out <dir>', 'where the HTML report and results.json go', 'report')
    .option('--json <file>', 'also write the results as JSON to this file')
    .option('--real-time', 'run on the real clock instead of the virtual one')
    .option('--no-report', 'print the tables only')
    .option('--no-color', 'no colour in the tables')
    .option('--list', 'list the built-in scenarios and strategies')
    .action((flags: CompareFlags) => compare(flags));
  return program.parseAsync([...argv]).catch((error: unknown) => {
    console.error(`rtnlkit: ${(error as Error).message}`);
    process.exitCode = 1;
  });
}
