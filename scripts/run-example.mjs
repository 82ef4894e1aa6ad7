#!/usr/bin/env node
// Runs an example from its sources: `node scripts/run-example.mjs NAME [ARGS...]` runs
// examples/NAME/src/main.ts with tsx from the repository root, where tsconfig.json maps every
// @rtnlkit/* import to its package's sources, so nothing needs building. On a fresh clone it
// installs first (the pinned pnpm, frozen lockfile). Signals reach the example, and its exit code
// is this script's.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [name, ...args] = process.argv.slice(2);
const main = name && join(root, 'examples', name, 'src', 'main.ts');
if (!main || !existsSync(main)) {
  console.error(
    `usage: node scripts/run-example.mjs NAME [ARGS...]: no example ${name ?? ''} (examples/NAME/src/main.ts)`,
  );
  process.exit(2);
}
if (!existsSync(join(root, 'node_modules', 'tsx')) || !existsSync(join(root, 'examples', name, 'node_modules'))) {
  const install = spawnSync(process.execPath, [join(root, 'scripts', 'pnpm.mjs'), 'install', '--frozen-lockfile'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (install.status !== 0) process.exit(install.status ?? 1);
}
const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
