/**
 * Test support for iproute.test.ts: a private network namespace with links, addresses and routes
 * made by the real `ip`, what `ip` prints about it, and the raw messages the kernel there sends
 * (through kernel-child.ts). Linux and root only; see {@link canCreateNetns}.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export { canCreateNetns } from '../../../../scripts/bench/with-netns';

const CHILD = fileURLToPath(new URL('./kernel-child.ts', import.meta.url));
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

/** `ip netns add NS`; IPv6 is switched off in it so that nothing changes behind the test's back (DAD). */
export function createNetns(ns: string): void {
  ip(['netns', 'add', ns]);
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

/** The messages of a `kernel-child.ts dump` run, by kind. */
export interface KernelDump {
  links: Uint8Array[];
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
  if (run.status !== 0) throw new Error(`kernel-child dump failed (${run.status ?? run.signal}): ${run.stderr}`);
  const lines = run.stdout.trim().split('\n');
  if (lines[lines.length - 1] !== 'END') throw new Error(`kernel-child dump did not finish: ${run.stdout}`);
  const out: KernelDump = { links: [], addrs: [], routes: [], gets: new Map() };
  for (const l of lines) {
    const [kind, a, b] = l.split(' ');
    if (kind === 'L') out.links.push(hex(a));
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

/** `kernel-child.ts monitor` in `ns`: prints `L` lines, `READY`, then `N` lines until stdin closes. */
export function startKernelMonitor(ns: string): Collector {
  return new Collector(spawn('ip', childArgs(ns, ['monitor']), { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] }));
}

/** `ip monitor ARGS...` in `ns`. */
export function startIpMonitor(ns: string, args: readonly string[]): Collector {
  return new Collector(
    spawn('ip', ['netns', 'exec', ns, 'ip', 'monitor', ...args], { stdio: ['ignore', 'pipe', 'inherit'] }),
  );
}
