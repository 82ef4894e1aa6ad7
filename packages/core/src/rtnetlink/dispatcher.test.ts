import { describe, expect, it } from 'vitest';
import { Errno, ErrnoError } from '../errno';
import { decodeDatagram, drain, readUntilDone } from '../testing/messages';
import { rtnlMutexStrategy } from '../testing/rtnl-mutex-strategy';
import { NlMsgBuilder } from '../wire/builder';
import { AF, NETLINK_OPT, NLM_F, NLMSG, NLMSG_HDRLEN, RTM_MAX, RTNL_FLAG, RTNLGRP } from '../wire/constants';
import { RTM } from '../wire/generated';
import { RTA, routeAttrs } from '../wire/generated/rt-route';
import { encodeRtMsg, RTMSG_LEN } from '../wire/headers';
import { NL_VALIDATE } from '../wire/parse';
import { HandlerOwner } from './owner';
import { Rtnetlink } from './rtnetlink';

const rtmsg = (family: number = AF.INET) =>
  encodeRtMsg({ family, dstLen: 32, srcLen: 0, tos: 0, table: 254, protocol: 0, scope: 0, type: 1, flags: 0 });

/** A request: header, rtmsg, optional attributes filled by `attrs`. */
function request(type: number, flags: number, seq = 1, family: number = AF.INET, attrs?: (b: NlMsgBuilder) => void) {
  const b = new NlMsgBuilder(type, flags, seq, 0).bytes(rtmsg(family));
  attrs?.(b);
  return b.finish();
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** A small world: a GETROUTE lookup, a NEWROUTE that stores, a DELROUTE, a GETLINK dump. */
function world(options: { splitDone?: boolean } = {}) {
  const strategy = rtnlMutexStrategy();
  const rtnl = new Rtnetlink({ strategy });
  const routes = new Set<string>(['10.0.0.0']);
  const items = Array.from({ length: 3000 }, (_, i) => `item${i}`);
  const generation = { value: 1 };
  rtnl.handlers.registerMany([
    {
      family: AF.INET,
      type: RTM.GETROUTE,
      flags: RTNL_FLAG.DOIT_UNLOCKED,
      name: 'inet_rtm_getroute',
      doit(req) {
        const attrs = req.parse(RTMSG_LEN, routeAttrs, NL_VALIDATE.STRICT);
        const dst = attrs.get('dst');
        if (!dst) throw new ErrnoError(Errno.EINVAL, 'no destination');
        req.reply(req.builder(RTM.NEWROUTE).bytes(rtmsg()).attr(RTA.DST, dst.data).finish());
      },
    },
    {
      family: AF.INET,
      type: RTM.NEWROUTE,
      name: 'inet_rtm_newroute',
      doit(req) {
        const attrs = req.parse(RTMSG_LEN, routeAttrs, NL_VALIDATE.LIBERAL);
        const dst = attrs.get('dst');
        if (!dst) throw new ErrnoError(Errno.EINVAL, 'Missing destination', {});
        const key = [...dst.data].join('.');
        if (routes.has(key)) throw new ErrnoError(Errno.EEXIST);
        routes.add(key);
        req.notify(RTNLGRP.IPV4_ROUTE, req.builder(RTM.NEWROUTE).bytes(rtmsg()).attr(RTA.DST, dst.data).finish());
      },
    },
    {
      family: AF.INET,
      type: RTM.DELROUTE,
      name: 'inet_rtm_delroute',
      doit() {
        throw new ErrnoError(Errno.ESRCH);
      },
    },
    {
      family: AF.UNSPEC,
      type: RTM.GETLINK,
      flags: options.splitDone ? RTNL_FLAG.DUMP_SPLIT_NLM_DONE : 0,
      name: 'rtnl_dump_ifinfo',
      dumpit(cb) {
        cb.seq = generation.value;
        for (let i = cb.cursor.index ?? 0; i < items.length; i++) {
          const msg = cb
            .builder(RTM.NEWLINK)
            .bytes(new Uint8Array(16))
            .string(3, items[i] as string)
            .finish();
          if (!cb.put(msg)) {
            // Like rtnl_dump_ifinfo: check consistency at the end of every pass.
            cb.checkConsistent();
            cb.cursor.index = i;
            return true;
          }
        }
        cb.checkConsistent();
        cb.cursor.index = items.length;
        return false;
      },
    },
  ]);
  return { rtnl, strategy, routes, items, generation };
}

const replies = (socket: Parameters<typeof drain>[0]) => drain(socket).flat();

describe('netlink_rcv_skb', () => {
  it('skips a message without NLM_F_REQUEST, but acknowledges it when asked', async () => {
    const { rtnl } = world();
    const s = rtnl.socket({ admin: true });
    await s.send(request(RTM.NEWROUTE, 0));
    expect(replies(s)).toEqual([]);
    await s.send(request(RTM.NEWROUTE, NLM_F.ACK, 7));
    expect(replies(s).map((m) => [m.header.type, m.errno, m.header.seq])).toEqual([[NLMSG.ERROR, 0, 7]]);
  });

  it('skips control messages below NLMSG_MIN_TYPE', async () => {
    const { rtnl } = world();
    const s = rtnl.socket();
    await s.send(new NlMsgBuilder(NLMSG.NOOP, NLM_F.REQUEST, 1, 0).finish());
    expect(replies(s)).toEqual([]);
  });

  it('handles several messages of one send in order, one reply stream each', async () => {
    const { rtnl } = world();
    const s = rtnl.socket({ admin: true });
    const dst = (b: NlMsgBuilder) => b.ipv4(RTA.DST, '192.0.2.9');
    await s.send(
      concat(
        request(RTM.NEWROUTE, NLM_F.REQUEST | NLM_F.ACK, 1, AF.INET, dst),
        request(RTM.NEWROUTE, NLM_F.REQUEST | NLM_F.ACK, 2, AF.INET, dst),
        request(RTM.GETROUTE, NLM_F.REQUEST, 3, AF.INET, dst),
      ),
    );
    expect(replies(s).map((m) => [m.header.seq, m.header.type, m.errno])).toEqual([
      [1, NLMSG.ERROR, 0],
      [2, NLMSG.ERROR, Errno.EEXIST],
      [3, RTM.NEWROUTE, undefined],
    ]);
  });

  it('stops silently at a header whose length is short or runs past the end', async () => {
    const { rtnl } = world();
    const s = rtnl.socket({ admin: true });
    const good = request(RTM.DELROUTE, NLM_F.REQUEST, 1);
    const bad = request(RTM.DELROUTE, NLM_F.REQUEST, 2);
    new DataView(bad.buffer, bad.byteOffset).setUint32(0, 4096, true);
    await s.send(concat(good, bad, request(RTM.DELROUTE, NLM_F.REQUEST, 3)));
    expect(replies(s).map((m) => m.header.seq)).toEqual([1]);
    const short = request(RTM.DELROUTE, NLM_F.REQUEST, 4);
    new DataView(short.buffer, short.byteOffset).setUint32(0, 8, true);
    await s.send(short);
    expect(replies(s)).toEqual([]);
  });
});

describe('rtnetlink_rcv_msg', () => {
  it('answers EOPNOTSUPP for a type above RTM_MAX and for a type nobody handles', async () => {
    const { rtnl } = world();
    const s = rtnl.socket({ admin: true });
    await s.send(request(RTM_MAX + 1, NLM_F.REQUEST, 1));
    await s.send(request(RTM.GETSTATS, NLM_F.REQUEST, 2));
    expect(replies(s).map((m) => m.errno)).toEqual([Errno.EOPNOTSUPP, Errno.EOPNOTSUPP]);
  });

  it('refuses NEW, DEL and SET from a socket without admin rights with EPERM, and allows GET', async () => {
    const { rtnl, routes } = world();
    const s = rtnl.socket({ admin: false });
    const dst = (b: NlMsgBuilder) => b.ipv4(RTA.DST, '192.0.2.50');
    await s.send(request(RTM.NEWROUTE, NLM_F.REQUEST, 1, AF.INET, dst));
    await s.send(request(RTM.DELROUTE, NLM_F.REQUEST, 2));
    await s.send(request(RTM.SETLINK, NLM_F.REQUEST, 3, AF.UNSPEC));
    await s.send(request(RTM.GETROUTE, NLM_F.REQUEST, 4, AF.INET, dst));
    expect(replies(s).map((m) => [m.header.seq, m.errno ?? 'reply'])).toEqual([
      [1, Errno.EPERM],
      [2, Errno.EPERM],
      [3, Errno.EPERM],
      [4, 'reply'],
    ]);
    expect(routes.has('192.0.2.50')).toBe(false);
  });

  it('ignores a message shorter than rtgenmsg, acknowledging it with 0 if asked', async () => {
    const { rtnl } = world();
    const s = rtnl.socket({ admin: true });
    await s.send(new NlMsgBuilder(RTM.NEWROUTE, NLM_F.REQUEST | NLM_F.ACK, 5, 0).finish());
    expect(replies(s).map((m) => [m.header.seq, m.errno])).toEqual([[5, 0]]);
  });

  it('falls back to the PF_UNSPEC handler for a family without its own', async () => {
    const { rtnl } = world();
    const s = rtnl.socket();
    await s.send(request(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, 1, AF.INET6));
    const dump = (await readUntilDone(s)).flat();
    expect(dump.at(-1)?.header.type).toBe(NLMSG.DONE);
    expect(dump.filter((m) => m.header.type === RTM.NEWLINK)).toHaveLength(3000);
  });

  it('refuses NLM_F_BULK on a DEL handler that does not support it', async () => {
    const { rtnl } = world();
    const s = rtnl.socket({ admin: true });
    s.setOption(NETLINK_OPT.EXT_ACK, 1);
    await s.send(request(RTM.DELROUTE, NLM_F.REQUEST | NLM_F.BULK, 1));
    expect(replies(s).map((m) => [m.errno, m.extack])).toEqual([[Errno.EOPNOTSUPP, 'Bulk delete is not supported']]);
  });

  it('refuses requests to an owner that is unloading with EPROTONOSUPPORT, and unload waits for those in flight', async () => {
    const strategy = rtnlMutexStrategy();
    const rtnl = new Rtnetlink({ strategy });
    const owner = new HandlerOwner('mod');
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    rtnl.handlers.register({ family: AF.INET, type: RTM.NEWROUTE, owner, doit: () => gate });
    const s = rtnl.socket({ admin: true });
    const inFlight = s.send(request(RTM.NEWROUTE, NLM_F.REQUEST | NLM_F.ACK, 1));
    await Promise.resolve();
    let unloaded = false;
    const unload = owner.unload().then(() => {
      unloaded = true;
    });
    await s.send(request(RTM.NEWROUTE, NLM_F.REQUEST | NLM_F.ACK, 2));
    expect(replies(s).map((m) => [m.header.seq, m.errno])).toEqual([[2, Errno.EPROTONOSUPPORT]]);
    expect(unloaded).toBe(false);
    release();
    await inFlight;
    await unload;
    expect(replies(s).map((m) => [m.header.seq, m.errno])).toEqual([[1, 0]]);
  });

  it('looks the handler up again once RTNL is held', async () => {
    const { rtnl, strategy } = world();
    const s = rtnl.socket({ admin: true });
    const holder = new (await import('../task/task')).Task('holder');
    await strategy.rtnl.lock(holder);
    const replaced = s.send(request(RTM.DELROUTE, NLM_F.REQUEST | NLM_F.ACK, 1));
    const removed = s.send(request(RTM.NEWROUTE, NLM_F.REQUEST | NLM_F.ACK, 2));
    await Promise.resolve();
    rtnl.handlers.unregister(AF.INET, RTM.DELROUTE);
    rtnl.handlers.register({ family: AF.INET, type: RTM.DELROUTE, doit: () => {} });
    rtnl.handlers.unregister(AF.INET, RTM.NEWROUTE);
    strategy.rtnl.unlock(holder);
    await Promise.all([replaced, removed]);
    expect(replies(s).map((m) => [m.header.seq, m.errno])).toEqual([
      [1, 0],
      [2, Errno.EOPNOTSUPP],
    ]);
  });

  it('keeps an unlocked request running when its handler is unregistered meanwhile', async () => {
    const strategy = rtnlMutexStrategy();
    const rtnl = new Rtnetlink({ strategy });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    rtnl.handlers.register({ family: AF.INET, type: RTM.GETROUTE, flags: RTNL_FLAG.DOIT_UNLOCKED, doit: () => gate });
    const s = rtnl.socket();
    const pending = s.send(request(RTM.GETROUTE, NLM_F.REQUEST | NLM_F.ACK, 1));
    rtnl.handlers.unregisterAll(AF.INET);
    release();
    await pending;
    await s.send(request(RTM.GETROUTE, NLM_F.REQUEST | NLM_F.ACK, 2));
    expect(replies(s).map((m) => [m.header.seq, m.errno])).toEqual([
      [1, 0],
      [2, Errno.EOPNOTSUPP],
    ]);
  });

  it('turns a handler bug into EINVAL and a recorded fault, never an exception', async () => {
    const strategy = rtnlMutexStrategy();
    const rtnl = new Rtnetlink({ strategy });
    rtnl.handlers.register({
      family: AF.INET,
      type: RTM.NEWROUTE,
      doit: () => {
        throw new TypeError('oops');
      },
    });
    const s = rtnl.socket({ admin: true });
    await s.send(request(RTM.NEWROUTE, NLM_F.REQUEST, 1));
    expect(replies(s).map((m) => m.errno)).toEqual([Errno.EINVAL]);
    expect(rtnl.faults).toHaveLength(1);
    expect(strategy.rtnl.locked).toBe(false);
  });
});

describe('ACKs and errors', () => {
  it('sends no reply for a successful request without NLM_F_ACK, and an error always', async () => {
    const { rtnl } = world();
    const s = rtnl.socket({ admin: true });
    const dst = (b: NlMsgBuilder) => b.ipv4(RTA.DST, '192.0.2.77');
    await s.send(request(RTM.NEWROUTE, NLM_F.REQUEST, 1, AF.INET, dst));
    expect(replies(s)).toEqual([]);
    await s.send(request(RTM.NEWROUTE, NLM_F.REQUEST, 2, AF.INET, dst));
    expect(replies(s).map((m) => m.errno)).toEqual([Errno.EEXIST]);
  });

  it('echoes the whole request in an error, or only its header with NLM_F_CAPPED on CAP_ACK or success', async () => {
    const { rtnl } = world();
    const s = rtnl.socket({ admin: true });
    const req = request(RTM.DELROUTE, NLM_F.REQUEST | NLM_F.ACK, 1);
    await s.send(req);
    let [err] = replies(s);
    expect(err?.header.flags).toBe(0);
    expect(err?.header.len).toBe(NLMSG_HDRLEN + 4 + req.length);
    expect(err?.bytes.subarray(NLMSG_HDRLEN + 4)).toEqual(req);
    s.setOption(NETLINK_OPT.CAP_ACK, true);
    await s.send(req);
    [err] = replies(s);
    expect(err?.header.flags).toBe(NLM_F.CAPPED);
    expect(err?.header.len).toBe(NLMSG_HDRLEN + 4 + NLMSG_HDRLEN);
    expect(err?.request?.len).toBe(req.length);
    expect(err?.header.pid).toBe(s.portId);
  });

  it('adds the extack message and the offending attribute offset with NETLINK_EXT_ACK', async () => {
    const { rtnl } = world();
    const s = rtnl.socket();
    const req = request(RTM.GETROUTE, NLM_F.REQUEST, 1, AF.INET, (b) => b.u16(RTA.OIF, 3));
    await s.send(req);
    let [err] = replies(s);
    expect([err?.errno, err?.extack, err?.header.flags]).toEqual([Errno.EINVAL, undefined, 0]);
    s.setOption(NETLINK_OPT.EXT_ACK, true);
    await s.send(req);
    [err] = replies(s);
    expect(err?.errno).toBe(Errno.EINVAL);
    expect(err?.extack).toBe('invalid attribute length');
    expect(err?.extackOffset).toBe(NLMSG_HDRLEN + RTMSG_LEN);
    expect(err?.header.flags).toBe(NLM_F.ACK_TLVS);
  });
});

describe('notifications', () => {
  it('multicasts to the group in the same namespace, and echoes to the requester once with NLM_F_ECHO', async () => {
    const { rtnl } = world();
    const requester = rtnl.socket({ admin: true, groups: [RTNLGRP.IPV4_ROUTE] });
    const monitor = rtnl.socket({ groups: [RTNLGRP.IPV4_ROUTE] });
    const other = rtnl.socket({ groups: [RTNLGRP.LINK] });
    await requester.send(
      request(RTM.NEWROUTE, NLM_F.REQUEST | NLM_F.ECHO, 1, AF.INET, (b) => b.ipv4(RTA.DST, '192.0.2.3')),
    );
    expect(replies(requester).map((m) => m.header.type)).toEqual([RTM.NEWROUTE]);
    expect(replies(monitor).map((m) => m.header.type)).toEqual([RTM.NEWROUTE]);
    expect(replies(other)).toEqual([]);
  });

  it('drops notifications for a reader that falls behind, signals ENOBUFS once, and drops its own ACKs while congested', async () => {
    // As Linux 6.18 does (checked with a raw AF_NETLINK socket, SO_RCVBUF at its minimum, links
    // added by another process): after the overrun the socket is congested, so the ACK of its own
    // request is dropped too (netlink_attachskb); a read that empties the queue ends it.
    const { rtnl } = world();
    const writer = rtnl.socket({ admin: true });
    const slow = rtnl.socket({ admin: true, groups: [RTNLGRP.IPV4_ROUTE], rcvbuf: 200 });
    for (let i = 0; i < 10; i++) {
      await writer.send(request(RTM.NEWROUTE, NLM_F.REQUEST, i, AF.INET, (b) => b.ipv4(RTA.DST, `198.51.100.${i}`)));
    }
    const dropped = slow.stats.dropped;
    expect(dropped).toBeGreaterThan(0);
    await slow.send(request(RTM.DELROUTE, NLM_F.REQUEST | NLM_F.ACK, 99));
    expect(slow.stats.dropped).toBe(dropped + 1);
    await expect(slow.recv()).rejects.toMatchObject({ errno: Errno.ENOBUFS });
    const rest = [];
    while (slow.pending > 0) rest.push(...decodeDatagram(await slow.recv()));
    expect(rest.map((m) => m.header.type)).toEqual(rest.map(() => RTM.NEWROUTE));
    // The queue is empty: the congestion is over, and the next ACK arrives.
    await slow.send(request(RTM.DELROUTE, NLM_F.REQUEST | NLM_F.ACK, 100));
    expect(decodeDatagram(await slow.recv())).toMatchObject([{ header: { seq: 100 }, errno: Errno.ESRCH }]);
  });

  it('with NETLINK_NO_ENOBUFS only the message is lost: no error, no congestion', async () => {
    const { rtnl } = world();
    const writer = rtnl.socket({ admin: true });
    const slow = rtnl.socket({ admin: true, groups: [RTNLGRP.IPV4_ROUTE], rcvbuf: 200 });
    slow.setOption(NETLINK_OPT.NO_ENOBUFS, 1);
    for (let i = 0; i < 10; i++) {
      await writer.send(request(RTM.NEWROUTE, NLM_F.REQUEST, i, AF.INET, (b) => b.ipv4(RTA.DST, `198.51.100.${i}`)));
    }
    expect(slow.stats.dropped).toBeGreaterThan(0);
    const first = decodeDatagram(await slow.recv());
    expect(first[0]?.header.type).toBe(RTM.NEWROUTE);
    // Room again after one read: a new notification is queued, not dropped.
    const before = slow.stats.dropped;
    while (slow.pending > 0) await slow.recv();
    await writer.send(request(RTM.NEWROUTE, NLM_F.REQUEST, 50, AF.INET, (b) => b.ipv4(RTA.DST, '198.51.100.50')));
    expect(slow.stats.dropped).toBe(before);
    expect(slow.pending).toBe(1);
  });

  it('drops an ACK to a socket whose queue is over its rcvbuf (replies are not kept aside)', async () => {
    const { rtnl } = world();
    const s = rtnl.socket({ admin: true, rcvbuf: 256 });
    // Ten requests answered with errors (each echoes the request) and never read.
    for (let i = 0; i < 10; i++) await s.send(request(RTM.DELROUTE, NLM_F.REQUEST | NLM_F.ACK, i));
    expect(s.stats.dropped).toBeGreaterThan(0);
    await expect(s.recv()).rejects.toMatchObject({ errno: Errno.ENOBUFS });
    const answered = [];
    while (s.pending > 0) answered.push(...decodeDatagram(await s.recv()).map((m) => m.header.seq));
    expect(answered.length + s.stats.dropped).toBe(10);
    expect(answered).toEqual(answered.slice().sort((a, b) => a - b));
  });
});

describe('dumps', () => {
  it('packs the dump into buffers of the reader size, NLM_F_MULTI on each, NLMSG_DONE at the end', async () => {
    const { rtnl, items } = world();
    const s = rtnl.socket();
    await s.send(request(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, 9, AF.UNSPEC));
    const datagrams = await readUntilDone(s, { bufferSize: 1024 });
    const messages = datagrams.flat();
    expect(datagrams.length).toBeGreaterThan(2);
    for (const d of datagrams) expect(d.reduce((n, m) => n + m.header.len, 0)).toBeLessThanOrEqual(3776);
    expect(messages.slice(0, -1).every((m) => m.header.flags & NLM_F.MULTI && m.header.seq === 9)).toBe(true);
    expect(messages.filter((m) => m.header.type === RTM.NEWLINK)).toHaveLength(items.length);
    expect(messages.at(-1)).toMatchObject({ doneErrno: 0, header: { type: NLMSG.DONE, flags: NLM_F.MULTI } });
  });

  it('sends NLMSG_DONE alone in its own buffer for DUMP_SPLIT_NLM_DONE handlers', async () => {
    const { rtnl } = world({ splitDone: true });
    const s = rtnl.socket();
    await s.send(request(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, 1, AF.UNSPEC));
    const datagrams = await readUntilDone(s);
    expect(datagrams.at(-1)?.map((m) => m.header.type)).toEqual([NLMSG.DONE]);
    expect(datagrams.at(-2)?.every((m) => m.header.type === RTM.NEWLINK)).toBe(true);
  });

  it('flags NLM_F_DUMP_INTR where the dump sees that the generation moved between passes', async () => {
    const { rtnl, generation } = world();
    const s = rtnl.socket();
    await s.send(request(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, 1, AF.UNSPEC));
    const first = decodeDatagram(await s.recv());
    generation.value += 1;
    const rest = (await readUntilDone(s)).flat();
    const interrupted = (m: (typeof rest)[number]) => (m.header.flags & NLM_F.DUMP_INTR) !== 0;
    expect(first.some(interrupted)).toBe(false);
    // Like nl_dump_check_consistent(): the message at which the change is seen carries the flag.
    expect(rest.filter(interrupted)).toHaveLength(1);
  });

  it('answers a second dump on the same socket with EBUSY before the rest of the first', async () => {
    const { rtnl, items } = world();
    const s = rtnl.socket();
    await s.send(request(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, 1, AF.UNSPEC));
    await s.send(request(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, 2, AF.UNSPEC));
    const messages = (await readUntilDone(s)).flat();
    expect(messages.find((m) => m.header.seq === 2)?.errno).toBe(Errno.EBUSY);
    const all = [...messages, ...(await readUntilDone(s)).flat()];
    expect(all.filter((m) => m.header.type === RTM.NEWLINK)).toHaveLength(items.length);
    expect(all.at(-1)?.header.type).toBe(NLMSG.DONE);
  });

  it('keeps the kernel order when a reader waits while the send is processed: EBUSY before the first DONE', async () => {
    // One pass of data, then DONE in a pass of its own: like a link dump of a fresh namespace.
    const rtnl = new Rtnetlink({ strategy: rtnlMutexStrategy() });
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.GETLINK,
      flags: RTNL_FLAG.DUMP_SPLIT_NLM_DONE,
      async dumpit(cb) {
        if (cb.cursor.done) return false;
        await Promise.resolve();
        cb.put(cb.builder(RTM.NEWLINK).bytes(new Uint8Array(16)).string(3, 'lo').finish());
        cb.cursor.done = 1;
        return false;
      },
    });
    const s = rtnl.socket();
    const reader = (async () => {
      const got = [];
      for (;;) {
        const decoded = decodeDatagram(await s.recv());
        got.push(...decoded.map((m) => [m.header.seq, m.header.type]));
        if (decoded.some((m) => m.header.type === NLMSG.DONE)) return got;
      }
    })();
    await s.send(
      concat(
        request(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, 1, AF.UNSPEC),
        request(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, 2, AF.UNSPEC),
      ),
    );
    const order = (await reader).filter(([, type]) => type !== RTM.NEWLINK);
    expect(order).toEqual([
      [2, NLMSG.ERROR],
      [1, NLMSG.DONE],
    ]);
  });

  it('ends a failing dump with NLMSG_DONE carrying the errno and the extack message', async () => {
    const strategy = rtnlMutexStrategy();
    const rtnl = new Rtnetlink({ strategy });
    rtnl.handlers.register({
      family: AF.INET,
      type: RTM.GETROUTE,
      dumpit: () => {
        throw new ErrnoError(Errno.ENOENT, 'ipv4: FIB table does not exist');
      },
    });
    const s = rtnl.socket();
    s.setOption(NETLINK_OPT.EXT_ACK, true);
    await s.send(request(RTM.GETROUTE, NLM_F.REQUEST | NLM_F.DUMP | NLM_F.ACK, 1));
    expect(replies(s)).toMatchObject([
      {
        doneErrno: Errno.ENOENT,
        extack: 'ipv4: FIB table does not exist',
        header: { flags: NLM_F.MULTI | NLM_F.ACK_TLVS },
      },
    ]);
  });

  it('sets NLM_F_DUMP_FILTERED from the answer flags', async () => {
    const strategy = rtnlMutexStrategy();
    const rtnl = new Rtnetlink({ strategy });
    rtnl.handlers.register({
      family: AF.INET,
      type: RTM.GETROUTE,
      flags: RTNL_FLAG.DUMP_UNLOCKED,
      dumpit: (cb) => {
        cb.answerFlags = NLM_F.DUMP_FILTERED;
        cb.put(cb.builder(RTM.NEWROUTE).bytes(rtmsg()).finish());
        return false;
      },
    });
    const s = rtnl.socket();
    await s.send(request(RTM.GETROUTE, NLM_F.REQUEST | NLM_F.DUMP, 1));
    expect(replies(s).map((m) => m.header.flags)).toEqual([
      NLM_F.MULTI | NLM_F.DUMP_FILTERED,
      NLM_F.MULTI | NLM_F.DUMP_FILTERED,
    ]);
  });
});
