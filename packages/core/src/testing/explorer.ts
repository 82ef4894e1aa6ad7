/**
 * The schedule explorer: runs one workload on the virtual clock under many seeds (each seed
 * reorders the events due at the same instant, and draws the workload's own random choices),
 * checks invariants after each run, and names the failing seeds so that each replays exactly.
 */

export interface ExploreOptions {
  /** How many seeds to try, from `firstSeed` up. */
  seeds: number;
  firstSeed?: number;
  /** One run under `seed`: resolves with the invariants it found broken (empty when all held). */
  run(seed: number): Promise<string[]>;
  /** Stop at the first failing seed (default false: explore them all). */
  stopAtFirst?: boolean;
}

export interface ExploreFailure {
  seed: number;
  violations: string[];
}

export interface ExploreResult {
  runs: number;
  failures: ExploreFailure[];
}

export async function exploreSchedules(options: ExploreOptions): Promise<ExploreResult> {
  const first = options.firstSeed ?? 1;
  const failures: ExploreFailure[] = [];
  let runs = 0;
  for (let seed = first; seed < first + options.seeds; seed++) {
    runs += 1;
    let violations: string[];
    try {
      violations = await options.run(seed);
    } catch (error) {
      violations = [`run threw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`];
    }
    if (violations.length > 0) {
      failures.push({ seed, violations });
      if (options.stopAtFirst) break;
    }
  }
  return { runs, failures };
}

/** A report naming each failing seed and its first violations, and how to replay one. */
export function formatExploreResult(name: string, result: ExploreResult): string {
  if (result.failures.length === 0) return `${name}: ${result.runs} seeds, no violation`;
  const lines = [`${name}: ${result.failures.length} of ${result.runs} seeds broke an invariant`];
  for (const failure of result.failures.slice(0, 10)) {
    lines.push(`  seed ${failure.seed}: ${failure.violations.slice(0, 3).join('; ')}`);
  }
  if (result.failures.length > 10) lines.push(`  … and ${result.failures.length - 10} more`);
  lines.push(`  replay one with run(${result.failures[0]?.seed}) — the same seed gives the same schedule`);
  return lines.join('\n');
}
