/**
 * `runCompare()`: every chosen scenario under every chosen strategy variant and seed, as one
 * {@link CompareResults}. The CLI (`rtnlkit compare`) is a thin layer over it; tools can call it
 * directly and feed the results to their own output.
 */
import { COMPARE_RESULTS_VERSION, type CompareResults, type ScenarioResult } from './report/results';
import { type RunOptions, runScenario } from './scenario/runner';
import type { CompareScenario } from './scenario/types';
import { BUILTIN_SCENARIOS } from './scenarios/index';
import { STRATEGY_VARIANTS, type StrategyVariant } from './strategies';

export interface CompareOptions extends RunOptions {
  /** Default: every built-in scenario. */
  scenarios?: readonly CompareScenario[];
  /** Default: every strategy variant. */
  strategies?: readonly StrategyVariant[];
  /**
   * Variants of one's own (`rtnlkit compare --strategy-module`) that run after `strategies`, or
   * after the default ones (and before a scenario's extra variants).
   */
  extraStrategies?: readonly StrategyVariant[];
  /** Default: [1, 2, 3]. */
  seeds?: readonly number[];
  /** Called after each run (for a progress bar). */
  onRun?: (done: number, total: number, label: string) => void;
}

export async function runCompare(options: CompareOptions = {}): Promise<CompareResults> {
  const scenarios = options.scenarios ?? BUILTIN_SCENARIOS;
  const strategies = [...(options.strategies ?? STRATEGY_VARIANTS), ...(options.extraStrategies ?? [])];
  const seeds = options.seeds ?? [1, 2, 3];
  const total = scenarios.reduce(
    (n, s) => n + (strategies.length + (options.strategies ? 0 : (s.extraVariants?.length ?? 0))) * seeds.length,
    0,
  );
  let done = 0;
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const runs = [];
    const variants = [...strategies, ...(options.strategies ? [] : (scenario.extraVariants ?? []))];
    for (const variant of variants) {
      for (const seed of seeds) {
        runs.push(await runScenario(scenario, variant, seed, options));
        done += 1;
        options.onRun?.(done, total, `${scenario.name} × ${variant.name} × seed ${seed}`);
      }
    }
    results.push({ name: scenario.name, title: scenario.title, description: scenario.description, runs });
  }
  return {
    version: COMPARE_RESULTS_VERSION,
    generatedAt: new Date().toISOString(),
    clock: options.realTime ? 'real' : 'virtual',
    strategies: strategies.map((s) => s.name),
    seeds: [...seeds],
    scenarios: results,
  };
}
