import { readFileSync } from 'node:fs';
import {
  decodeIfInfoMsg,
  decodeMessage,
  Errno,
  encodeIfInfoMsg,
  IFF,
  IFLA,
  LockEnv,
  messagesOf,
  NETLINK_OPT,
  NLM_F,
  NLMSG,
  NLMSG_HDRLEN,
  NlMsgBuilder,
  RTM,
  RTNL_FLAG,
  Rtnetlink,
  runTask,
} from '@rtnlkit/core';
import { type DecodedMessage, decodeDatagram, readUntilDone, rtnlMutexStrategy } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { netnsOf } from '../netns/netns';
import { MODELLED_LINK_ATTRIBUTES } from './fill';
import { NetDevice } from './netdevice';
import { type InstalledSubsystem, linkSubsystem } from './subsystem';
import { linkTable } from './table';

async function world() {
  const env = new LockEnv({ lockdep: true });
  const rtnl = new Rtnetlink({ strategy: rtnlMutexStrategy(), env });
  const installed = (await rtnl.install(linkSubsystem())) as InstalledSubsystem;
  return { rtnl, env, installed };
}

let seq = 100;
function getlink(fields: { index?: number; flags?: number } = {}, attrs?: (b: NlMsgBuilder) => void): Uint8Array {
  const b = new NlMsgBuilder(RTM.GETLINK, NLM_F.REQUEST | (fields.flags ?? 0), seq++, 0);
  b.bytes(encodeIfInfoMsg({ index: fields.index ?? 0 }));
  attrs?.(b);
  return b.finish().slice();
}

async function ask(rtnl: Rtnetlink, request: Uint8Array, options: { strict?: boolean } = {}) {
  const sock = rtnl.socket();
  sock.setOption(NETLINK_OPT.EXT_ACK, true);
  if (options.strict) sock.setOption(NETLINK_OPT.GET_STRICT_CHK, true);
  await sock.send(request);
  return { sock, replies: decodeDatagram(await sock.recv()) };
}

function attrsOf(m: DecodedMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of decodeMessage(m.bytes).attrs)
    out[a.name ?? String(a.type)] = Buffer.from(a.data ?? []).toString('hex');
  return out;
}

describe('link subsystem install', () => {
  it('gives init_net and every new namespace a loopback device, ifindex 1, and removes them again', async () => {
    const { rtnl, installed } = await world();
    const lo = linkTable(rtnl.initNet).getByIndex(1);
    expect(lo?.name).toBe('lo');
    expect(linkTable(rtnl.initNet).devBaseSeq).toBe(2);
    const net = await runTask('ip-netns-add', (t) => netnsOf(rtnl).create('ns1', t));
    expect(linkTable(net).getByName('lo')?.ifindex).toBe(1);
    expect(linkTable(net).getByName('lo')).not.toBe(lo);
    const entry = rtnl.handlers.get(0, RTM.GETLINK);
    expect(entry?.flags).toBe(RTNL_FLAG.DUMP_SPLIT_NLM_DONE);
    expect(entry?.locks).toEqual(['rtnl']);
    await installed[Symbol.asyncDispose]();
    expect(rtnl.handlers.get(0, RTM.GETLINK)).toBeUndefined();
    expect(linkTable(net).size).toBe(0);
    expect(lo?.regState).toBe('unregistered');
    await runTask('ip-netns-del', (t) => netnsOf(rtnl).destroy(net, t));
  });

  it('unregisters a destroyed namespace’s devices', async () => {
    const { rtnl } = await world();
    const net = await runTask('add', (t) => netnsOf(rtnl).create('ns', t));
    const lo = linkTable(net).getByName('lo');
    await runTask('del', (t) => netnsOf(rtnl).destroy(net, t));
    expect(lo?.regState).toBe('unregistered');
  });

  it('sync dispose removes the handlers at once and the devices soon after', async () => {
    const { rtnl, installed } = await world();
    installed[Symbol.dispose]();
    expect(rtnl.handlers.get(0, RTM.GETLINK)).toBeUndefined();
    await installed.removed;
    expect(linkTable(rtnl.initNet).size).toBe(0);
  });
});

