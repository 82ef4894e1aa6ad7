import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Errno, ErrnoError } from '../../errno';
import { Rtnetlink } from '../../rtnetlink/rtnetlink';
import { rtnlMutexStrategy } from '../../testing/rtnl-mutex-strategy';
import { NlMsgBuilder } from '../../wire/builder';
import { AF, NETLINK_OPT, NLM_F, NLMSG, RTNLGRP } from '../../wire/constants';
import { RTM } from '../../wire/generated';
import { readHeader } from '../../wire/nlmsg';
import { NetlinkStreamClient } from './client';
import { NlStreamFramer } from './framer';
import { type NetlinkStreamConnection, serveNetlinkStream } from './server';

/** NEWROUTE stores a name (RTA 1 as a string) and notifies; SLOW waits `ms` first; a 300-item dump. */
function world() {
  const rtnl = new Rtnetlink({ strategy: rtnlMutexStrategy() });
  const names = new Set<string>();
  const items = Array.from({ length: 300 }, (_, i) => `item${i}`.padEnd(100, '.'));
  rtnl.handlers.registerMany([
    {
      family: AF.INET,
      type: RTM.NEWROUTE,
      name: 'newroute',
      async doit(req) {
        const name = new TextDecoder().decode(req.message.subarray(16 + 12 + 4)).replace(/\0+$/, '');
        if (name.startsWith('slow')) await new Promise((r) => setTimeout(r, 50));
        if (names.has(name)) throw new ErrnoError(Errno.EEXIST, `${name} exists`);
        names.add(name);
        req.notify(RTNLGRP.IPV4_ROUTE, req.builder(RTM.NEWROUTE).bytes(new Uint8Array(12)).string(1, name).finish());
      },
    },
    {
      family: AF.UNSPEC,
      type: RTM.GETLINK,
      name: 'dump',
      dumpit(cb) {
        for (let i = cb.cursor.index ?? 0; i < items.length; i++) {
          if (
            !cb.put(
              cb
                .builder(RTM.NEWLINK)
                .bytes(new Uint8Array(16))
                .string(3, items[i] as string)
                .finish(),
            )
          ) {
            cb.cursor.index = i;
            return true;
          }
        }
        return false;
      },
    },
  ]);
  return { rtnl, names, items };
}

const newroute = (seq: number, name: string) =>
  new NlMsgBuilder(RTM.NEWROUTE, NLM_F.REQUEST | NLM_F.CREATE, seq, 0)
    .bytes(new Uint8Array([AF.INET, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))
    .string(1, name)
    .finish();
const dump = (seq: number) =>
  new NlMsgBuilder(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, seq, 0).bytes(new Uint8Array(16)).finish();

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A Unix socket server for `rtnl`; admin unless `admin` says otherwise. */
async function serve(rtnl: Rtnetlink, admin = true) {
  const dir = mkdtempSync(join(tmpdir(), 'rtnlkit-stream-'));
  const path = join(dir, 'rtnl.sock');
  const connections: NetlinkStreamConnection[] = [];
  const server: Server = createServer((stream) => connections.push(serveNetlinkStream(rtnl, stream, { admin })));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  cleanups.push(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });
  const connect = async () => {
    const client = await NetlinkStreamClient.connect(path);
    cleanups.push(() => client.close());
    return client;
  };
  return { path, connections, connect };
}

