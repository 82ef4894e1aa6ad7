#!/usr/bin/env node
// Runs the pnpm version pinned in package.json's "packageManager" through npx, so that a fresh
// machine with only Node and npm needs no global install. Every argument is passed on to pnpm.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
if (typeof packageManager !== 'string' || !/^pnpm@\d+\.\d+\.\d+/.test(packageManager)) {
  console.error(`package.json: "packageManager" must pin pnpm (pnpm@X.Y.Z), found ${String(packageManager)}`);
  process.exit(2);
}
const pinned = packageManager.split('+')[0];
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const result = spawnSync(npx, ['--yes', pinned, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, npm_config_update_notifier: 'false' },
});
if (result.error) {
  console.error(`could not start ${pinned} through npx: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
