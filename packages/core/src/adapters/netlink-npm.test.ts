import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import * as netlink from 'netlink';
import { NetlinkSocket, RtNetlinkSocket } from 'netlink';
import { describe, expect, it, vi } from 'vitest';
import { Errno, ErrnoError } from '../errno';
import { Rtnetlink } from '../rtnetlink/rtnetlink';
import type { NetlinkSocket as RtnlSocket, SocketOptions } from '../rtnetlink/socket';
import { rtnlMutexStrategy } from '../testing/rtnl-mutex-strategy';
import { NlMsgBuilder } from '../wire/builder';
import { AF, NLM_F, NLMSG, RTNL_FLAG, RTNLGRP } from '../wire/constants';
import { RTM } from '../wire/generated';
import { addrAttrs } from '../wire/generated/rt-addr';
import { decodeIfAddrMsg, encodeIfInfoMsg, IFADDRMSG_LEN } from '../wire/headers';
import { messagesOf, writeHeader } from '../wire/nlmsg';
import { NL_VALIDATE } from '../wire/parse';
import { createRtNetlinkSocket, NetlinkNpmErrnoException, NetlinkNpmSocket } from './netlink-npm';

interface Fixture {
  replies: string[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../wire/fixtures/kernel-getlink-dump.json', import.meta.url), 'utf8'),
) as Fixture;
const kernelDatagrams = fixture.replies.map((hex) => Buffer.from(hex, 'hex'));

/** The RTM_NEWLINK messages the real kernel sent for a link dump (NLMSG_DONE left out). */
const kernelLinks: Uint8Array[] = kernelDatagrams
  .flatMap((datagram) => [...messagesOf(datagram)])
  .filter((m) => m.header.type !== NLMSG.DONE)
  .map((m) => m.bytes);

/** A copy of a kernel message addressed to another request: its seq and port id. */
function restamp(message: Uint8Array, seq: number, pid: number): Uint8Array {
  const copy = new Uint8Array(message);
  const view = new DataView(copy.buffer);
  writeHeader(copy, 0, {
    len: view.getUint32(0, true),
    type: view.getUint16(4, true),
    flags: view.getUint16(6, true),
    seq,
    pid,
  });
  return copy;
}

/** An rtnlkit instance answering link dumps with the kernel's links, and IPv4 NEWADDR from a set. */
function world() {
  const rtnl = new Rtnetlink({ strategy: rtnlMutexStrategy() });
  const addresses = new Set<string>();
  const calls = { newaddr: 0, dumpPasses: 0 };
  rtnl.handlers.registerMany([
    {
      family: AF.UNSPEC,
      type: RTM.GETLINK,
      // As the kernel's rtnl_dump_ifinfo: NLMSG_DONE comes alone in the last datagram.
      flags: RTNL_FLAG.DUMP_SPLIT_NLM_DONE,
      name: 'rtnl_dump_ifinfo',
      dumpit(cb) {
        calls.dumpPasses += 1;
        for (let i = cb.cursor.link ?? 0; i < kernelLinks.length; i++) {
          if (!cb.put(restamp(kernelLinks[i] as Uint8Array, cb.header.seq, cb.socket.portId))) {
            cb.cursor.link = i;
            return true;
          }
        }
        cb.cursor.link = kernelLinks.length;
        return false;
      },
    },
    {
      family: AF.INET,
      type: RTM.NEWADDR,
      name: 'inet_rtm_newaddr',
      doit(req) {
        calls.newaddr += 1;
        const ifa = decodeIfAddrMsg(req.message, 16);
        const local = req.parse(IFADDRMSG_LEN, addrAttrs, NL_VALIDATE.STRICT).get('local');
        if (!local) throw new ErrnoError(Errno.EINVAL, 'missing IFA_LOCAL');
        const key = `${[...local.data].join('.')}/${ifa.prefixlen}@${ifa.index}`;
        if (addresses.has(key)) throw new ErrnoError(Errno.EEXIST, 'ipv4: Address already assigned');
        addresses.add(key);
      },
    },
  ]);
  return { rtnl, addresses, calls };
}

function library(sock: RtnlSocket) {
  const raw = new NetlinkNpmSocket(sock);
  const rt = new RtNetlinkSocket(new NetlinkSocket(raw as never, {}));
  return { raw, rt };
}

const address192 = {
  data: { family: AF.INET, prefixlen: 24, index: 2 },
  attrs: { local: Buffer.from([192, 0, 2, 1]), address: Buffer.from([192, 0, 2, 1]) },
};

/** A promise that rejects if `p` takes longer than `ms` (so a hung loop fails the test). */
function within<T>(p: Promise<T>, ms = 1000): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms)),
  ]);
}

/** RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, as a client would send it. */
function dumpRequest(seq: number, pid: number): Uint8Array {
  return new NlMsgBuilder(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, seq, pid)
    .bytes(encodeIfInfoMsg({ family: AF.UNSPEC, type: 0, index: 0, flags: 0, change: 0 }))
    .finish();
}

function linkNotification(index: number): Uint8Array {
  return new NlMsgBuilder(RTM.NEWLINK, 0, 0, 0)
    .bytes(encodeIfInfoMsg({ family: AF.UNSPEC, type: 1, index, flags: 0, change: 0 }))
    .string(3, `dummy${index}`)
    .finish();
}

describe('netlink@0.3.0 over rtnlkit', () => {
  it('getLinks() performs a link dump and parses the kernel links', async () => {
    const { rtnl, calls } = world();
    const { rt } = library(rtnl.socket());
    const links = await within(rt.getLinks());
    expect(links.map((l) => l.attrs.ifname)).toEqual(['lo', 'veth1', 'veth0', 'br0', 'ifb0']);
    const lo = links[0];
    expect(lo?.kind).toBe('link');
    expect(lo?.data.index).toBe(1);
    expect(lo?.data.flags?.loopback).toBe(true);
    expect(lo?.attrs.mtu).toBe(65536);
    expect(new Set(links.map((l) => l.data.index)).size).toBe(5);
    // Dump buffers of NLMSG_GOODSIZE (3776 bytes): the cursor carried the dump over 3 dumpit
    // passes (2 + 2 + 1 links); a fourth pass sends NLMSG_DONE without calling the dumpit.
    expect(calls.dumpPasses).toBe(3);
    // A second dump on the same socket starts from the beginning again.
    const again = await within(rt.getLinks());
    expect(again.map((l) => l.attrs.ifname)).toEqual(['lo', 'veth1', 'veth0', 'br0', 'ifb0']);
    rt.socket.close();
  });

  it('a non-admin socket gets EPERM for newAddress() and the handler never runs', async () => {
    const { rtnl, addresses, calls } = world();
    const { rt } = library(rtnl.socket({ admin: false }));
    await expect(within(rt.newAddress(address192.data, address192.attrs))).rejects.toThrow(/EPERM/);
    expect(calls.newaddr).toBe(0);
    expect(addresses.size).toBe(0);
    rt.socket.close();
  });

  it("an admin socket gets the handler's ACK, then its own errno", async () => {
    const { rtnl, addresses, calls } = world();
    const { rt } = library(rtnl.socket({ admin: true }));
    await expect(within(rt.newAddress(address192.data, address192.attrs))).resolves.toEqual([]);
    expect([...addresses]).toEqual(['192.0.2.1/24@2']);
    await expect(within(rt.newAddress(address192.data, address192.attrs))).rejects.toThrow(/EEXIST/);
    expect(calls.newaddr).toBe(2);
    expect(addresses.size).toBe(1);
    rt.socket.close();
  });

  it('createRtNetlinkSocket() does the two lines', async () => {
    const { rtnl } = world();
    const rt = createRtNetlinkSocket(netlink, rtnl.socket());
    expect(rt).toBeInstanceOf(RtNetlinkSocket);
    expect((await within(rt.getLinks())).length).toBe(5);
    rt.socket.close();
  });

  it('multicast notifications reach the library as unsolicited messages', async () => {
    const { rtnl } = world();
    const { rt } = library(rtnl.socket());
    const received: unknown[][] = [];
    rt.on('message', (messages) => received.push(messages));
    rt.addMembership(RTNLGRP.LINK);
    rtnl.notify(rtnl.initNet, RTNLGRP.LINK, linkNotification(7));
    await vi.waitFor(() => expect(received).toHaveLength(1));
    expect(received[0]).toMatchObject([{ kind: 'link', data: { index: 7 }, attrs: { ifname: 'dummy7' } }]);
    rt.socket.close();
  });
});

