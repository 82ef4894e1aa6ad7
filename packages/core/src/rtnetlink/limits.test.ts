/**
 * The limits of the netlink path, each with the error the kernel gives, seen from a socket:
 * - message size: `netlink_sendmsg()` refuses a datagram longer than `sk_sndbuf - 32` with
 *   EMSGSIZE, before anything in it is processed;
 * - attribute nesting: a recursive policy is followed at most MAX_POLICY_RECURSION_DEPTH levels
 *   (`__nla_validate_parse`): EINVAL "allowed policy recursion depth exceeded" as an NLMSG_ERROR;
 * - dump buffer: a dump message larger than the pass buffer (NLMSG_GOODSIZE until the reader
 *   offers a larger buffer, at most 32 KiB: `netlink_dump()`) ends the dump with EMSGSIZE in
 *   NLMSG_DONE;
 * - receive queue: notifications past SO_RCVBUF are dropped and the next recvmsg() fails once
 *   with ENOBUFS (`netlink_overrun()`), not with NETLINK_NO_ENOBUFS; the requester's own replies
 *   are kept (see dispatcher.test.ts too). The kernel would drop a unicast reply to a queue that is
 *   already over SO_RCVBUF as well (`netlink_attachskb()` with MSG_DONTWAIT): rtnlkit does not model
 *   that, and README says so.
 */
import { describe, expect, it } from 'vitest';
import { Errno } from '../errno';
import { decodeDatagram, readUntilDone } from '../testing/messages';
import { rtnlMutexStrategy } from '../testing/rtnl-mutex-strategy';
import { defineAttrSet } from '../wire/attr-types';
import { NlMsgBuilder } from '../wire/builder';
import {
  AF,
  NETLINK_DEFAULT_SNDBUF,
  NETLINK_MAX_RECVMSG_LEN,
  NETLINK_OPT,
  NLM_F,
  NLMSG,
  NLMSG_GOODSIZE,
  RTNLGRP,
} from '../wire/constants';
import { RTM } from '../wire/generated';
import { encodeIfInfoMsg } from '../wire/headers';
import { MAX_POLICY_RECURSION_DEPTH, NL_VALIDATE } from '../wire/parse';
import { Rtnetlink } from './rtnetlink';

/** A policy that nests itself, like a nested attribute set that may contain itself. */
const selfNesting = defineAttrSet('self_nesting', [
  { name: 'nest', type: 1, nla: 'nested', nested: () => selfNesting },
]);

function world() {
  const rtnl = new Rtnetlink({ strategy: rtnlMutexStrategy() });
  const calls = { newlink: 0 };
  let dumpSize = 0;
  rtnl.handlers.registerMany([
    {
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      flags: 0,
      name: 'parse_nested',
      doit(req) {
        calls.newlink += 1;
        req.parse(16, selfNesting, NL_VALIDATE.STRICT);
      },
    },
    {
      family: AF.UNSPEC,
      type: RTM.SETLINK,
      flags: 0,
      name: 'notify_link',
      doit(req) {
        req.notify(RTNLGRP.LINK, req.builder(RTM.NEWLINK).bytes(new Uint8Array(200)).finish());
      },
    },
    {
      family: AF.UNSPEC,
      type: RTM.GETLINK,
      flags: 0,
      name: 'one_big_message',
      dumpit(cb) {
        cb.put(cb.builder(RTM.NEWLINK).bytes(new Uint8Array(dumpSize)).finish());
        return false;
      },
    },
  ]);
  return { rtnl, calls, setDumpSize: (n: number) => (dumpSize = n) };
}

const newlink = (attrs?: (b: NlMsgBuilder) => void, seq = 1) => {
  const b = new NlMsgBuilder(RTM.NEWLINK, NLM_F.REQUEST | NLM_F.ACK, seq, 0).bytes(encodeIfInfoMsg({}));
  attrs?.(b);
  return b.finish();
};
const nested = (depth: number) => (b: NlMsgBuilder) => {
  const build = (n: NlMsgBuilder, left: number): NlMsgBuilder =>
    left === 0 ? n : n.nest(1, (m) => build(m, left - 1));
  build(b, depth);
};
const answerOf = async (socket: ReturnType<Rtnetlink['socket']>) => (await readUntilDone(socket)).flat().at(-1);