describe('rtnetlink over a Unix stream socket', () => {
  it('gives each connection its own port id, answers requests with ACK or errno + extack, and dumps', async () => {
    const { rtnl, names, items } = world();
    const { connect } = await serve(rtnl);
    const a = await connect();
    const b = await connect();
    expect(a.portId).toBeGreaterThan(0);
    expect(b.portId).not.toBe(a.portId);
    await a.setOption(NETLINK_OPT.EXT_ACK, 1);
    expect(await a.request(newroute(a.nextSeq(), 'r1'))).toEqual({ messages: [], errno: 0 });
    const again = await a.request(newroute(a.nextSeq(), 'r1'));
    expect([again.errno, again.extack]).toEqual([Errno.EEXIST, 'r1 exists']);
    await expect(b.call(newroute(b.nextSeq(), 'r1'))).rejects.toMatchObject({ errno: Errno.EEXIST });
    expect([...names]).toEqual(['r1']);
    // A dump larger than one datagram arrives whole, in order, to its NLMSG_DONE.
    const answer = await b.request(dump(b.nextSeq()));
    expect(answer.errno).toBe(0);
    expect(answer.messages.map((m) => new TextDecoder().decode(m.bytes.subarray(36, 136)))).toEqual(items);
  });

  it('refuses changes from a connection without admin rights (EPERM), and a bad socket option', async () => {
    const { rtnl, names } = world();
    const { connect } = await serve(rtnl, false);
    const c = await connect();
    expect((await c.request(newroute(c.nextSeq(), 'x'))).errno).toBe(Errno.EPERM);
    expect(names.size).toBe(0);
    await expect(c.setOption(NETLINK_OPT.ADD_MEMBERSHIP, 99)).rejects.toMatchObject({ errno: Errno.EINVAL });
    await expect(c.setOption(NETLINK_OPT.PKTINFO, 1)).rejects.toMatchObject({ errno: Errno.ENOPROTOOPT });
  });

  it('delivers notifications to the connections that joined the group, in order', async () => {
    const { rtnl } = world();
    const { connect } = await serve(rtnl);
    const listener = await connect();
    const bystander = await connect();
    await listener.setOption(NETLINK_OPT.ADD_MEMBERSHIP, RTNLGRP.IPV4_ROUTE);
    const writer = await connect();
    for (const name of ['n1', 'n2', 'n3']) await writer.call(newroute(writer.nextSeq(), name));
    const got: string[] = [];
    for await (const n of listener.notifications()) {
      if (n.kind !== 'message') throw new Error('overrun');
      expect(n.message.header.pid).toBe(writer.portId);
      got.push(new TextDecoder().decode(n.message.bytes.subarray(32)).replace(/\0+$/, ''));
      if (got.length === 3) break;
    }
    expect(got).toEqual(['n1', 'n2', 'n3']);
    // The bystander joined nothing: a round trip later, still nothing for it.
    await bystander.call(newroute(bystander.nextSeq(), 'n4'));
    const it = bystander.notifications()[Symbol.asyncIterator]();
    const first = await Promise.race([it.next(), new Promise((r) => setTimeout(() => r('none'), 50))]);
    expect(first).toBe('none');
  });

  it('ends a connection whose framing is broken with EINVAL and a reason; others go on', async () => {
    const { rtnl } = world();
    const { connect } = await serve(rtnl);
    const good = await connect();
    const bad = await connect();
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setUint32(0, 3, true); // nlmsg_len 3: no message is that short
    const closed = new Promise<unknown>((resolve) => {
      void bad.request(newroute(bad.nextSeq(), 'late')).catch(resolve);
    });
    (bad as unknown as { stream: Duplex }).stream.write(bytes);
    const error = (await closed) as ErrnoError;
    expect(error.errno).toBe(Errno.EINVAL);
    expect(error.extack).toMatch(/bad nlmsg_len 3/);
    expect((await good.request(newroute(good.nextSeq(), 'fine'))).errno).toBe(0);
  });

  it('shuts down cleanly: requests already received are answered, a running dump finishes, then the stream ends', async () => {
    const { rtnl, names, items } = world();
    const { connect, connections } = await serve(rtnl);
    const c = await connect();
    const slow = c.request(newroute(c.nextSeq(), 'slow1'));
    const listing = c.request(dump(c.nextSeq()));
    const slow2 = c.request(newroute(c.nextSeq(), 'slow2'));
    await new Promise((r) => setTimeout(r, 10));
    await (connections[0] as NetlinkStreamConnection).shutdown();
    expect((await slow).errno).toBe(0);
    expect((await listing).messages).toHaveLength(items.length);
    expect((await slow2).errno).toBe(0);
    expect([...names]).toEqual(['slow1', 'slow2']);
    await expect(c.request(newroute(c.nextSeq(), 'after'))).rejects.toMatchObject({ errno: Errno.ECONNRESET });
  });

  it('a client that disconnects mid-request: the request completes, its port id is freed', async () => {
    const { rtnl, names } = world();
    const { connect, connections } = await serve(rtnl);
    const c = await connect();
    const port = c.portId;
    void c.request(newroute(c.nextSeq(), 'slow-gone')).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 10));
    (c as unknown as { stream: Duplex }).stream.destroy();
    await (connections[0] as NetlinkStreamConnection).closed;
    await new Promise((r) => setTimeout(r, 80));
    expect([...names]).toEqual(['slow-gone']);
    expect(rtnl.socketByPort(port)).toBeUndefined();
  });
});

describe('a reader too slow for its notifications', () => {
  it('gets the overrun signal (ENOBUFS) once it reads again, then the notifications that fit', async () => {
    const { rtnl } = world();
    // A stream whose reader holds every write until released: the server's writes back up.
    const held: (() => void)[] = [];
    const written: Uint8Array[] = [];
    const stream = new Duplex({
      read() {},
      write(chunk: Uint8Array, _encoding, callback) {
        written.push(chunk);
        held.push(callback);
      },
    });
    const connection = serveNetlinkStream(rtnl, stream, { rcvbuf: 4096 });
    connection.socket.setOption(NETLINK_OPT.ADD_MEMBERSHIP, RTNLGRP.IPV4_ROUTE);
    const writer = rtnl.socket({ admin: true });
    for (let i = 0; i < 600; i += 1) await writer.send(newroute(i + 1, `route-${i}`.padEnd(200, '.')));
    expect(connection.socket.stats.dropped).toBeGreaterThan(0);
    while (held.length > 0) {
      for (const release of held.splice(0)) release();
      await new Promise((r) => setTimeout(r, 1));
    }
    const framer = new NlStreamFramer();
    const messages = written.flatMap((chunk) => framer.push(chunk)).map((m) => readHeader(m));
    expect(messages[0]?.type).toBe(NLMSG.NOOP);
    const overruns = messages.filter((h) => h.type === NLMSG.ERROR && h.seq === 0);
    expect(overruns).toHaveLength(1);
    expect(messages.filter((h) => h.type === RTM.NEWROUTE).length).toBe(600 - connection.socket.stats.dropped);
    stream.destroy();
    writer.close();
  });
});