describe('RTM_GETLINK doit', () => {
  it('answers lo by index and by name with one RTM_NEWLINK, kernel layout', async () => {
    const { rtnl, env } = await world();
    for (const request of [getlink({ index: 1 }), getlink({}, (b) => b.string(IFLA.IFNAME, 'lo'))]) {
      const { replies } = await ask(rtnl, request);
      expect(replies).toHaveLength(1);
      const [m] = replies as [DecodedMessage];
      expect(m.header.type).toBe(RTM.NEWLINK);
      expect(m.header.flags).toBe(0);
      expect(decodeIfInfoMsg(m.bytes, NLMSG_HDRLEN)).toEqual({
        family: 0,
        type: 772,
        index: 1,
        flags: IFF.LOOPBACK,
        change: 0,
      });
      expect(Object.keys(attrsOf(m))).toEqual(
        // lo is no port, sits on no other device, has no kind and no alias, and a plain GETLINK
        // neither names nor moves a namespace.
        MODELLED_LINK_ATTRIBUTES.filter(
          (a) =>
            !['master', 'ifalias', 'link', 'link-netnsid', 'target-netnsid', 'new-netnsid', 'new-ifindex'].includes(
              a,
            ) && !a.startsWith('linkinfo'),
        ),
      );
      expect(attrsOf(m)).toMatchObject({ ifname: '6c6f00', operstate: '02', carrier: '01', mtu: '00000100' });
    }
    expect(env.lockdep?.reports).toEqual([]);
  });

  it('matches the kernel capture of lo, attribute by attribute, for what it models', async () => {
    const { rtnl } = await world();
    const lo = linkTable(rtnl.initNet).getByIndex(1) as NetDevice;
    lo.flags |= IFF.UP; // the capture was taken after `ip link set lo up`
    const fixture = JSON.parse(
      readFileSync(new URL('../../../core/src/wire/fixtures/kernel-getlink-dump.json', import.meta.url), 'utf8'),
    ) as { replies: string[] };
    const first = [...messagesOf(Uint8Array.from(Buffer.from(fixture.replies[0] as string, 'hex')))][0];
    const kernel = decodeDatagram(first?.bytes as Uint8Array)[0] as DecodedMessage;
    const { replies } = await ask(rtnl, getlink({ index: 1 }));
    const ours = replies[0] as DecodedMessage;
    expect(ours.bytes.subarray(NLMSG_HDRLEN, NLMSG_HDRLEN + 16)).toEqual(
      kernel.bytes.subarray(NLMSG_HDRLEN, NLMSG_HDRLEN + 16),
    );
    const kernelAttrs = attrsOf(kernel);
    const modelled = Object.fromEntries(
      Object.keys(kernelAttrs)
        .filter((name) => (MODELLED_LINK_ATTRIBUTES as readonly string[]).includes(name))
        .map((name) => [name, kernelAttrs[name]]),
    );
    expect(Object.keys(attrsOf(ours))).toEqual(Object.keys(modelled)); // same attributes, same order
    expect(attrsOf(ours)).toEqual(modelled);
  });

  it('ENODEV for an unknown index or name, EINVAL for neither', async () => {
    const { rtnl } = await world();
    const cases: [Uint8Array, number][] = [
      [getlink({ index: 99 }), Errno.ENODEV],
      [getlink({}, (b) => b.string(IFLA.IFNAME, 'nope')), Errno.ENODEV],
      [getlink({}, (b) => b.string(IFLA.ALT_IFNAME, 'lo')), Errno.ENODEV],
      [getlink(), Errno.EINVAL],
      [getlink({ index: 1 }, (b) => b.s32(IFLA.TARGET_NETNSID, 5)), Errno.EINVAL],
    ];
    for (const [request, errno] of cases) {
      const { replies } = await ask(rtnl, request);
      expect(replies[0]?.header.type).toBe(NLMSG.ERROR);
      expect(replies[0]?.errno).toBe(errno);
    }
  });

  it('validates strictly with NETLINK_GET_STRICT_CHK', async () => {
    const { rtnl } = await world();
    const badHeader = new NlMsgBuilder(RTM.GETLINK, NLM_F.REQUEST, seq++, 0)
      .bytes(encodeIfInfoMsg({ index: 1, flags: 1 }))
      .finish()
      .slice();
    const short = new NlMsgBuilder(RTM.GETLINK, NLM_F.REQUEST, seq++, 0).bytes(new Uint8Array(4)).finish().slice();
    const cases: [Uint8Array, boolean, string][] = [
      [badHeader, true, 'Invalid values in header for get link request'],
      [getlink({ index: 1 }, (b) => b.u32(IFLA.MTU, 1500)), true, 'Unsupported attribute in get link request'],
      [short, false, 'Invalid header for get link'],
    ];
    for (const [request, strict, extack] of cases) {
      const { replies } = await ask(rtnl, request, { strict });
      expect(replies[0]?.errno).toBe(Errno.EINVAL);
      expect(replies[0]?.extack).toBe(extack);
    }
    // without strict checking the same header values and attributes are ignored
    expect((await ask(rtnl, badHeader)).replies[0]?.header.type).toBe(RTM.NEWLINK);
  });
});

