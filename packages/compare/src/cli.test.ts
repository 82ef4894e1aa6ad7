/**
 * `rtnlkit compare` end to end: a built-in scenario and a user's scenario file, the tables on
 * stdout, the report folder and the JSON.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cli, loadStrategyModule, StrategyModuleError } from './cli';
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

  describe('--strategy-module', () => {
    // A user's module: the global strategy's build under another name, as a user would import it.
    const globalDist = pathToFileURL(
      fileURLToPath(new URL('../../strategy-global/dist/index.js', import.meta.url)),
    ).href;
    const module = async (name: string, body: string) => {
      await mkdir(OUT, { recursive: true });
      const file = join(OUT, name);
      await writeFile(file, `import { globalStrategy } from '${globalDist}';\n${body}\n`);
      return file;
    };
    const scenario = async () => {
      await mkdir(OUT, { recursive: true });
      const file = join(OUT, 'two-dumps.mjs');
      const compareDist = pathToFileURL(fileURLToPath(new URL('../dist/index.js', import.meta.url))).href;
      await writeFile(
        file,
        `import { requests } from '${compareDist}';
export default {
  name: 'two-dumps',
  title: 'Two dumpers',
  description: 'Two clients dumping links.',
  durationMs: 10,
  classes: [{ name: 'dump', kind: 'read', tasks: 2, count: 4, request: ({ seq }) => requests.dumpLinks(seq) }],
};
`,
      );
      return file;
    };

    it("runs a module's variants after the built-in ones, or instead of them with --strategy", async () => {
      const mine = await module(
        'mine-strategies.mjs',
        `export const strategies = [{ name: 'global-again', create: () => globalStrategy({ name: 'global-again' }) }];`,
      );
      const json = join(OUT, 'modules.json');
      const common = ['--scenario', await scenario(), '--seeds', '1', '--no-report', '--no-color', '--json', json];
      const all = await runCli('compare', '--strategy-module', mine, ...common);
      expect(all.code).toBeUndefined();
      expect(all.out).toMatch(/dump +read +global-again +8 /);
      let results = parseResultsJson(await readFile(json, 'utf8'));
      expect(results.strategies).toEqual(['global', 'elided', 'elided-pernet', 'finegrained', 'global-again']);
      expect(results.scenarios[0]?.runs.map((r) => r.strategy)).toEqual(results.strategies);

      const chosen = await runCli(
        'compare',
        '--strategy-module',
        mine,
        '--strategy',
        'global-again',
        '--strategy',
        'global',
        ...common,
      );
      expect(chosen.code).toBeUndefined();
      results = parseResultsJson(await readFile(json, 'utf8'));
      expect(results.scenarios[0]?.runs.map((r) => r.strategy)).toEqual(['global-again', 'global']);

      const listed = await runCli('compare', '--list', '--strategy-module', mine);
      expect(listed.out).toMatch(/strategies: global, elided, elided-pernet, finegrained, global-again$/m);
    });

    it('takes a default export of one variant too', async () => {
      const one = await module(
        'one.mjs',
        `export default { name: 'just-one', create: () => globalStrategy({ name: 'just-one' }) };`,
      );
      const listed = await runCli('compare', '--list', '--strategy-module', one);
      expect(listed.code).toBeUndefined();
      expect(listed.out).toMatch(/strategies: .*finegrained, just-one$/m);
    });

    it('refuses a missing file, a module without variants and a name already taken, and exits 1', async () => {
      const missing = await runCli('compare', '--strategy-module', join(OUT, 'nowhere.mjs'), '--no-report');
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(/rtnlkit: strategy module .*nowhere\.mjs: no such file/);

      const empty = await module('empty.mjs', 'export const somethingElse = globalStrategy;');
      const none = await runCli('compare', '--strategy-module', empty, '--no-report');
      expect(none.code).toBe(1);
      expect(none.err).toMatch(/empty\.mjs exports no strategy variant/);

      const broken = await module('broken.mjs', `export const strategies = [{ name: 'no-factory' }];`);
      expect((await runCli('compare', '--strategy-module', broken, '--no-report')).err).toMatch(
        /exports no strategy variant/,
      );

      const clash = await module(
        'clash.mjs',
        `export const strategies = [{ name: 'global', create: () => globalStrategy() }];`,
      );
      const builtin = await runCli('compare', '--strategy-module', clash, '--no-report');
      expect(builtin.code).toBe(1);
      expect(builtin.err).toMatch(/strategy global of .*clash\.mjs has the name of a built-in strategy variant/);

      const a = await module(
        'a.mjs',
        `export const strategies = [{ name: 'twin', create: () => globalStrategy({ name: 'twin' }) }];`,
      );
      const b = await module(
        'b.mjs',
        `export const strategies = [{ name: 'twin', create: () => globalStrategy({ name: 'twin' }) }];`,
      );
      const twice = await runCli('compare', '--strategy-module', a, '--strategy-module', b, '--no-report');
      expect(twice.code).toBe(1);
      expect(twice.err).toMatch(/strategy twin of .*b\.mjs has the name of strategy module .*a\.mjs/);
    });

    it('throws a typed error from the loader', async () => {
      await expect(loadStrategyModule(join(OUT, 'nowhere.mjs'))).rejects.toBeInstanceOf(StrategyModuleError);
    });
  });

  it('says what is wrong with a bad option, and exits 1', async () => {
    expect(await runCli('compare', '--scenario', 'no-such', '--no-report')).toMatchObject({ code: 1 });
    const { err } = await runCli('compare', '--strategy', 'nope', '--no-report');
    expect(err).toMatch(/no strategy nope: global, elided/);
  });
});
