import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { read as readChangesetConfig } from '@changesets/config';
import { describe, expect, it } from 'vitest';
import {
  dependencyViolations,
  importedSpecifiers,
  manifestViolations,
  readWorkspace,
  type WorkspacePackage,
} from './workspace-rules';

const root = fileURLToPath(new URL('..', import.meta.url));
const workspace = readWorkspace(root);
const published = workspace.filter((pkg) => pkg.dir.startsWith('packages/'));
const readJson = (path: string) => JSON.parse(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8'));

const pkg = (name: string, deps: string[] = [], imports: string[] = []): WorkspacePackage => ({
  dir: `packages/${name.split('/')[1]}`,
  manifest: { name, dependencies: Object.fromEntries(deps.map((dep) => [dep, 'workspace:*'])) },
  imports: imports.map((specifier) => ({ specifier, file: `${name}/src/index.ts` })),
});

describe('the workspace', () => {
  it('has the six packages DESIGN.md names', () => {
    expect(published.map((p) => p.manifest.name).sort()).toEqual([
      '@rtnlkit/compare',
      '@rtnlkit/core',
      '@rtnlkit/strategy-elided',
      '@rtnlkit/strategy-finegrained',
      '@rtnlkit/strategy-global',
      '@rtnlkit/subsystems',
    ]);
  });

  it.each(published.map((p) => [p.dir, p] as const))('%s follows the package layout', (dir, p) => {
    expect(manifestViolations(dir, p.manifest)).toEqual([]);
    expect(existsSync(new URL(`../${dir}/tsup.config.ts`, import.meta.url))).toBe(true);
    expect(readJson(`${dir}/tsconfig.json`).extends).toBe('../../tsconfig.base.json');
  });

  it('points every dependency the way DESIGN.md allows', () => {
    expect(dependencyViolations(workspace)).toEqual([]);
  });

  it('versions every published package together and ignores the examples', async () => {
    // read() validates the file against the workspace, as `changeset version` would.
    const config = await readChangesetConfig(root);
    expect(config.fixed).toEqual([published.map((p) => p.manifest.name).sort()]);
    for (const example of workspace.filter((p) => p.dir.startsWith('examples/'))) {
      expect(String(example.manifest.name)).toMatch(/^@rtnlkit-example\//);
      expect(example.manifest.private).toBe(true);
      expect(config.ignore).toContain(example.manifest.name);
    }
  });

  it('has one strict base tsconfig', () => {
    const { compilerOptions } = readJson('tsconfig.base.json');
    expect(compilerOptions).toMatchObject({ strict: true, noUncheckedIndexedAccess: true, verbatimModuleSyntax: true });
  });

  it('bootstraps the pinned pnpm from npm test, and CI runs exactly npm test', () => {
    const manifest = readJson('package.json');
    expect(manifest.packageManager).toMatch(/^pnpm@\d+\.\d+\.\d+$/);
    expect(manifest.scripts.test).toBe('node scripts/pnpm.mjs run ci');
    expect(manifest.scripts.ci).toContain('install --frozen-lockfile');
    const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
    expect(ci).toContain('set -euo pipefail');
    expect(ci.trim().split('\n').at(-1)).toBe('npm test');
    expect(readFileSync(new URL('../README.md', import.meta.url), 'utf8')).toContain('`npm test`');
  });
});

describe('dependencyViolations', () => {
  it('accepts the allowed directions', () => {
    expect(
      dependencyViolations([
        pkg('@rtnlkit/core'),
        pkg('@rtnlkit/strategy-global', ['@rtnlkit/core'], ['@rtnlkit/core', '@rtnlkit/core/testing']),
        pkg('@rtnlkit/compare', ['@rtnlkit/core', '@rtnlkit/subsystems'], ['@rtnlkit/subsystems']),
      ]),
    ).toEqual([]);
  });

  it('refuses a strategy that depends on a subsystem, and the reverse', () => {
    expect(
      dependencyViolations([
        pkg('@rtnlkit/strategy-elided', ['@rtnlkit/subsystems']),
        pkg('@rtnlkit/subsystems', ['@rtnlkit/core'], ['@rtnlkit/strategy-global']),
      ]),
    ).toEqual([
      '@rtnlkit/strategy-elided must not depend on @rtnlkit/subsystems',
      '@rtnlkit/subsystems/src/index.ts must not import @rtnlkit/strategy-global',
    ]);
  });

  it('refuses anything that depends on compare, and core depending on anything', () => {
    expect(
      dependencyViolations([
        pkg('@rtnlkit/core', ['@rtnlkit/compare']),
        pkg('@rtnlkit-example/ip', ['@rtnlkit/compare']),
      ]),
    ).toEqual([
      '@rtnlkit/core must not depend on @rtnlkit/compare',
      '@rtnlkit-example/ip must not depend on @rtnlkit/compare',
    ]);
  });

  it('refuses an import of a package that is not declared', () => {
    expect(dependencyViolations([pkg('@rtnlkit/compare', [], ['@rtnlkit/core'])])).toEqual([
      '@rtnlkit/compare/src/index.ts imports @rtnlkit/core but @rtnlkit/compare does not declare @rtnlkit/core',
    ]);
  });
});

describe('importedSpecifiers', () => {
  it('finds static, type-only, side-effect, dynamic and require imports', () => {
    const source = [
      "import { a } from '@rtnlkit/core';",
      'import type { B } from "@rtnlkit/core/testing";',
      "import '@rtnlkit/subsystems';",
      "const c = await import('@rtnlkit/strategy-global');",
      "const d = require('@rtnlkit/compare');",
      "export * from '@rtnlkit/strategy-elided';",
      "const text = 'not an import of @rtnlkit/core';",
      "/** Example: import { Rtnetlink } from '@rtnlkit/core/testing'; */",
      "// import { x } from '@rtnlkit/compare';",
    ].join('\n');
    expect(importedSpecifiers(source)).toEqual([
      '@rtnlkit/core',
      '@rtnlkit/core/testing',
      '@rtnlkit/subsystems',
      '@rtnlkit/strategy-global',
      '@rtnlkit/compare',
      '@rtnlkit/strategy-elided',
    ]);
  });
});

describe('manifestViolations', () => {
  it('names each departure from the layout', () => {
    const problems = manifestViolations('packages/core', {
      name: '@rtnlkit/core',
      type: 'module',
      sideEffects: true,
      files: ['dist', 'src'],
      engines: { node: '>=18' },
      exports: { '.': { import: { default: './dist/index.js', types: './dist/index.d.ts' } } },
      scripts: { build: 'tsup' },
    });
    expect(problems).toEqual([
      'packages/core: sideEffects must be false',
      'packages/core: files must be ["dist"]',
      'packages/core: engines.node must be ">=20"',
      'packages/core: exports must expose "./package.json"',
      'packages/core: exports["."].import must list "types" first',
      'packages/core: exports["."].import must end with "default"',
      'packages/core: exports["."] must have an "require" branch',
      'packages/core: needs a "check:package" script (publint + attw)',
    ]);
  });
});
