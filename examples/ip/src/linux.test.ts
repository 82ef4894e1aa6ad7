/**
 * The same ip command lines against Linux and against rtnlkit: Debian's ip(8) in a private network
 * namespace, and this client (in-process) against a netlink-server process. Each command must give
 * the same exit code and error text, and every `show` the same output, plain and -json, after the
 * normalisations below, each a difference of the model or of the machine rather than of the
 * client:
 * - MAC addresses are random on both sides: each distinct one becomes MAC1, MAC2, … in order of
 *   appearance;
 * - rtnlkit models no qdiscs (no IFLA_QDISC): ` qdisc X` and the `qdisc` key are dropped;
 * - rtnlkit models no IPv6: Linux's link-local `inet6` addresses and its IPv6 routes (which
 *   `route show table all` lists) are dropped.
 * Needs root (a network namespace, made and always deleted by scripts/bench/with-netns); skips,
 * saying why, otherwise.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canCreateNetns, withNetns } from '../../../scripts/bench/with-netns';
import { runIp } from './ip';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const ns = `rtnlkit-ipcmp-${process.pid}`;
const canNetns = canCreateNetns();

const SCRIPT: readonly string[] = [
  'link add br0 type bridge',
  'link add va type veth peer name vb',
  'link set va master br0',
  'link set va up',
  'link set br0 up',
  'link add ifb0 type ifb',
  'link set ifb0 up mtu 1400',
  'link add ifb1 type ifb',
  'link add ifb2 type ifb',
  'addr add 192.0.2.1/24 dev ifb0',
  'addr add 192.0.2.2/24 dev ifb0',
  'addr add 198.51.100.7 peer 198.51.100.8 dev ifb0',
  'addr add 203.0.113.5/24 brd + dev ifb1',
  'route add 10.9.0.0/16 via 192.0.2.254',
  'route add 10.10.0.0/16 dev ifb0 metric 100',
  'route add 10.11.0.0/16 nexthop via 192.0.2.254 dev ifb0 nexthop via 192.0.2.253 dev ifb0 weight 2',
  'route add blackhole 10.12.0.0/16',
  'route add 10.13.0.0/16 via 192.0.2.254 table 100',
  'link add br0 type bridge',
  'link set nosuch up',
  'addr add 192.0.2.1/24 dev ifb0',
  'route add 10.8.0.0/16 via 203.0.113.1',
  'route del 10.99.0.0/16',
  'link del ifb2',
  'route del 10.10.0.0/16 dev ifb0 metric 100',
];

const SHOWS: readonly string[] = [
  'link show',
  'link show dev va',
  'addr show',
  'addr show dev ifb0',
  'route show',
  'route show table local',
  'route show table 100',
  'route show table all',
];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function linux(command: string): Result {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'ip', ...command.split(' ')], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let socket = '';
async function rtnlkit(command: string): Promise<Result> {
  const out = { code: 0, stdout: '', stderr: '' };
  out.code = await runIp(['--socket', socket, ...command.split(' ')], {
    stdout: (t) => {
      out.stdout += t;
    },
    stderr: (t) => {
      out.stderr += t;
    },
  });
  return out;
}

/** The normalisations of the module comment, for text and for -json. */
function normalise(text: string, json: boolean): string {
  const macs = new Map<string, string>();
  const mac = (m: string) => {
    if (/^(ff:){5}ff$|^(00:){5}00$/.test(m)) return m;
    if (!macs.has(m)) macs.set(m, `MAC${macs.size + 1}`);
    return macs.get(m) as string;
  };
  if (json) {
    const value = JSON.parse(text) as Record<string, unknown>[];
    const ipv4 = value.filter((item) => typeof item.dst !== 'string' || !item.dst.includes(':'));
    for (const item of ipv4) {
      delete item.qdisc;
      if (Array.isArray(item.addr_info))
        item.addr_info = (item.addr_info as { family: string }[]).filter((a) => a.family !== 'inet6');
    }
    return JSON.stringify(ipv4).replace(/([0-9a-f]{2}:){5}[0-9a-f]{2}/g, mac);
  }
  return text
    .replace(/ qdisc \S+/g, '')
    .replace(/\n {4}inet6 [^\n]*\n {7}valid_lft[^\n]*/g, '')
    .replace(/^(local |multicast |broadcast )?[0-9a-f]*:[0-9a-f]*:[0-9a-f:]*(\/\d+)? [^\n]*\n/gm, '')
    .replace(/([0-9a-f]{2}:){5}[0-9a-f]{2}/g, mac);
}

const STRATEGIES = ['global', 'elided', 'elided-pernet', 'finegrained'] as const;

/** Runs the script, waits for linkwatch to settle (carrier, operstate), then every show. */
async function run(ip: (command: string) => Result | Promise<Result>): Promise<Map<string, Result>> {
  const results = new Map<string, Result>();
  for (const command of SCRIPT) results.set(command, await ip(command));
  await new Promise((r) => setTimeout(r, 1500));
  for (const show of SHOWS) for (const command of [show, `-json ${show}`]) results.set(command, await ip(command));
  return results;
}

/** A netlink-server process under `strategy`; resolves once it listens. */
async function startServer(strategy: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'examples/netlink-server/src/main.ts'), '--socket', socket, '--strategy', strategy],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('rtnlkit-server:')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the server exited (${code})`)));
  });
  return child;
}

let dir = '';
let onLinux = new Map<string, Result>();

beforeAll(async () => {
  if (!canNetns) return;
  dir = mkdtempSync(join(tmpdir(), 'rtnlkit-ipcmp-'));
  socket = join(dir, 'rtnl.sock');
  onLinux = await withNetns(ns, [], () => run(linux));
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!canNetns)('ip on rtnlkit against ip on Linux (root: a network namespace)', () => {
  it.each(STRATEGIES)(
    'under %s: every command answers alike; every show prints alike, plain and -json',
    async (strategy) => {
      const server = await startServer(strategy);
      let onRtnlkit: Map<string, Result>;
      try {
        onRtnlkit = await run(rtnlkit);
      } finally {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGTERM');
        await exited;
      }
      const differences: string[] = [];
      for (const [command, a] of onLinux) {
        const b = onRtnlkit.get(command) as Result;
        const json = command.startsWith('-json');
        const [na, nb] = [normalise(a.stdout, json), normalise(b.stdout, json)];
        if (a.code !== b.code || a.stderr !== b.stderr || na !== nb)
          differences.push(
            `${command}: Linux exit ${a.code} ${JSON.stringify(a.stderr)}\n${na}\n--- rtnlkit exit ${b.code} ${JSON.stringify(b.stderr)}\n${nb}`,
          );
      }
      console.log(
        `ip on Linux and on rtnlkit (${strategy}): ${SCRIPT.length} commands and ${SHOWS.length * 2} shows compared, ${differences.length} differences`,
      );
      expect(differences).toEqual([]);
    },
    120_000,
  );
});
