/**
 * Captures real kernel rtnetlink bytes as fixtures for the wire codec's round-trip tests:
 * `packages/core/src/wire/fixtures/kernel-<scenario>.json`. Needs root (a private network
 * namespace is created, configured and always deleted again).
 *
 *   node_modules/.bin/tsx scripts/capture-kernel-fixtures.ts
 *
 * The requests are hand-encoded and sent on netlink@0.3.0's raw socket from inside the namespace
 * (`capture-kernel-fixtures-child.ts`); nothing on the way parses or re-encodes the replies.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { walkDatagram } from './bench/nlmsg';
import { canCreateNetns, runInNetns, withNetns } from './bench/with-netns';
import type { CapturedScenario, CaptureOutput } from './capture-kernel-fixtures-child';

const root = fileURLToPath(new URL('..', import.meta.url));
const child = fileURLToPath(new URL('./capture-kernel-fixtures-child.ts', import.meta.url));
const fixturesDir = join(root, 'packages/core/src/wire/fixtures');

/** The namespace's configuration, as `ip` commands run inside it (recorded in every fixture). */
const SETUP = [
  'link set lo up',
  'link add veth0 type veth peer name veth1',
  'link set veth0 up',
  'link set veth1 up',
  'link add br0 type bridge',
  'link add ifb0 type ifb',
  'addr add 192.0.2.1/24 dev veth0',
  'route add 198.51.100.0/24 via 192.0.2.2',
];

/** The child's output is missing something, or a datagram fails the length walk. */
class FixtureError extends Error {
  override name = 'FixtureError';
}

function parseOutput(stdout: string): CaptureOutput {
  const output = JSON.parse(stdout) as CaptureOutput;
  if (!Array.isArray(output.scenarios) || output.scenarios.length === 0) {
    throw new FixtureError('the capture child reported no scenarios');
  }
  return output;
}

/** Every reply datagram must split exactly into whole nlmsghdr-framed messages. */
function check(scenario: CapturedScenario): void {
  if (scenario.replies.length === 0) throw new FixtureError(`${scenario.scenario}: no replies`);
  walkDatagram(Buffer.from(scenario.request, 'hex'));
  scenario.replies.forEach((hex, i) => {
    try {
      walkDatagram(Buffer.from(hex, 'hex'));
    } catch (error) {
      throw new FixtureError(`${scenario.scenario}: reply ${i}: ${(error as Error).message}`);
    }
  });
}

// Biome formats JSON too (lint fails otherwise): an array goes on one line when that line fits
// in 120 columns, else one item per line. Writing it that way keeps re-captures lint-clean.
const LINE_WIDTH = 120;

function formatFixture(fixture: Record<string, string | readonly string[]>): string {
  const entries = Object.entries(fixture);
  const lines = entries.map(([key, value], i) => {
    const comma = i < entries.length - 1 ? ',' : '';
    const head = `  ${JSON.stringify(key)}: `;
    if (typeof value === 'string') return `${head}${JSON.stringify(value)}${comma}`;
    const inline = `${head}[${value.map((item) => JSON.stringify(item)).join(', ')}]${comma}`;
    if (inline.length <= LINE_WIDTH) return inline;
    const items = value.map((item, j) => `    ${JSON.stringify(item)}${j < value.length - 1 ? ',' : ''}`);
    return [`${head}[`, ...items, `  ]${comma}`].join('\n');
  });
  return `{\n${lines.join('\n')}\n}\n`;
}

function writeFixture(scenario: CapturedScenario, output: CaptureOutput, captured: string): string {
  // Key order is fixed by this literal; Object.entries keeps it.
  const fixture = {
    scenario: scenario.scenario,
    kernel: release(),
    captured,
    setup: SETUP.map((command) => `ip ${command}`),
    socketOptions: output.socketOptions,
    request: scenario.request,
    replies: scenario.replies,
  };
  const path = join(fixturesDir, `kernel-${scenario.scenario}.json`);
  writeFileSync(path, formatFixture(fixture));
  return path;
}

async function main(): Promise<void> {
  if (!canCreateNetns()) {
    throw new FixtureError('cannot create network namespaces here (needs Linux, root and iproute2)');
  }
  const ns = `rtnlkit-fx-${process.pid}`;
  const output = await withNetns(ns, SETUP, async (name) =>
    parseOutput((await runInNetns(name, [process.execPath, '--import', 'tsx', child], root)).stdout),
  );
  output.scenarios.forEach(check);
  mkdirSync(fixturesDir, { recursive: true });
  const captured = new Date().toISOString();
  for (const scenario of output.scenarios) {
    const path = writeFixture(scenario, output, captured);
    console.log(`${path.slice(root.length)}: ${scenario.replies.length} datagram(s)`);
  }
}

await main();
