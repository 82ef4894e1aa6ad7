/**
 * Test support for iproute.test.ts: a private network namespace with links, addresses and routes
 * made by the real `ip`, what `ip` prints about it, and the raw messages the kernel there sends
 * (through kernel.child.ts). Linux and root only; see {@link canCreateNetns}.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export { canCreateNetns } from '../../../../scripts/bench/with-netns';

const CHILD = fileURLToPath(new URL('./kernel.child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Runs `ip ARGS...` (throws with its stderr when it fails) and returns its stdout. */
export function ip(args: readonly string[]): string {
  const run = spawnSync('ip', args, { encoding: 'utf8' });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`ip ${args.join(' ')} failed (exit ${run.status}): ${run.stderr.trim()}`);
  return run.stdout;
}

/** Runs `ip -n NS ARGS...`. */
export function ipIn(ns: string, command: string): string {
  return ip(['-n', ns, ...command.trim().split(/\s+/)]);
}

/**
 * `ip netns add NS`; IPv6 is switched off in it (unless `ipv6`) so that nothing changes behind
 * the test's back (DAD, autoconfiguration); with `ipv6`, SETUP6 avoids both instead.
 */
export function createNetns(ns: string, ipv6 = false): void {
  ip(['netns', 'add', ns]);
  // The test's afterAll deletes it; this is the last resort when the process ends without it.
  process.once('exit', () => deleteNetns(ns));
  if (ipv6) return;
  ip(['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']);
  ip(['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.default.disable_ipv6=1']);
}

/** `ip netns delete NS` if it exists; returns whether it is gone. */
export function deleteNetns(ns: string): boolean {
  if (netnsExists(ns)) spawnSync('ip', ['netns', 'delete', ns]);
  return !netnsExists(ns);
}

export function netnsExists(ns: string): boolean {
  return ip(['netns', 'list'])
    .split('\n')
    .some((l) => l.split(' ')[0] === ns);
}

/** The messages of a `kernel.child.ts dump` run, by kind. */
export interface KernelDump {
  links: Uint8Array[];
  /** The AF_INET6 link dump (what `ip -6 address show` prints links from). */
  links6: Uint8Array[];
  addrs: Uint8Array[];
  routes: Uint8Array[];
  /** The answer to `ip route get ADDRESS`, by ADDRESS. */
  gets: Map<string, Uint8Array>;
}

function childArgs(ns: string, args: readonly string[]): string[] {
  return ['netns', 'exec', ns, process.execPath, '--import', 'tsx', CHILD, ...args];
}