describe('limits', () => {
  it('message size: a datagram over sndbuf - 32 is refused with EMSGSIZE and nothing in it runs', async () => {
    const { rtnl, calls } = world();
    const socket = rtnl.socket({ admin: true, sndbuf: 1024 });
    const padded = (length: number) => {
      const message = newlink();
      const datagram = new Uint8Array(length);
      datagram.set(message);
      return datagram;
    };
    await expect(socket.send(padded(1024 - 31))).rejects.toMatchObject({ errno: Errno.EMSGSIZE });
    expect(calls.newlink).toBe(0);
    expect(socket.pending).toBe(0);
    // At the limit it goes through (the padding after the message is ignored, as the kernel does).
    await socket.send(padded(1024 - 32));
    expect(calls.newlink).toBe(1);
    expect((await answerOf(socket))?.errno).toBe(0);
    // The default: SO_SNDBUF 212992.
    const plain = rtnl.socket({ admin: true });
    await expect(plain.send(padded(NETLINK_DEFAULT_SNDBUF - 31))).rejects.toMatchObject({ errno: Errno.EMSGSIZE });
  });

  it(`attribute nesting: ${MAX_POLICY_RECURSION_DEPTH} levels of a recursive policy at most, then EINVAL with extack`, async () => {
    const { rtnl } = world();
    const socket = rtnl.socket({ admin: true });
    socket.extAck = true;
    await socket.send(newlink(nested(MAX_POLICY_RECURSION_DEPTH - 1), 1));
    expect(await answerOf(socket)).toMatchObject({ errno: 0 });
    await socket.send(newlink(nested(MAX_POLICY_RECURSION_DEPTH + 1), 2));
    const answer = await answerOf(socket);
    expect(answer).toMatchObject({ errno: Errno.EINVAL, extack: 'allowed policy recursion depth exceeded' });
    expect(rtnl.faults).toEqual([]);
  });

  it('dump buffer: a message larger than the buffer ends the dump with EMSGSIZE in NLMSG_DONE', async () => {
    const { rtnl, setDumpSize } = world();
    const socket = rtnl.socket();
    const dump = (seq: number) =>
      new NlMsgBuilder(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, seq, 0).bytes(encodeIfInfoMsg({})).finish();
    // The first pass runs in sendmsg(), before the reader offered a buffer: NLMSG_GOODSIZE.
    setDumpSize(NLMSG_GOODSIZE);
    await socket.send(dump(1));
    const first = (await readUntilDone(socket)).flat();
    expect(first.map((m) => [m.header.type, m.doneErrno])).toEqual([[NLMSG.DONE, Errno.EMSGSIZE]]);
    // That recv offered 32 KiB: the same message now fits; one over 32 KiB never does.
    await socket.send(dump(2));
    const second = (await readUntilDone(socket, { bufferSize: NETLINK_MAX_RECVMSG_LEN })).flat();
    expect(second.map((m) => m.header.type)).toEqual([RTM.NEWLINK, NLMSG.DONE]);
    expect(second.at(-1)?.doneErrno).toBe(0);
    setDumpSize(NETLINK_MAX_RECVMSG_LEN);
    await socket.send(dump(3));
    expect((await readUntilDone(socket)).flat().at(-1)).toMatchObject({ doneErrno: Errno.EMSGSIZE });
    expect(rtnl.faults).toEqual([]);
  });

  it('receive queue: notifications past rcvbuf are dropped, ENOBUFS once (not with NETLINK_NO_ENOBUFS)', async () => {
    const { rtnl } = world();
    const writer = rtnl.socket({ admin: true });
    const loud = rtnl.socket({ groups: [RTNLGRP.LINK], rcvbuf: 1000 });
    const quiet = rtnl.socket({ groups: [RTNLGRP.LINK], rcvbuf: 1000 });
    quiet.setOption(NETLINK_OPT.NO_ENOBUFS, 1);
    const setlink = new NlMsgBuilder(RTM.SETLINK, NLM_F.REQUEST, 1, 0).bytes(encodeIfInfoMsg({})).finish();
    for (let i = 0; i < 10; i += 1) await writer.send(setlink);
    // 216-byte notifications into 1000 bytes: four fit.
    expect([loud.stats.dropped, quiet.stats.dropped]).toEqual([6, 6]);
    await expect(loud.recv()).rejects.toMatchObject({ errno: Errno.ENOBUFS });
    const read = async (s: typeof loud) => {
      let n = 0;
      while (s.pending > 0) n += decodeDatagram(await s.recv()).length;
      return n;
    };
    expect(await read(loud)).toBe(4);
    expect(await read(quiet)).toBe(4);
    // Once drained, notifications flow again and no further ENOBUFS comes.
    await writer.send(setlink);
    expect(await read(loud)).toBe(1);
  });
});