describe('NetlinkNpmSocket', () => {
  const open = (options: SocketOptions = {}) => {
    const { rtnl } = world();
    const sock = rtnl.socket(options);
    return { rtnl, sock, raw: new NetlinkNpmSocket(sock) };
  };

  it('close() stops the reader loop, closes the rtnlkit socket and emits close once', async () => {
    const { sock, raw } = open();
    const closes = vi.fn();
    const errors = vi.fn();
    raw.on('close', closes);
    raw.on('error', errors);
    expect(raw.reading).toBe(false); // lazy
    raw.start();
    expect(raw.reading).toBe(true);
    raw.close();
    raw.close();
    expect(closes).toHaveBeenCalledTimes(1);
    expect(sock.isClosed).toBe(true);
    await within(raw.stopped());
    expect(raw.reading).toBe(false);
    expect(errors).not.toHaveBeenCalled();
    raw.start(); // a closed adapter does not read again
    expect(raw.reading).toBe(false);
  });

  it('closing through the library emits close on every layer and ends the loop', async () => {
    const { sock } = open();
    const { raw, rt } = library(sock);
    await within(rt.getLinks());
    expect(raw.reading).toBe(true);
    const closes = vi.fn();
    rt.socket.on('close', closes);
    rt.socket.close();
    expect(closes).toHaveBeenCalledTimes(1);
    await within(raw.stopped());
    expect(raw.reading).toBe(false);
  });

  it('closing the rtnlkit socket directly ends the loop with close, not error', async () => {
    const { sock, raw } = open();
    const closes = vi.fn();
    const errors = vi.fn();
    raw.on('close', closes);
    raw.on('error', errors);
    raw.start();
    sock.close();
    await within(raw.stopped());
    expect(closes).toHaveBeenCalledTimes(1);
    expect(errors).not.toHaveBeenCalled();
  });

  it('emits each datagram as a Buffer from the kernel (port 0)', async () => {
    const { sock, raw } = open();
    const messages: [Buffer, unknown][] = [];
    raw.on('message', (msg: Buffer, rinfo: unknown) => messages.push([msg, rinfo]));
    const request = dumpRequest(9, sock.portId);
    // Two parts, as netlink@0.3.0 sends them (header, payload).
    const sent = vi.fn();
    raw.send([request.subarray(0, 16), request.subarray(16)], {}, sent);
    await vi.waitFor(() => expect(messages.at(-1)?.[0].readUInt16LE(4)).toBe(NLMSG.DONE));
    expect(sent).toHaveBeenCalledWith(undefined);
    for (const [msg, rinfo] of messages) {
      expect(Buffer.isBuffer(msg)).toBe(true);
      expect(rinfo).toEqual({ port: 0, groups: 0 });
    }
    const all = messages.flatMap(([msg]) => [...messagesOf(msg)]);
    expect(all.map((m) => m.header.type)).toEqual([16, 16, 16, 16, 16, NLMSG.DONE]);
    expect(all.every((m) => m.header.seq === 9 && m.header.pid === sock.portId)).toBe(true);
    // Reading like the native socket (peek, then exactly the datagram's size) keeps the kernel's
    // dump buffers small: the datagrams split where the kernel split them for netlink@0.3.0.
    expect(messages.map(([msg]) => msg.length)).toEqual(kernelDatagrams.map((d) => d.length));
    raw.close();
  });

  it('after a large datagram was read, dump buffers grow to its size (max_recvmsg_len)', async () => {
    const { rtnl, sock, raw } = open();
    const sizes: number[] = [];
    raw.on('message', (msg: Buffer) => sizes.push(msg.length));
    raw.addMembership(RTNLGRP.LINK);
    const big = new NlMsgBuilder(RTM.NEWLINK, 0, 0, 0).bytes(new Uint8Array(16)).attr(1, new Uint8Array(5980)).finish();
    rtnl.notify(rtnl.initNet, RTNLGRP.LINK, big);
    await vi.waitFor(() => expect(sizes).toEqual([6016]));
    raw.send(dumpRequest(1, sock.portId));
    await vi.waitFor(() => expect(sizes).toHaveLength(4));
    // 6016-byte buffers: lo, veth1, veth0 (4460 bytes), then br0 and ifb0, then NLMSG_DONE.
    expect(sizes.slice(1)).toEqual([1468 + 1496 + 1496, 1880 + 1484, 20]);
    raw.close();
  });

  it('msgBufferSize sizes the dump buffers like recvmsg() buffers do', async () => {
    const { sock } = open();
    const raw = new NetlinkNpmSocket(sock, { msgBufferSize: 32768 });
    const sizes: number[] = [];
    raw.on('message', (msg: Buffer) => sizes.push(msg.length));
    raw.send(dumpRequest(1, sock.portId));
    await vi.waitFor(() => expect(sizes).toHaveLength(2));
    const linkBytes = kernelLinks.reduce((n, m) => n + m.length, 0);
    expect(sizes).toEqual([linkBytes, 20]); // every link in one buffer, then NLMSG_DONE
    raw.close();
  });

  it("a datagram longer than msgBufferSize is cut and emitted as 'truncatedMessage'", async () => {
    const { sock } = open();
    const raw = new NetlinkNpmSocket(sock, { msgBufferSize: 1024 });
    const truncated: [Buffer, unknown][] = [];
    const whole: Buffer[] = [];
    raw.on('truncatedMessage', (msg: Buffer, rinfo: unknown) => truncated.push([msg, rinfo]));
    raw.on('message', (msg: Buffer) => whole.push(msg));
    raw.send(dumpRequest(1, sock.portId));
    await vi.waitFor(() => expect(whole).toHaveLength(1)); // NLMSG_DONE fits
    // A 1024-byte reader still gets NLMSG_GOODSIZE dump buffers, as from the kernel.
    expect(truncated.map(([, rinfo]) => rinfo)).toEqual(
      kernelDatagrams.slice(0, -1).map((d) => ({ port: 0, groups: 0, truncated: d.length })),
    );
    expect(truncated.every(([msg]) => msg.length === 1024)).toBe(true);
    expect(whole[0]?.readUInt16LE(4)).toBe(NLMSG.DONE);
    raw.close();
  });

  it("send() hands rtnlkit's refusal to the callback as an ErrnoException with errno", async () => {
    const { raw } = open({ sndbuf: 40 });
    const error = await new Promise<NetlinkNpmErrnoException | undefined>((resolve) =>
      raw.send([new Uint8Array(32)], {}, resolve),
    );
    expect(error).toBeInstanceOf(NetlinkNpmErrnoException);
    expect(error).toMatchObject({
      name: 'ErrnoException',
      errno: Errno.EMSGSIZE,
      code: 'EMSGSIZE',
      syscall: 'sendmsg',
    });
    raw.close();
    const closed = await new Promise<NetlinkNpmErrnoException | undefined>((resolve) =>
      raw.send(new Uint8Array(32), {}, resolve),
    );
    expect(closed).toMatchObject({ errno: Errno.EBADF, code: 'EBADF' });
  });

  it('the library rejects a request rtnlkit refused to send', async () => {
    const { sock } = open({ sndbuf: 40 });
    const { rt } = library(sock);
    await expect(within(rt.getLinks())).rejects.toMatchObject({ errno: Errno.EMSGSIZE });
    rt.socket.close();
  });

  it('refuses destinations other than the kernel', async () => {
    const { raw } = open();
    const error = await new Promise<NetlinkNpmErrnoException | undefined>((resolve) =>
      raw.send([new Uint8Array(32)], { port: 1234 }, resolve),
    );
    expect(error).toMatchObject({ errno: Errno.EOPNOTSUPP });
    raw.close();
  });

  it('without a callback, a send failure is emitted as error', async () => {
    const { raw } = open({ sndbuf: 40 });
    const errors: unknown[] = [];
    raw.on('error', (e) => errors.push(e));
    raw.send([new Uint8Array(64)]);
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toMatchObject({ errno: Errno.EMSGSIZE });
    raw.close();
  });

  it('ENOBUFS is emitted as error and reading goes on', async () => {
    const { rtnl, sock, raw } = open({ rcvbuf: 1024 });
    const errors: NetlinkNpmErrnoException[] = [];
    const indexes: number[] = [];
    raw.on('error', (e: NetlinkNpmErrnoException) => errors.push(e));
    raw.on('message', (msg: Buffer) => indexes.push(msg.readInt32LE(20)));
    raw.addMembership(RTNLGRP.LINK); // starts the loop
    let delivered = 0;
    for (let i = 1; i <= 40; i++) if (rtnl.notify(rtnl.initNet, RTNLGRP.LINK, linkNotification(i)) > 0) delivered++;
    expect(sock.stats.dropped).toBeGreaterThan(0);
    await vi.waitFor(() => expect(indexes).toHaveLength(delivered));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ errno: Errno.ENOBUFS, code: 'ENOBUFS', syscall: 'recvmsg' });
    // Still reading afterwards.
    rtnl.notify(rtnl.initNet, RTNLGRP.LINK, linkNotification(100));
    await vi.waitFor(() => expect(indexes.at(-1)).toBe(100));
    expect(raw.reading).toBe(true);
    raw.close();
  });

  it("a throwing 'message' listener becomes an error event; the loop survives", async () => {
    const { rtnl, raw } = open();
    const errors: unknown[] = [];
    const seen: number[] = [];
    raw.on('error', (e) => errors.push(e));
    raw.on('message', (msg: Buffer) => {
      seen.push(msg.readInt32LE(20));
      if (seen.length === 1) throw new Error('listener bug');
    });
    raw.addMembership(RTNLGRP.LINK);
    rtnl.notify(rtnl.initNet, RTNLGRP.LINK, linkNotification(1));
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    rtnl.notify(rtnl.initNet, RTNLGRP.LINK, linkNotification(2));
    await vi.waitFor(() => expect(seen).toEqual([1, 2]));
    expect(String(errors[0])).toMatch(/listener bug/);
    raw.close();
  });

  it('with nobody listening for errors, they go to onUnhandledError instead of being thrown', async () => {
    const { rtnl, sock } = open({ rcvbuf: 512 });
    const unhandled: unknown[] = [];
    const raw = new NetlinkNpmSocket(sock, { onUnhandledError: (e) => unhandled.push(e) });
    // Like netlink@0.3.0: an 'error' re-emitter whose own emitter has no listener, so it throws.
    const downstream = new (await import('node:events')).EventEmitter();
    raw.on('error', (e) => downstream.emit('error', e));
    raw.addMembership(RTNLGRP.LINK);
    for (let i = 1; i <= 20; i++) rtnl.notify(rtnl.initNet, RTNLGRP.LINK, linkNotification(i));
    await vi.waitFor(() => expect(unhandled).toHaveLength(1));
    expect(unhandled[0]).toMatchObject({ errno: Errno.ENOBUFS });
    expect(raw.reading).toBe(true);
    raw.close();
    await within(raw.stopped());
  });

  it('address(), memberships, buffer sizes and ref/unref', () => {
    const { sock, raw } = open({ portId: 4242, rcvbuf: 4096, sndbuf: 8192 });
    expect(raw.address()).toEqual({ port: 4242, groups: 0 });
    raw.addMembership(RTNLGRP.LINK);
    raw.addMembership(RTNLGRP.IPV4_IFADDR);
    raw.addMembership(RTNLGRP.STATS); // above 32: joined, but not in the address bitmask
    expect(sock.memberships()).toEqual([RTNLGRP.LINK, RTNLGRP.IPV4_IFADDR, RTNLGRP.STATS]);
    expect(raw.address()).toEqual({ port: 4242, groups: (1 << 0) | (1 << 4) });
    raw.dropMembership(RTNLGRP.LINK);
    expect(sock.isMember(RTNLGRP.LINK)).toBe(false);
    expect(() => raw.addMembership(0)).toThrow(NetlinkNpmErrnoException);
    expect(() => raw.addMembership('1' as unknown as number)).toThrow(TypeError);
    expect(raw.getRecvBufferSize()).toBe(4096);
    expect(raw.getSendBufferSize()).toBe(8192);
    raw.setRecvBufferSize(1 << 20);
    raw.setSendBufferSize(1 << 16);
    expect(raw.getRecvBufferSize()).toBe(1 << 20);
    expect(raw.getSendBufferSize()).toBe(1 << 16);
    expect(sock.rcvbuf).toBe(4096); // recorded only
    raw.ref();
    raw.unref();
    raw.close();
  });
});
