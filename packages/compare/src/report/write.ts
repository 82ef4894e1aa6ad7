/**
 * Writes the report folder: `index.html` (the self-contained HTML report) and `results.json` (the
 * results as `json.ts` serialises them). The folder is created if needed; both files are replaced.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderHtmlReport } from './html';
import { resultsToJson } from './json';
import type { CompareResults } from './results';

export interface WrittenReport {
  html: string;
  json: string;
}

/** Writes `outDir/index.html` and `outDir/results.json`; resolves to their paths. */
export async function writeReport(results: CompareResults, outDir: string): Promise<WrittenReport> {
  const html = join(outDir, 'index.html');
  const json = join(outDir, 'results.json');
  const page = await renderHtmlReport(results);
  await mkdir(outDir, { recursive: true });
  await Promise.all([writeFile(html, page), writeFile(json, resultsToJson(results))]);
  return { html, json };
}
