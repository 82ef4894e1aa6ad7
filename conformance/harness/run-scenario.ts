/**
 * One scenario, judged: the Linux answer (run once) against rtnlkit under each strategy variant.
 */
import { differences, viewSide } from './compare';
import { planOf } from './plan';
import { runRtnlkit } from './rtnlkit-runner';
import type { Coverage } from './rules';
import type { StrategyVariant } from './strategies';
import type { Scenario, SideResult } from './types';
import { createWorld, type RtnlkitWorld } from './world';

export interface Outcome {
  scenario: string;
  strategy: string;
  ok: boolean;
  /** Why it failed, one readable line each (empty when it passed). */
  differences: string[];
}

export interface JudgeOptions {
  /** The rtnlkit instance to run against; the harness's fresh world by default. */
  makeWorld?: (variant: StrategyVariant) => Promise<RtnlkitWorld>;
  /** The attributes compared (rule 7); `MODEL_COVERAGE` by default. */
  coverage?: Coverage;
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Compares the Linux result (or why there is none) with rtnlkit under every variant. */
export async function judgeScenario(
  scenario: Scenario,
  kernel: SideResult | Error,
  variants: readonly StrategyVariant[],
  options: JudgeOptions = {},
): Promise<Outcome[]> {
  const plan = planOf(scenario);
  const view = { plan, ...(options.coverage ? { coverage: options.coverage } : {}) };
  const kernelView = kernel instanceof Error ? undefined : viewSide('kernel', kernel, scenario, view);
  const outcomes: Outcome[] = [];
  for (const variant of variants) {
    const lines: string[] = [];
    if (kernel instanceof Error) lines.push(`the Linux side failed: ${kernel.message}`);
    try {
      const rtnlkit = await runRtnlkit(scenario, variant, options.makeWorld ?? createWorld);
      if (kernelView) lines.push(...differences(kernelView, viewSide('rtnlkit', rtnlkit, scenario, view)));
    } catch (error) {
      lines.push(`the rtnlkit side threw: ${describeError(error)}`);
    }
    outcomes.push({ scenario: scenario.name, strategy: variant.name, ok: lines.length === 0, differences: lines });
  }
  return outcomes;
}

/** Runs `tasks` with at most `limit` at a time; the promises resolve in any order, as each ends. */
export function limited<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R>[] {
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async () => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
  };
  const release = () => {
    running -= 1;
    waiting.shift()?.();
  };
  return items.map(async (item) => {
    await slot();
    try {
      return await task(item);
    } finally {
      release();
    }
  });
}
