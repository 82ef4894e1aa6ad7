/**
 * `rtnlkit compare` end to end: a built-in scenario and a user's scenario file, the tables on
 * stdout, the report folder and the JSON.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cli } from './cli';
import { parseResultsJson } from './report/json';

const OUT = fileURLToPath(new URL('../test-output/cli/', import.meta.url));

async function runCli(...args: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  process.exitCode = undefined;
  try {
    await cli(['node', 'rtnlkit', ...args]);
    return { out: out.join('\n'), err: err.join('\n'), code: process.exitCode as number | undefined };
  } finally {
    log.mockRestore();
    error.mockRestore();
    stderr.mockRestore();
    process.exitCode = undefined;
  }
}

afterAll(() => rm(OUT, { recursive: true, force: true }));

describe('rtnlkit compare', () => {
  it('runs a built-in scenario under every strategy and its naive variant: tables, report, JSON', async () => {
    const dir = join(OUT, 'abba');
    const json = join(OUT, 'abba.json');
    const { out, code } = await runCli(
      'compare',
      '--scenario',
      'abba-fib-mutex',
      '--seeds',
      '1',
      '--out',
      dir,
      '--json',
      json,
      '--no-color',
    );
    expect(code).toBeUndefined();
    expect(out).toMatch(/abba-fib-mutex: The ABBA trap/);
    for (const name of ['global', 'elided', 'elided-pernet', 'finegrained', 'naive-fib-mutex'])
      expect(out).toContain(name);
    expect(out).toMatch(/deadlock/);
    const results = parseResultsJson(await readFile(json, 'utf8'));
    expect(results.scenarios.map((s) => s.name)).toEqual(['abba-fib-mutex']);
    expect(results.scenarios[0]?.runs.map((r) => r.strategy)).toEqual([
      'global',
      'elided',
      'elided-pernet',
      'finegrained',
      'naive-fib-mutex',
    ]);
    expect(await readFile(join(dir, 'index.html'), 'utf8')).toMatch(/<svg/);
  });

  it("runs a user's scenario file with the strategies asked for", async () => {
    await mkdir(OUT, { recursive: true });
    const file = join(OUT, 'mine.mjs');
    await writeFile(
      file,
      // The package as a user's file gets it (its built entry; the test runs after the build).
      `import { requests } from '${pathToFileURL(fileURLToPath(new URL('../dist/index.js', import.meta.url))).href}';
export default {
  name: 'mine',
  title: 'Dumps alone',
  description: 'A user scenario: one client dumping links.',
  durationMs: 10,
  classes: [{ name: 'dump', kind: 'read', count: 5, request: ({ seq }) => requests.dumpLinks(seq) }],
};
`,
    );
    const { out, code } = await runCli(
      'compare',
      '--scenario',
      file,
      '--strategy',
      'global',
      '--seeds',
      '2',
      '--no-report',
      '--no-color',
    );
    expect(code).toBeUndefined();
    expect(out).toMatch(/mine: Dumps alone/);
    expect(out).toMatch(/dump +read +global +10 /); // 5 requests × 2 seeds
  });

  it('says what is wrong with a bad option, and exits 1', async () => {
    expect(await runCli('compare', '--scenario', 'no-such', '--no-report')).toMatchObject({ code: 1 });
    const { err } = await runCli('compare', '--strategy', 'nope', '--no-report');
    expect(err).toMatch(/no strategy nope: global, elided/);
  });
});
