/**
 * This monitor against `ip monitor` on Linux, for the same changes: Debian's `ip monitor link
 * address route` in a private network namespace while Debian's ip makes the changes there, and
 * this monitor (a process) against a netlink-server process while the ip example makes them. The
 * two outputs must list the same notifications in the same order, after the normalisations
 * below, each a difference of the model rather than of the monitor:
 * - MAC addresses are random on both sides: each distinct one becomes MAC1, MAC2, … in order;
 * - rtnlkit models no qdiscs: ` qdisc X` is dropped;
 * - rtnlkit models no IPv6: Linux's link-local addresses and IPv6 routes are dropped.
 * The changes are spaced (longer after a carrier change, which Linux announces from linkwatch up
 *  to a second later) so that both sides have settled before the next one. Needs root (a network
 * namespace, made and always deleted by scripts/bench/with-netns).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { canCreateNetns, withNetns } from '../../../scripts/bench/with-netns';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const ns = `rtnlkit-moncmp-${process.pid}`;

const canNetns = canCreateNetns();
const dir = mkdtempSync(join(tmpdir(), 'rtnlkit-moncmp-'));
const socket = join(dir, 'rtnl.sock');
const children = new Set<ChildProcess>();

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** The changes, and how long to let each settle (ms). */
const CHANGES: readonly [string, number][] = [
  ['link add ifb0 type ifb', 400],
  ['link set ifb0 up', 2000],
  ['addr add 192.0.2.1/24 dev ifb0', 400],
  ['addr add 192.0.2.2/24 dev ifb0', 400],
  ['route add 10.9.0.0/16 via 192.0.2.254', 400],
  ['route del 10.9.0.0/16', 400],
  ['link add va type veth peer name vb', 400],
  ['link set va up', 2000],
  ['link set vb up', 2000],
  ['link set va mtu 1400', 400],
  ['addr del 192.0.2.1/24 dev ifb0', 400],
  ['link set ifb0 down', 2000],
  ['link del ifb0', 600],
  ['link del va', 600],
];

function start(command: string, args: string[], out: { text: string }): ChildProcess {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.stdout?.on('data', (d: Buffer) => {
    out.text += d.toString();
  });
  child.on('exit', () => children.delete(child));
  return child;
}

const example = (name: string) =>
  [process.execPath, ['--import', 'tsx', join(root, 'examples', name, 'src', 'main.ts')]] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** The notifications as entries (a line and its indented continuation), normalised. */
function entries(text: string): string[] {
  const list: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (/^\s/.test(line) && list.length > 0) list[list.length - 1] += `\n${line}`;
    else list.push(line);
  }
  const macs = new Map<string, string>();
  return list
    .filter(
      (e) =>
        !/ inet6 /.test(e) &&
        !/^(Deleted )?(local |multicast |broadcast |anycast )?[0-9a-f]*:[0-9a-f]*:[0-9a-f:]*(\/\d+)? /.test(e),
    )
    .map((e) =>
      e.replace(/ qdisc \S+/g, '').replace(/([0-9a-f]{2}:){5}[0-9a-f]{2}/g, (m) => {
        if (/^(ff:){5}ff$|^(00:){5}00$/.test(m)) return m;
        if (!macs.has(m)) macs.set(m, `MAC${macs.size + 1}`);
        return macs.get(m) as string;
      }),
    );
}

describe.skipIf(!canNetns)('this monitor against ip monitor on Linux (root: a network namespace)', () => {
  it('prints the same notifications in the same order for the same changes', async () => {
    // Linux.
    const onLinux = { text: '' };
    await withNetns(ns, [], async () => {
      const linuxMonitor = start('ip', ['netns', 'exec', ns, 'ip', 'monitor', 'link', 'address', 'route'], onLinux);
      await sleep(500);
      for (const [change, settle] of CHANGES) {
        expect(spawnSync('ip', ['netns', 'exec', ns, 'ip', ...change.split(' ')]).status, change).toBe(0);
        await sleep(settle);
      }
      await stop(linuxMonitor);
    });

    // rtnlkit.
    const [node, serverArgs] = example('netlink-server');
    const serverOut = { text: '' };
    const server = start(node, [...serverArgs, '--socket', socket], serverOut);
    while (!serverOut.text.includes('rtnlkit-server:')) await sleep(50);
    const onRtnlkit = { text: '' };
    const [, monitorArgs] = example('monitor');
    const monitor = start(node, [...monitorArgs, '--socket', socket], onRtnlkit);
    let monitorReady = '';
    monitor.stderr?.on('data', (d: Buffer) => {
      monitorReady += d.toString();
    });
    while (!monitorReady.includes('listening')) await sleep(50);
    const [, ipArgs] = example('ip');
    for (const [change, settle] of CHANGES) {
      const ip = spawnSync(node, [...ipArgs, '--socket', socket, ...change.split(' ')], { cwd: root });
      expect(ip.status, `${change}: ${ip.stderr}`).toBe(0);
      await sleep(settle);
    }
    await stop(monitor);
    await stop(server);

    const [a, b] = [entries(onLinux.text), entries(onRtnlkit.text)];
    console.log(
      `ip monitor on Linux and this monitor on rtnlkit: ${CHANGES.length} changes, ${a.length} and ${b.length} notifications after normalising`,
    );
    expect(b).toEqual(a);
  }, 120_000);
});
