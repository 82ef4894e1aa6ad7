/**
 * `npm run conformance [-- NAME... [--strategy S]... [--jobs N] [--show] [--list]]`: every
 * scenario in `conformance/scenarios/`, against Linux in a fresh private network namespace and
 * against a fresh rtnlkit under every strategy variant, compared after normalisation. One line per
 * scenario and strategy, the differences under a failing one, and `N passed, M failed` last.
 *
 * Exit status: 0 when everything passed, 1 when something failed, 2 when it cannot run here (no
 * network namespace can be created: needs Linux, root and iproute2) or the arguments are wrong.
 * Every namespace is deleted again, also on failure and on Ctrl-C.
 */
import { availableParallelism, release } from 'node:os';
import { parseArgs } from 'node:util';
import { truncateLines, viewSide } from './harness/compare';
import { canCreateNetns, runKernel } from './harness/kernel-runner';
import { loadScenarios } from './harness/load';
import { judgeScenario, limited, type Outcome } from './harness/run-scenario';
import { STRATEGY_VARIANTS } from './harness/strategies';
import type { Scenario, SideResult } from './harness/types';

const USAGE = 'usage: tsx conformance/run.ts [NAME...] [--strategy NAME]... [--jobs N] [--show] [--list]';

function fail(message: string): never {
  process.stderr.write(`conformance: ${message}\n`);
  process.exit(2);
}

const { values, positionals } = (() => {
  try {
    return parseArgs({
      options: {
        strategy: { type: 'string', multiple: true },
        jobs: { type: 'string', default: String(availableParallelism()) },
        show: { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n${USAGE}`);
  }
})();

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const all = await loadScenarios();
const scenarios = positionals.length ? all.filter((s) => positionals.some((wanted) => s.name.includes(wanted))) : all;
if (scenarios.length === 0) fail(`no scenario matches ${positionals.join(', ')}`);

if (values.list) {
  for (const s of scenarios) console.log(`${s.name.padEnd(44)} ${s.description}`);
  process.exit(0);
}

const variants = values.strategy
  ? values.strategy.map(
      (name) =>
        STRATEGY_VARIANTS.find((v) => v.name === name) ??
        fail(`no strategy ${name} (${STRATEGY_VARIANTS.map((v) => v.name).join(', ')})`),
    )
  : STRATEGY_VARIANTS;
const jobs = Number(values.jobs);
if (!Number.isInteger(jobs) || jobs < 1) fail(`--jobs must be a positive integer\n${USAGE}`);

if (!canCreateNetns()) {
  fail(
    'cannot create a network namespace here (needs Linux, root and iproute2, and a system that allows it): nothing was compared',
  );
}

console.log(
  `conformance: ${scenarios.length} scenarios, Linux ${release()} in private network namespaces vs rtnlkit under ${variants.map((v) => v.name).join(', ')}`,
);

function showKernel(scenario: Scenario, kernel: SideResult): void {
  const view = viewSide('kernel', kernel, scenario);
  for (const step of [...view.steps, ...Object.values(view.state)]) {
    console.log(`      ${step.label}${step.timedOut ? ' (timed out)' : ''}`);
    step.replies.forEach((reply, i) => {
      console.log(`        reply ${i + 1}: ${reply.fields.map(([k, v]) => `${k}=${v}`).join('  ')}`);
    });
  }
}

const width = Math.max(...scenarios.map((s) => s.name.length));
const started = performance.now();
const kernelRuns = limited(scenarios, jobs, (scenario) =>
  runKernel(scenario).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
);
const outcomes: Outcome[] = [];
for (const [i, scenario] of scenarios.entries()) {
  const kernel = await (kernelRuns[i] as Promise<SideResult | Error>);
  if (values.show && !(kernel instanceof Error)) showKernel(scenario, kernel);
  for (const outcome of await judgeScenario(scenario, kernel, variants)) {
    outcomes.push(outcome);
    console.log(`${outcome.ok ? 'ok  ' : 'FAIL'}  ${outcome.scenario.padEnd(width)}  [${outcome.strategy}]`);
    for (const line of truncateLines(outcome.differences)) console.log(`      ${line}`);
  }
}

const passed = outcomes.filter((o) => o.ok).length;
const failed = outcomes.length - passed;
process.stderr.write(`conformance: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
