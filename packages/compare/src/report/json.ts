/**
 * The results file (`results.json`). JSON has no Infinity nor NaN: a p99 ratio whose uncontended
 * p99 was 0 is Infinity in memory and `null` in the file, and {@link parseResultsJson} turns that
 * `null` back into Infinity. Any other non-finite number (none is expected) is written as `null`
 * too, as `JSON.stringify` itself would.
 */
import type { CompareResults } from './results';

/** Pretty JSON (two-space indent, final newline) with non-finite numbers written as `null`. */
export function resultsToJson(results: CompareResults): string {
  const text = JSON.stringify(
    results,
    (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value),
    2,
  );
  return `${text}\n`;
}

/** Reads a results file back; `p99Ratio: null` becomes Infinity again. */
export function parseResultsJson(text: string): CompareResults {
  const results = JSON.parse(text) as CompareResults;
  for (const scenario of results.scenarios) {
    for (const run of scenario.runs) {
      for (const cls of run.classes) {
        if ((cls.p99Ratio as number | null) === null) cls.p99Ratio = Number.POSITIVE_INFINITY;
      }
    }
  }
  return results;
}
