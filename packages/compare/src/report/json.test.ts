import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticResults } from './fixture';
import { parseResultsJson, resultsToJson } from './json';
import { writeReport } from './write';

describe('results.json', () => {
  const results = syntheticResults();

  it('writes an infinite ratio as null and reads it back as Infinity', () => {
    const text = resultsToJson(results);
    expect(text).toContain('"p99Ratio": null');
    expect(text).not.toMatch(/Infinity|NaN/);
    expect(text.endsWith('}\n')).toBe(true);
    const back = parseResultsJson(text);
    expect(back).toEqual(results);
    const ratios = back.scenarios.flatMap((s) => s.runs.flatMap((run) => run.classes.map((cls) => cls.p99Ratio)));
    expect(ratios).toContain(Number.POSITIVE_INFINITY);
  });

  it('writeReport writes index.html and a results.json that round-trips', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtnlkit-report-'));
    try {
      const written = await writeReport(results, join(dir, 'nested', 'report'));
      expect(written.html).toBe(join(dir, 'nested', 'report', 'index.html'));
      expect((await readFile(written.html, 'utf8')).startsWith('<!doctype html>')).toBe(true);
      expect(parseResultsJson(await readFile(written.json, 'utf8'))).toEqual(results);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