describe('RTM_GETLINK dump', () => {
  async function dump(rtnl: Rtnetlink, request: Uint8Array, strict = false) {
    const sock = rtnl.socket();
    sock.setOption(NETLINK_OPT.EXT_ACK, true);
    if (strict) sock.setOption(NETLINK_OPT.GET_STRICT_CHK, true);
    await sock.send(request);
    return (await readUntilDone(sock)).flat();
  }

  it('dumps lo, then NLMSG_DONE in a datagram of its own', async () => {
    const { rtnl } = await world();
    const sock = rtnl.socket();
    await sock.send(getlink({ flags: NLM_F.DUMP }));
    const first = decodeDatagram(await sock.recv());
    expect(first.map((m) => [m.header.type, m.header.flags])).toEqual([[RTM.NEWLINK, NLM_F.MULTI]]);
    const second = decodeDatagram(await sock.recv());
    expect(second.map((m) => [m.header.type, m.header.flags, m.doneErrno])).toEqual([[NLMSG.DONE, NLM_F.MULTI, 0]]);
  });

  it('resumes across passes in ifindex order, and flags NLM_F_DUMP_INTR when dev_base_seq moved', async () => {
    const { rtnl } = await world();
    const table = linkTable(rtnl.initNet);
    for (let i = 0; i < 80; i += 1) table.register(new NetDevice({ name: `d${i}` }));
    const sock = rtnl.socket();
    await sock.send(getlink({ flags: NLM_F.DUMP }));
    const first = decodeDatagram(await sock.recv({ bufferSize: 4096 })); // keeps the passes small
    expect(first.length).toBeGreaterThan(1);
    expect(first.length).toBeLessThan(40); // at least three passes
    expect(first.every((m) => (m.header.flags & NLM_F.DUMP_INTR) === 0)).toBe(true);
    table.register(new NetDevice({ name: 'late' })); // ifindex 82, after the cursor
    const rest = (await readUntilDone(sock, { bufferSize: 4096 })).flat();
    const all = [...first, ...rest];
    const indexes = all
      .filter((m) => m.header.type === RTM.NEWLINK)
      .map((m) => decodeIfInfoMsg(m.bytes, NLMSG_HDRLEN).index);
    expect(indexes).toEqual(Array.from({ length: 82 }, (_, i) => i + 1));
    expect(rest.some((m) => m.header.flags & NLM_F.DUMP_INTR)).toBe(true);
    expect(rest.at(-1)?.header.type).toBe(NLMSG.DONE);
    // Like nl_dump_check_consistent(): only the message where the sequence moved is flagged.
    expect(rest.filter((m) => m.header.flags & NLM_F.DUMP_INTR)).toHaveLength(1);
  });

  it('filters by master (NLM_F_DUMP_FILTERED on the messages)', async () => {
    const { rtnl } = await world();
    const table = linkTable(rtnl.initNet);
    const br = new NetDevice({ name: 'br0' });
    const port = new NetDevice({ name: 'p0' });
    table.register(br);
    table.register(port);
    port.master = br;
    const masterOf = (ifindex: number) => getlink({ flags: NLM_F.DUMP }, (b) => b.u32(IFLA.MASTER, ifindex));
    const names = (ms: DecodedMessage[]) =>
      ms
        .filter((m) => m.header.type === RTM.NEWLINK)
        .map((m) => Buffer.from(attrsOf(m).ifname ?? '', 'hex').toString());
    const byMaster = await dump(rtnl, masterOf(br.ifindex));
    expect(names(byMaster)).toEqual(['p0\0']);
    expect(byMaster[0]?.header.flags).toBe(NLM_F.MULTI | NLM_F.DUMP_FILTERED);
    expect(attrsOf(byMaster[0] as DecodedMessage).master).toBe('02000000');
    expect(names(await dump(rtnl, masterOf(0xffffffff)))).toEqual(['lo\0', 'br0\0']);
  });

  it('checks dump requests strictly with NETLINK_GET_STRICT_CHK', async () => {
    const { rtnl } = await world();
    const cases: [Uint8Array, string][] = [
      [getlink({ flags: NLM_F.DUMP, index: 1 }), 'Filter by device index not supported for link dumps'],
      [getlink({ flags: NLM_F.DUMP }, (b) => b.u32(IFLA.MTU, 1)), 'Unsupported attribute in link dump request'],
      [getlink({ flags: NLM_F.DUMP }, (b) => b.s32(IFLA.TARGET_NETNSID, 3)), 'Invalid target network namespace id'],
    ];
    for (const [request, extack] of cases) {
      const replies = await dump(rtnl, request, true);
      expect(replies.map((m) => [m.header.type, m.doneErrno, m.extack])).toEqual([[NLMSG.DONE, Errno.EINVAL, extack]]);
    }
    // Without strict checking an index in the header is ignored, and an rtgenmsg-only request works.
    expect((await dump(rtnl, getlink({ flags: NLM_F.DUMP, index: 1 }))).map((m) => m.header.type)).toEqual([
      RTM.NEWLINK,
      NLMSG.DONE,
    ]);
    const rtgen = new NlMsgBuilder(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, seq++, 0).bytes(new Uint8Array(1)).finish();
    expect((await dump(rtnl, rtgen.slice())).map((m) => m.header.type)).toEqual([RTM.NEWLINK, NLMSG.DONE]);
  });

  it('dumps each namespace’s own devices', async () => {
    const { rtnl } = await world();
    const net = await runTask('add', (t) => netnsOf(rtnl).create('ns', t));
    linkTable(rtnl.initNet).register(new NetDevice({ name: 'only-init' }));
    const sock = rtnl.socket({ net });
    await sock.send(getlink({ flags: NLM_F.DUMP }));
    const replies = (await readUntilDone(sock)).flat();
    expect(replies.filter((m) => m.header.type === RTM.NEWLINK)).toHaveLength(1);
  });
});
