/**
 * Makes sure the report's browser test (packages/compare/src/report/browser.test.ts) has a
 * chromium to drive: finds one the way the test does (CHROMIUM_PATH, Debian's /usr/bin/chromium,
 * the PATH); if there is none and this is root on a Debian-like system, installs Debian's
 * `chromium` package with apt-get. Otherwise it says why the browser test will skip. It never
 * fails the run: a missing browser costs one skipped test, not the whole suite.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function findChromium() {
  const override = process.env.CHROMIUM_PATH;
  if (override) return existsSync(override) ? override : undefined;
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .flatMap((dir) => [join(dir, 'chromium'), join(dir, 'chromium-browser')]);
  return ['/usr/bin/chromium', ...onPath].find((candidate) => existsSync(candidate));
}

function run(command, args) {
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

function ensureChromium() {
  const found = findChromium();
  if (found) {
    console.log(`ensure-chromium: using ${found} for the report's browser test`);
    return;
  }
  if (process.env.CHROMIUM_PATH) {
    console.log(
      `ensure-chromium: CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist; the browser test will skip`,
    );
    return;
  }
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt || !existsSync('/etc/debian_version')) {
    const why = !hasApt || !existsSync('/etc/debian_version') ? 'this is not a Debian-like system' : 'this is not root';
    console.log(
      `ensure-chromium: no chromium found and ${why}, so it is not installed; the report's browser test will skip ` +
        '(install chromium or set CHROMIUM_PATH to run it)',
    );
    return;
  }
  console.log('ensure-chromium: no chromium found; installing Debian\'s "chromium" package (apt-get)');
  if (run('apt-get', ['update']) && run('apt-get', ['install', '-y', 'chromium'])) {
    const installed = findChromium();
    if (installed) {
      console.log(`ensure-chromium: installed ${installed}`);
      return;
    }
  }
  console.log("ensure-chromium: installing chromium failed; the report's browser test will skip");
}

try {
  ensureChromium();
} catch (error) {
  console.log(`ensure-chromium: ${error instanceof Error ? error.message : String(error)}; the browser test will skip`);
}
