import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AF,
  Errno,
  encodeIfInfoMsg,
  IFLA,
  IFLA_INFO,
  NetlinkStreamClient,
  NLM_F,
  NlMsgBuilder,
  RTM,
} from '@rtnlkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, ServerError, startServer } from './server';

const dirs: string[] = [];
const running: RunningServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rtnlkit-server-'));
  dirs.push(dir);
  return dir;
}

async function serve(options: Parameters<typeof startServer>[0]): Promise<RunningServer> {
  const server = await startServer(options);
  running.push(server);
  return server;
}

/** `ip link add NAME type ifb` from a new connection: its errno. */
async function addIfb(path: string, name: string): Promise<number> {
  const client = await NetlinkStreamClient.connect(path);
  const answer = await client.request(
    new NlMsgBuilder(RTM.NEWLINK, NLM_F.REQUEST | NLM_F.CREATE | NLM_F.EXCL, client.nextSeq(), 0)
      .bytes(encodeIfInfoMsg({ family: AF.UNSPEC }))
      .string(IFLA.IFNAME, name)
      .nest(IFLA.LINKINFO, (i) => i.string(IFLA_INFO.KIND, 'ifb'))
      .finish(),
  );
  await client.close();
  return answer.errno;
}

async function linkCount(path: string): Promise<number> {
  const client = await NetlinkStreamClient.connect(path);
  const links = await client.call(
    new NlMsgBuilder(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, client.nextSeq(), 0)
      .bytes(encodeIfInfoMsg({ family: AF.UNSPEC }))
      .finish(),
  );
  await client.close();
  return links.length;
}

describe('who may change things', () => {
  it('mode 0600 (only the owner can connect): admin; the socket file has that mode', async () => {
    const path = join(tempDir(), 's.sock');
    const server = await serve({ socket: path });
    expect(server.admin).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await addIfb(path, 'ifb0')).toBe(0);
    expect(await linkCount(path)).toBe(2);
  });

  it('a mode others may open gives no admin rights unless --admin all says so', async () => {
    const open = join(tempDir(), 'open.sock');
    const server = await serve({ socket: open, mode: 0o666 });
    expect(server.admin).toBe(false);
    expect(await addIfb(open, 'ifb0')).toBe(Errno.EPERM);
    expect(await linkCount(open)).toBe(1);
    const granted = join(tempDir(), 'granted.sock');
    expect((await serve({ socket: granted, mode: 0o660, admin: 'all' })).admin).toBe(true);
    expect(await addIfb(granted, 'ifb0')).toBe(0);
    const none = join(tempDir(), 'none.sock');
    expect((await serve({ socket: none, admin: 'none' })).admin).toBe(false);
  });

  it('the public socket reads the same instance but changes nothing', async () => {
    const dir = tempDir();
    const main = join(dir, 'main.sock');
    const pub = join(dir, 'public.sock');
    await serve({ socket: main, publicSocket: pub });
    expect(statSync(pub).mode & 0o777).toBe(0o666);
    expect(await addIfb(main, 'ifb0')).toBe(0);
    expect(await addIfb(pub, 'ifb1')).toBe(Errno.EPERM);
    expect(await linkCount(pub)).toBe(2);
  });
});

describe('the socket file', () => {
  it('replaces a stale socket file, refuses a live one and anything that is not a socket', async () => {
    const dir = tempDir();
    const path = join(dir, 's.sock');
    // A stale socket: a server killed before it could remove it (Node removes it on close()).
    const killed = spawnSync(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(path)).toBe(true);
    const server = await serve({ socket: path });
    expect(await linkCount(path)).toBe(1);
    await expect(startServer({ socket: path })).rejects.toThrow(ServerError);
    await server.close();
    expect(existsSync(path)).toBe(false);
    await expect(startServer({ socket: dir })).rejects.toThrow(/not a socket/);
    await expect(startServer({ socket: join(dir, 'x.sock'), strategy: 'nope' })).rejects.toThrow(/no strategy nope/);
  });
});
