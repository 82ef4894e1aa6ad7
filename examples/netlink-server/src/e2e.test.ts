/**
 * Issue 11's end-to-end test: the server, several ip clients and a monitor as separate processes
 * at once, talking over the server's Unix socket. Each example runs from its sources (tsx, as
 * `npm run server|ip|monitor` runs them). Checked: the clients' results (exit codes, error texts,
 * the final JSON state), the monitor's lines for every change, and a clean shutdown on SIGTERM
 * that answers every request the server had received.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AF, encodeIfInfoMsg, IFLA, IFLA_INFO, NetlinkStreamClient, NLM_F, NlMsgBuilder, RTM } from '@rtnlkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rtnlkit-e2e-'));
const socket = join(dir, 'rtnl.sock');
const children = new Set<ChildProcess>();

function start(example: string, args: string[]): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'examples', example, 'src', 'main.ts'), ...args],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Collected output of a child, and a wait for a line matching `pattern` on one of its streams. */
function watch(child: ChildProcess) {
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d: Buffer) => {
    out.stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out.stderr += d.toString();
  });
  const until = (stream: 'stdout' | 'stderr', pattern: RegExp, ms = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${pattern} in ${stream}: ${out[stream]}`)),
        ms,
      );
      const check = () => {
        if (pattern.test(out[stream])) {
          clearTimeout(timer);
          resolve();
        }
      };
      check();
      child[stream]?.on('data', check);
    });
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { out, until, exited };
}

/** Runs one ip command as its own process. */
async function ip(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const w = watch(start('ip', ['--socket', socket, ...args]));
  const code = await w.exited;
  return { code, stdout: w.out.stdout, stderr: w.out.stderr };
}

/** A chain of ip commands, one process after the other; each must succeed. */
async function chain(commands: string[][]): Promise<void> {
  for (const command of commands) {
    const r = await ip(...command);
    expect(r, `ip ${command.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
  }
}

let server: ReturnType<typeof watch>;
let serverProcess: ChildProcess;

