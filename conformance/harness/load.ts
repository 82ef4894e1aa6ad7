/**
 * Finds the scenarios: every `conformance/scenarios/*.ts` (tests aside) exports `scenarios`, a
 * list of plain {@link Scenario} objects. Adding a group is adding a file.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { scenarioProblems } from './plan';
import type { Scenario, ScenarioModule } from './types';

export const SCENARIOS_DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));

/** A scenario file is malformed, or two scenarios share a name. */
export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

export async function loadScenarios(dir: string = SCENARIOS_DIR): Promise<Scenario[]> {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
    .sort();
  const all: Scenario[] = [];
  const names = new Map<string, string>();
  for (const file of files) {
    const module = (await import(pathToFileURL(join(dir, file)).href)) as Partial<ScenarioModule>;
    if (!Array.isArray(module.scenarios)) throw new ScenarioError(`${file} does not export \`scenarios\``);
    for (const scenario of module.scenarios) {
      const problems = scenarioProblems(scenario);
      if (problems.length > 0) throw new ScenarioError(`${file}: ${scenario.name}: ${problems.join('; ')}`);
      const other = names.get(scenario.name);
      if (other) throw new ScenarioError(`${file}: scenario ${scenario.name} is also defined in ${other}`);
      names.set(scenario.name, file);
      all.push(scenario);
    }
  }
  return all;
}
