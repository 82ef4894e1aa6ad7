/**
 * The shared client on rtnlkit's netlink@0.3.0 adapter: what a step records, when it is complete,
 * and what happens when it never completes.
 */
import { Buffer } from 'node:buffer';
import { AF, NetlinkNpmSocket, NLM_F, NLMSG, RTM, Rtnetlink } from '@rtnlkit/core';
import { rtnlMutexStrategy } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { ifinfomsg, message, withLength } from './build';
import { ClientSession, exchangeAll, headersOf } from './client';
import { STRATEGY_VARIANTS } from './strategies';
import { dumpParts, replayWorld } from './test-support';

function session(rtnl: Rtnetlink, timeoutMs?: number) {
  const adapter = new NetlinkNpmSocket(rtnl.socket({ admin: true }));
  return { client: new ClientSession(adapter, timeoutMs), adapter };
}

const typesOf = (datagrams: readonly string[]) =>
  datagrams.map((hex) => headersOf(Buffer.from(hex, 'hex')).map((h) => h.type));

describe('ClientSession', () => {
  it('records a reply and its ACK, and not its own barrier', async () => {
    const rtnl = new Rtnetlink({ strategy: rtnlMutexStrategy() });
    rtnl.handlers.registerMany([
      {
        family: AF.UNSPEC,
        type: RTM.GETLINK,
        doit(req) {
          req.reply(
            req
              .builder(RTM.NEWLINK)
              .bytes(ifinfomsg({ index: 1 }))
              .finish(),
          );
        },
      },
    ]);
    const { client, adapter } = session(rtnl);
    const record = await client.exchange(message(RTM.GETLINK, NLM_F.REQUEST | NLM_F.ACK, 1, ifinfomsg({ index: 1 })));
    adapter.close();
    expect(record.timedOut).toBe(false);
    expect(record.socketErrors).toEqual([]);
    expect(record.port).toBe(adapter.socket.portId);
    expect(typesOf(record.datagrams)).toEqual([[RTM.NEWLINK], [NLMSG.ERROR]]);
  });

  it('waits for every part of a dump, pass after pass', async () => {
    const world = await replayWorld()(STRATEGY_VARIANTS[0] as (typeof STRATEGY_VARIANTS)[number]);
    const { client, adapter } = session(world.rtnl);
    const record = await client.exchange(message(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, 1, ifinfomsg()));
    adapter.close();
    expect(record.timedOut).toBe(false);
    expect(record.datagrams.length).toBeGreaterThan(1);
    const types = typesOf(record.datagrams).flat();
    expect(types).toEqual([...dumpParts('getlink-dump').map(() => RTM.NEWLINK), NLMSG.DONE]);
  });

  it('completes at once when nothing answers', async () => {
    const rtnl = new Rtnetlink({ strategy: rtnlMutexStrategy() });
    const { client, adapter } = session(rtnl, 5000);
    const started = Date.now();
    const records = await exchangeAll(client, [
      Buffer.from(message(NLMSG.NOOP, NLM_F.REQUEST, 1)).toString('hex'),
      Buffer.from(withLength(message(124, NLM_F.REQUEST | NLM_F.ACK, 2), 8)).toString('hex'),
    ]);
    adapter.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(records.map((r) => [r.datagrams, r.timedOut])).toEqual([
      [[], false],
      [[], false],
    ]);
  });

  it('gives up after its time limit when the answer never completes', async () => {
    const rtnl = new Rtnetlink({ strategy: rtnlMutexStrategy() });
    rtnl.handlers.registerMany([{ family: AF.UNSPEC, type: RTM.SETLINK, doit: () => new Promise<void>(() => {}) }]);
    const { client, adapter } = session(rtnl, 100);
    const record = await client.exchange(message(RTM.SETLINK, NLM_F.REQUEST | NLM_F.ACK, 1, ifinfomsg()));
    adapter.close();
    expect(record).toMatchObject({ datagrams: [], timedOut: true });
  });
});

describe('headersOf', () => {
  it('walks a datagram the way netlink_rcv_skb does', () => {
    const noop = message(NLMSG.NOOP, NLM_F.REQUEST, 7);
    expect(headersOf(Buffer.concat([noop, noop])).map((h) => h.seq)).toEqual([7, 7]);
    expect(headersOf(Buffer.concat([noop, withLength(noop, 64)])).length).toBe(1);
    expect(headersOf(Buffer.concat([noop, withLength(noop, 8)])).length).toBe(1);
    expect(headersOf(noop.subarray(0, 12))).toEqual([]);
  });
});
