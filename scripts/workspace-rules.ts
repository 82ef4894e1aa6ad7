/**
 * The workspace's rules, as code: how every published package is laid out, and which way
 * dependencies point (DESIGN.md: strategies and subsystems depend on core; compare depends on all;
 * nothing depends on compare or examples; a strategy never imports a subsystem and a subsystem
 * never imports a strategy). `workspace.test.ts` holds the real tree to them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface WorkspacePackage {
  /** Folder relative to the workspace root, e.g. `packages/core`. */
  dir: string;
  manifest: Record<string, unknown>;
  /** `@rtnlkit/*` specifiers imported by the package's sources, with the file that imports each. */
  imports: { specifier: string; file: string }[];
}

const SCOPE = '@rtnlkit/';
const EXAMPLE_SCOPE = '@rtnlkit-example/';

/** What each kind of package may depend on inside the workspace. */
function allowedDependencies(name: string): (dep: string) => boolean {
  if (name === `${SCOPE}core`) return () => false;
  if (name.startsWith(`${SCOPE}strategy-`) || name === `${SCOPE}subsystems`) return (dep) => dep === `${SCOPE}core`;
  if (name === `${SCOPE}compare`) return (dep) => dep.startsWith(SCOPE) && dep !== name;
  if (name.startsWith(EXAMPLE_SCOPE)) return (dep) => dep.startsWith(SCOPE) && dep !== `${SCOPE}compare`;
  return () => false;
}

function workspaceDependencies(manifest: Record<string, unknown>): string[] {
  const names = new Set<string>();
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    const deps = manifest[field];
    if (deps && typeof deps === 'object') {
      for (const dep of Object.keys(deps)) {
        if (dep.startsWith(SCOPE) || dep.startsWith(EXAMPLE_SCOPE)) names.add(dep);
      }
    }
  }
  return [...names];
}

/** The package a specifier such as `@rtnlkit/core/testing` belongs to. */
export function packageOf(specifier: string): string {
  const [scope, name] = specifier.split('/');
  return `${scope}/${name}`;
}

/** Every violation of the dependency direction, one readable line each; empty when all is well. */
export function dependencyViolations(packages: readonly WorkspacePackage[]): string[] {
  const problems: string[] = [];
  for (const pkg of packages) {
    const name = String(pkg.manifest.name);
    const allowed = allowedDependencies(name);
    const declared = workspaceDependencies(pkg.manifest);
    for (const dep of declared) {
      if (!allowed(dep)) problems.push(`${name} must not depend on ${dep}`);
    }
    for (const { specifier, file } of pkg.imports) {
      const target = packageOf(specifier);
      if (target === name) {
        problems.push(`${file} imports its own package by name (${specifier}); use a relative import`);
      } else if (!allowed(target)) {
        problems.push(`${file} must not import ${specifier}`);
      } else if (!declared.includes(target)) {
        problems.push(`${file} imports ${specifier} but ${name} does not declare ${target}`);
      }
    }
  }
  return problems;
}

type ExportTarget = string | { [condition: string]: ExportTarget };

/** Every way a published package's manifest departs from the house layout; empty when it conforms. */
export function manifestViolations(dir: string, manifest: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const folder = dir.split('/').pop();
  const expect = (ok: boolean, message: string) => {
    if (!ok) problems.push(`${dir}: ${message}`);
  };
  expect(manifest.name === `${SCOPE}${folder}`, `name must be ${SCOPE}${folder}`);
  expect(manifest.type === 'module', 'type must be "module"');
  expect(manifest.sideEffects === false, 'sideEffects must be false');
  expect(JSON.stringify(manifest.files) === '["dist"]', 'files must be ["dist"]');
  const engines = manifest.engines as { node?: unknown } | undefined;
  expect(engines?.node === '>=20', 'engines.node must be ">=20"');
  const exports = manifest.exports as Record<string, ExportTarget> | undefined;
  expect(exports !== undefined && typeof exports === 'object', 'exports must be an object');
  if (exports && typeof exports === 'object') {
    expect(exports['./package.json'] === './package.json', 'exports must expose "./package.json"');
    expect('.' in exports, 'exports must have "."');
    for (const [subpath, target] of Object.entries(exports)) {
      if (subpath === './package.json') continue;
      for (const condition of ['import', 'require'] as const) {
        const branch = typeof target === 'object' ? target[condition] : undefined;
        if (!branch || typeof branch !== 'object') {
          problems.push(`${dir}: exports["${subpath}"] must have an "${condition}" branch`);
          continue;
        }
        const keys = Object.keys(branch);
        expect(keys[0] === 'types', `exports["${subpath}"].${condition} must list "types" first`);
        expect(keys.at(-1) === 'default', `exports["${subpath}"].${condition} must end with "default"`);
      }
    }
  }
  const scripts = manifest.scripts as Record<string, string> | undefined;
  expect(typeof scripts?.build === 'string', 'needs a "build" script');
  expect(typeof scripts?.['check:package'] === 'string', 'needs a "check:package" script (publint + attw)');
  return problems;
}

const IMPORT =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](@rtnlkit(?:-example)?\/[^'"]+)['"]/gm;

/** Block comments and whole-line `//` comments: examples in doc comments are not imports. */
const COMMENTS = /\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm;

/** The `@rtnlkit/*` specifiers a source text imports (comments ignored). */
export function importedSpecifiers(source: string): string[] {
  return [...source.replace(COMMENTS, '').matchAll(IMPORT)].map((match) => match[1] as string);
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const files: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (/\.(?:[cm]?ts|[cm]?js|tsx)$/.test(entry)) files.push(path);
  }
  return files;
}

/** Reads every workspace package (packages/* and examples/*) below `root`. */
export function readWorkspace(root: string): WorkspacePackage[] {
  const packages: WorkspacePackage[] = [];
  for (const group of ['packages', 'examples']) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const entry of readdirSync(groupDir).sort()) {
      const manifestPath = join(groupDir, entry, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
      const imports = sourceFiles(join(groupDir, entry, 'src')).flatMap((file) =>
        importedSpecifiers(readFileSync(file, 'utf8')).map((specifier) => ({
          specifier,
          file: relative(root, file),
        })),
      );
      packages.push({ dir: `${group}/${entry}`, manifest, imports });
    }
  }
  return packages;
}