beforeAll(async () => {
  serverProcess = start('netlink-server', ['--socket', socket, '--strategy', 'finegrained']);
  server = watch(serverProcess);
  await server.until('stdout', /rtnlkit-server: finegrained on/);
}, 60_000);

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('the netlink server, ip clients and a monitor as separate processes', () => {
  it('runs four ip clients at once while a monitor prints every change', async () => {
    const monitor = watch(start('monitor', ['--socket', socket]));
    await monitor.until('stderr', /listening/);
    await Promise.all([
      chain([
        ['link', 'add', 'br0', 'type', 'bridge'],
        ['link', 'set', 'br0', 'up'],
      ]),
      chain([
        ['link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb'],
        ['link', 'set', 'vb', 'up'],
        ['link', 'set', 'va', 'up', 'mtu', '1400'],
      ]),
      chain([
        ['link', 'add', 'ifb0', 'type', 'ifb'],
        ['link', 'set', 'ifb0', 'up'],
        ['addr', 'add', '192.0.2.1/24', 'dev', 'ifb0'],
        ['route', 'add', '10.9.0.0/16', 'via', '192.0.2.254'],
      ]),
      chain([
        ['link', 'add', 'ifb1', 'type', 'ifb'],
        ['link', 'set', 'ifb1', 'up'],
        ['addr', 'add', '198.51.100.1/24', 'dev', 'ifb1'],
        ['link', 'add', 'ifb2', 'type', 'ifb'],
        ['link', 'del', 'ifb2'],
      ]),
    ]);
    // The bridge port is set once both exist.
    await chain([['link', 'set', 'va', 'master', 'br0']]);

    // Errors as iproute2 prints them, with its exit codes.
    expect(await ip('link', 'add', 'br0', 'type', 'bridge')).toMatchObject({
      code: 2,
      stderr: 'RTNETLINK answers: File exists\n',
    });
    expect(await ip('link', 'set', 'nosuch', 'up')).toMatchObject({ code: 1, stderr: 'Cannot find device "nosuch"\n' });
    expect((await ip('route', 'add', '10.8.0.0/16', 'via', '203.0.113.1')).code).toBe(2);

    // The final state, read back as JSON.
    const links = JSON.parse((await ip('-json', 'link', 'show')).stdout) as {
      ifname: string;
      mtu: number;
      master?: string;
      flags: string[];
    }[];
    const byName = new Map(links.map((l) => [l.ifname, l]));
    expect([...byName.keys()].sort()).toEqual(['br0', 'ifb0', 'ifb1', 'lo', 'va', 'vb']);
    expect(byName.get('va')).toMatchObject({ mtu: 1400, master: 'br0' });
    expect(byName.get('ifb0')?.flags).toContain('UP');
    const addrs = JSON.parse((await ip('-json', 'addr', 'show', 'dev', 'ifb0')).stdout) as {
      addr_info: { local: string; prefixlen: number }[];
    }[];
    expect(addrs[0]?.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['192.0.2.1/24']);
    const routes = (await ip('route', 'show')).stdout;
    expect(routes).toContain('10.9.0.0/16 via 192.0.2.254 dev ifb0 \n');
    expect(routes).toContain('192.0.2.0/24 dev ifb0 proto kernel scope link src 192.0.2.1');
    expect((await ip('route', 'get', '10.9.1.1')).stdout).toMatch(/^10\.9\.1\.1 via 192\.0\.2\.254 dev ifb0/);

    // The monitor saw every change: each new link, the address, the route, the deleted link.
    await monitor.until('stdout', /Deleted .*ifb2/);
    await monitor.until('stdout', /10\.9\.0\.0\/16 via 192\.0\.2\.254 dev ifb0/);
    const seen = monitor.out.stdout;
    console.log(`monitor: ${seen.split('\n').length - 1} lines\n${seen}`);
    for (const name of ['br0', 'va@vb', 'vb@va', 'ifb0', 'ifb1', 'ifb2'])
      expect(seen).toMatch(new RegExp(`^\\d+: ${name}: `, 'm'));
    expect(seen).toMatch(/^\d+: ifb0\s+inet 192\.0\.2\.1\/24 /m);
    expect(seen).toMatch(/^\d+: ifb1\s+inet 198\.51\.100\.1\/24 /m);
    expect(seen).toMatch(/master br0/);
  }, 120_000);

  it('answers every request it had received at SIGTERM, then exits 0 and removes its socket', async () => {
    const client = await NetlinkStreamClient.connect(socket);
    const link = (type: number, flags: number, name: string) =>
      new NlMsgBuilder(type, NLM_F.REQUEST | flags, client.nextSeq(), 0)
        .bytes(encodeIfInfoMsg({ family: AF.UNSPEC }))
        .string(IFLA.IFNAME, name)
        .nest(IFLA.LINKINFO, (info) => info.string(IFLA_INFO.KIND, 'ifb'))
        .finish();
    const names = Array.from({ length: 20 }, (_, i) => `gone${i}`);
    for (const name of names) await client.call(link(RTM.NEWLINK, NLM_F.CREATE | NLM_F.EXCL, name));
    // Twenty deletions written at once: each waits for an RCU grace period (about 20 ms on the
    // real clock), so most are still queued when SIGTERM comes after the first answer.
    const answers = names.map((name) => client.request(link(RTM.DELLINK, 0, name)));
    await answers[0];
    serverProcess.kill('SIGTERM');
    const settled = await Promise.allSettled(answers);
    // Every request the server had received is answered; those it had not read yet end with the
    // connection (ECONNRESET), and only after every answered one.
    await server.until('stdout', /SIGTERM, answering \d+ requests in flight/);
    const inFlight = Number(/answering (\d+) requests/.exec(server.out.stdout)?.[1]);
    const answered = settled.findIndex((s) => s.status === 'rejected');
    const answeredCount = answered === -1 ? settled.length : answered;
    for (const s of settled.slice(0, answeredCount))
      expect(s).toMatchObject({ status: 'fulfilled', value: { errno: 0 } });
    for (const s of settled.slice(answeredCount))
      expect(s).toMatchObject({ status: 'rejected', reason: { errno: 104 } });
    console.log(
      `SIGTERM with ${inFlight} requests in flight: ${answeredCount} answered, ${settled.length - answeredCount} never read`,
    );
    expect(inFlight).toBeGreaterThan(0);
    expect(answeredCount).toBeGreaterThanOrEqual(inFlight + 1);
    expect(await server.exited).toBe(0);
    expect(existsSync(socket)).toBe(false);
  }, 60_000);
});