/** Dumps links, addresses and IPv4 routes inside `ns`, and asks for the route to each of `gets`. */
export function kernelDump(ns: string, gets: readonly string[]): KernelDump {
  const run = spawnSync('ip', childArgs(ns, ['dump', ...gets]), { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(`kernel.child.ts dump failed (${run.status ?? run.signal}): ${run.stderr}`);
  const lines = run.stdout.trim().split('\n');
  if (lines[lines.length - 1] !== 'END') throw new Error(`kernel.child.ts dump did not finish: ${run.stdout}`);
  const out: KernelDump = { links: [], links6: [], addrs: [], routes: [], gets: new Map() };
  for (const l of lines) {
    const [kind, a, b] = l.split(' ');
    if (kind === 'L') out.links.push(hex(a));
    else if (kind === 'L6') out.links6.push(hex(a));
    else if (kind === 'A') out.addrs.push(hex(a));
    else if (kind === 'R') out.routes.push(hex(a));
    else if (kind === 'G') out.gets.set(a as string, hex(b));
  }
  return out;
}

function hex(text: string | undefined): Uint8Array {
  return new Uint8Array(Buffer.from(text ?? '', 'hex'));
}

/** A long-running process whose stdout lines are collected. */
export class Collector {
  readonly lines: string[] = [];
  private partial = '';
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    this.exited = new Promise((resolve) => child.on('close', () => resolve()));
  }

  /** Everything printed so far, the unfinished line included. */
  text(): string {
    return this.lines.map((l) => `${l}\n`).join('') + this.partial;
  }

  /** Resolves once a line satisfying `pred` is there (rejects after `ms`). */
  async waitFor(pred: (line: string) => boolean, ms = 10_000): Promise<void> {
    const start = Date.now();
    while (!this.lines.some(pred)) {
      if (Date.now() - start > ms) throw new Error(`timed out waiting; got:\n${this.text()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** `kernel.child.ts monitor` in `ns`: prints `L` lines, `READY`, then `N` lines until stdin closes. */
export function startKernelMonitor(ns: string): Collector {
  return new Collector(spawn('ip', childArgs(ns, ['monitor']), { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] }));
}

/** `ip monitor ARGS...` in `ns`. */
export function startIpMonitor(ns: string, args: readonly string[]): Collector {
  return new Collector(
    spawn('ip', ['netns', 'exec', ns, 'ip', 'monitor', ...args], { stdio: ['ignore', 'pipe', 'inherit'] }),
  );
}

/** The state `ip` builds (`ip -n NS` each): every link kind this kernel has but dummy and vlan. */
export const SETUP: readonly string[] = [
  'link set lo up',
  'link add br0 type bridge',
  'link add veth0 type veth peer name veth1',
  'link add veth2 type veth peer name veth3',
  'link set veth2 master br0',
  'link add ifb0 type ifb',
  'link add ifb1 type ifb',
  'link add mv0 link veth0 type macvlan mode bridge',
  'link set br0 up',
  'link set veth0 up',
  'link set veth1 up',
  'link set veth2 up',
  'link set ifb0 up',
  'link set ifb0 promisc on',
  'link set veth1 allmulticast on',
  'link set veth1 mtu 1400',
  'link set veth3 txqueuelen 0',
  'link set ifb1 alias ifb-alias',
  'addr add 10.0.0.1/24 brd + dev veth0',
  'addr add 10.0.0.2/24 dev veth0',
  'addr add 10.0.2.1/24 dev veth0 label veth0:1',
  'addr add 10.0.1.1/32 dev veth0',
  'addr add 10.9.9.1 peer 10.9.9.2/32 dev veth1',
  'addr add 192.168.50.1/24 dev br0 metric 50',
  'addr add 127.0.0.2/8 dev lo',
  'route add default via 10.0.0.254 dev veth0',
  'route add 172.16.0.0/16 dev veth1 proto static metric 100',
  'route add 172.17.0.0/16 nexthop via 10.0.0.253 dev veth0 weight 1 nexthop via 10.9.9.2 dev veth1 weight 3',
  'route add blackhole 198.51.100.0/24',
  'route add unreachable 198.51.101.0/24',
  'route add prohibit 198.51.102.0/24',
  'route add 10.20.0.0/16 via 10.0.0.254 src 10.0.0.1 dev veth0 mtu lock 1300 advmss 1200',
  'route add 10.30.0.0/16 via 10.0.0.254 dev veth0 onlink table 100',
  'route add 10.40.0.1 dev veth1 scope link proto 99',
  'route add 10.41.0.0/16 dev veth0 tos 0x10 realm 7',
];

/**
 * An IPv6 state that stays still: no link-local autoconfiguration (addrgenmode none) and no DAD
 * (nodad), so what `ip` prints and what the kernel dumps a moment later are the same.
 */
export const SETUP6: readonly string[] = [
  'link set lo up',
  'link add veth0 type veth peer name veth1',
  'link set veth0 addrgenmode none',
  'link set veth1 addrgenmode none',
  'link add br0 type bridge',
  'link set br0 addrgenmode none',
  'link set veth0 up',
  'link set veth1 up',
  'link set br0 up',
  '-6 addr add 2001:db8::1/64 dev veth0 nodad',
  '-6 addr add 2001:db8:1::1/64 dev veth1 nodad',
  '-6 addr add 2001:db8::2:1/64 dev veth0 nodad noprefixroute',
  '-6 addr add fe80::1/64 dev veth0 nodad',
  '-6 addr add 2001:db8:9::1 peer 2001:db8:9::2 dev veth1 nodad',
  'addr add 10.0.0.1/24 dev veth0',
  '-6 route add 2001:db8:5::/48 via 2001:db8::2',
  '-6 route add 2001:db8:6::/48 nexthop via 2001:db8::2 dev veth0 nexthop via 2001:db8:1::2 dev veth1 weight 2',
  '-6 route add default via 2001:db8::fe dev veth0 metric 1024 pref high',
  '-6 route add 2001:db8:7::/48 dev veth1 table 100',
  '-6 route add blackhole 2001:db8:8::/48',
  '-6 route add 2001:db8:a::/48 via 2001:db8::2 mtu 1400 hoplimit 10',
];

/** IPv6 destinations for `ip route get`. */
export const GETS6: readonly string[] = ['2001:db8:5::1', '2001:db8::1', '2001:db8:6::1', '2001:db8:ffff::1'];

/** Destinations for `ip route get`: connected, local, broadcast, multipath, default, loopback. */
export const GETS: readonly string[] = ['10.0.0.5', '10.0.0.1', '10.0.0.255', '172.17.1.1', '8.8.8.8', '127.0.0.1'];

/** What the monitor phase changes (after SETUP), ending with ifb7's RTM_DELLINK. */
export const MONITOR_CHANGES: readonly string[] = [
  'link add veth8 type veth peer name veth9',
  'link set veth8 up',
  'link set veth9 up',
  'addr add 10.50.0.1/24 dev veth8',
  'addr add 10.50.0.9/24 dev veth8',
  'route add 10.60.0.0/16 via 10.50.0.2 proto static',
  'route add 10.61.0.0/16 nexthop via 10.50.0.2 dev veth8 nexthop via 10.0.0.254 dev veth0',
  'route del 10.60.0.0/16',
  'link set veth8 master br0',
  'link set veth8 nomaster',
  'addr del 10.50.0.1/24 dev veth8',
  'link set veth9 down',
  'link del veth8',
  'link add ifb7 type ifb',
  'link del ifb7',
];

/** The `ip` commands (after `ip -n NS`) whose output the printers must reproduce in SETUP's namespace. */
export const SHOW_COMMANDS: readonly string[] = [
  'link show',
  'address show',
  'route show',
  'route show table local',
  'route show table 100',
  '-4 route show table all',
  ...GETS.map((a) => `route get ${a}`),
];

/** The same for SETUP6's namespace. */
export const SHOW_COMMANDS6: readonly string[] = [
  'address show',
  '-4 address show',
  '-6 address show',
  '-6 route show',
  '-6 route show table local',
  '-6 route show table 100',
  '-6 route show table all',
  'route show table all',
  ...GETS6.map((a) => `route get ${a}`),
];

/** One `ip monitor link address route` session and what a netlink socket saw meanwhile. */
export interface MonitorCapture {
  /** The link dump the session started from (the names `ip monitor` reads first). */
  links: Uint8Array[];
  /** Every notification of RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV4_ROUTE, in order. */
  notifications: Uint8Array[];
  /** What `ip monitor link address route` printed. */
  output: string;
}

/** Runs `ip monitor link address route` and the kernel monitor in `ns` while `changes` are made. */
export async function captureMonitor(ns: string, changes: readonly string[]): Promise<MonitorCapture> {
  const kernelMonitor = startKernelMonitor(ns);
  const ipMonitor = startIpMonitor(ns, ['link', 'address', 'route']);
  try {
    await kernelMonitor.waitFor((l) => l === 'READY');
    // `ip monitor` says nothing when it is ready; give it time to subscribe and read its links.
    await new Promise((r) => setTimeout(r, 1000));
    for (const command of changes) ipIn(ns, command);
    // The last change deletes ifb7: wait until both have seen that.
    await kernelMonitor.waitFor((l) => isDellinkOf(l, 'ifb7'));
    await ipMonitor.waitFor((l) => l.startsWith('Deleted ') && l.includes('ifb7'));
  } finally {
    kernelMonitor.child.stdin?.end();
    ipMonitor.child.kill('SIGTERM');
    await Promise.all([kernelMonitor.exited, ipMonitor.exited]);
  }
  const capture: MonitorCapture = { links: [], notifications: [], output: ipMonitor.text() };
  for (const l of kernelMonitor.lines) {
    const [kind, text] = l.split(' ');
    if (kind === 'L') capture.links.push(hex(text));
    else if (kind === 'N') capture.notifications.push(hex(text));
  }
  return capture;
}

/** Whether a `N hex` line of the kernel monitor is the RTM_DELLINK of `name`. */
function isDellinkOf(line: string, name: string): boolean {
  if (!line.startsWith('N ')) return false;
  const bytes = Buffer.from(line.slice(2), 'hex');
  return bytes.length >= 16 && bytes.readUInt16LE(4) === 17 && bytes.includes(Buffer.from(`${name}\0`));
}
