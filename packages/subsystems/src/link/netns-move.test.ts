import {
  decodeIfInfoMsg,
  Errno,
  IFLA,
  IFLA_INFO,
  linkAttrs,
  type Net,
  NL_VALIDATE,
  NLM_F,
  NLMSG_HDRLEN,
  type NlMsgBuilder,
  nla,
  nlmsgParse,
  RTM,
  runTask,
} from '@rtnlkit/core';
import type { DecodedMessage } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { netnsOf } from '../netns/netns';
import { nsFiles } from '../netns/ns-files';
import { getNetNsById, peernet2id, peernet2idAlloc } from '../netns/nsid';
import { linkTable } from './table';
import { linkRequest, linkWorld, sendAndListen } from './test-support';

const BLUE_FD = 3;

/** A link world with a namespace `blue` open as fd 3, and ifb0 (ifindex 2) in init_net. */
async function world() {
  const w = await linkWorld();
  const blue = await runTask('ip-netns-add', (t) => netnsOf(w.rtnl).create('blue', t));
  nsFiles(w.rtnl).bindFd(BLUE_FD, blue);
  const created = await sendAndListen(w.rtnl, add('ifb0'));
  expect(created.ack?.errno).toBe(0);
  return { ...w, blue };
}

const add = (name: string, more?: (b: NlMsgBuilder) => void) =>
  linkRequest(RTM.NEWLINK, NLM_F.CREATE | NLM_F.EXCL, {}, (b) => {
    b.string(IFLA.IFNAME, name);
    more?.(b);
    b.nest(IFLA.LINKINFO, (n) => n.string(IFLA_INFO.KIND, 'ifb'));
  });
const setlink = (index: number, attrs: (b: NlMsgBuilder) => void) => linkRequest(RTM.SETLINK, 0, { index }, attrs);
const attrsOf = (m: DecodedMessage | undefined) => {
  const tb = nlmsgParse(m?.bytes ?? new Uint8Array(), 16, linkAttrs, NL_VALIDATE.LIBERAL);
  const s32 = (type: number) => {
    const attr = tb.tb[type];
    return attr && nla.s32(attr);
  };
  const ifname = tb.tb[IFLA.IFNAME];
  return {
    ifname: ifname && nla.string(ifname),
    newNetnsid: s32(IFLA.NEW_NETNSID),
    newIfindex: s32(IFLA.NEW_IFINDEX),
    targetNetnsid: s32(IFLA.TARGET_NETNSID),
  };
};
const names = (net: Net) =>
  linkTable(net)
    .devices()
    .map((d) => `${d.name}(${d.ifindex})`);

describe('moving a device to another namespace (__dev_change_net_namespace)', () => {
  it('moves ifb0 by IFLA_NET_NS_FD, keeping its ifindex, and says where it went in the RTM_DELLINK', async () => {
    const { rtnl, blue, table } = await world();
    const dev = table.getByName('ifb0');
    const moved = await sendAndListen(
      rtnl,
      setlink(2, (b) => b.u32(IFLA.NET_NS_FD, BLUE_FD)),
    );
    expect(moved.ack?.errno).toBe(0);
    expect(names(rtnl.initNet)).toEqual(['lo(1)']);
    expect(names(blue)).toEqual(['lo(1)', 'ifb0(2)']);
    expect(linkTable(blue).getByName('ifb0')).toBe(dev);
    expect(dev?.regState).toBe('registered');
    // The listener sits in init_net: it hears the device leave, with blue's new id there.
    expect(moved.notifications.map((m) => m.header.type)).toEqual([RTM.DELLINK]);
    expect(attrsOf(moved.notifications[0])).toMatchObject({ ifname: 'ifb0', newNetnsid: 0, newIfindex: 2 });
    expect(getNetNsById(rtnl.initNet, 0)).toBe(blue);
    expect(peernet2id(blue, rtnl.initNet)).toBe(-1);
  });

  it('gives a new ifindex when its own is taken there, or the IFLA_NEW_IFINDEX asked for (EBUSY if taken)', async () => {
    const { rtnl, blue } = await world();
    const inBlue = rtnl.socket({ admin: true, net: blue });
    await inBlue.send(add('other')); // ifindex 2 in blue
    await inBlue.recv();
    const busy = await sendAndListen(
      rtnl,
      setlink(2, (b) => b.u32(IFLA.NET_NS_FD, BLUE_FD).s32(IFLA.NEW_IFINDEX, 1)),
    );
    expect(busy.ack).toMatchObject({
      errno: Errno.EBUSY,
      extack: 'The ifindex 1 is not available in the target netns',
    });
    expect(names(rtnl.initNet)).toEqual(['lo(1)', 'ifb0(2)']);
    expect(
      (
        await sendAndListen(
          rtnl,
          setlink(2, (b) => b.u32(IFLA.NET_NS_FD, BLUE_FD)),
        )
      ).ack?.errno,
    ).toBe(0);
    expect(names(blue)).toEqual(['lo(1)', 'other(2)', 'ifb0(3)']);
  });

  it('refuses a name taken there (EEXIST) unless IFLA_IFNAME gives another, and lo (netns local)', async () => {
    const { rtnl, blue } = await world();
    const inBlue = rtnl.socket({ admin: true, net: blue });
    await inBlue.send(add('ifb0'));
    await inBlue.recv();
    const taken = await sendAndListen(
      rtnl,
      setlink(2, (b) => b.u32(IFLA.NET_NS_FD, BLUE_FD)),
    );
    expect(taken.ack).toMatchObject({
      errno: Errno.EEXIST,
      extack: 'An interface with the same name exists in the target netns',
    });
    const renamed = await sendAndListen(
      rtnl,
      setlink(2, (b) => b.string(IFLA.IFNAME, 'ifb%d').u32(IFLA.NET_NS_FD, BLUE_FD)),
    );
    expect(renamed.ack?.errno).toBe(0);
    // The pattern names it ifb1 on the way in; do_setlink's rename with the same pattern then
    // takes the next free unit, ifb2 (Linux 6.18 does the same: checked with `ip link set`).
    expect(names(blue)).toEqual(['lo(1)', 'ifb0(2)', 'ifb2(3)']);
    const lo = await sendAndListen(
      rtnl,
      setlink(1, (b) => b.u32(IFLA.NET_NS_FD, BLUE_FD)),
    );
    expect(lo.ack).toMatchObject({ errno: Errno.EINVAL, extack: 'The interface netns is immutable' });
  });

  it('resolves the namespace before any change: EBADF, ESRCH, EINVAL for an unknown id or two selectors', async () => {
    const { rtnl } = await world();
    const cases: [(b: NlMsgBuilder) => void, number, string | undefined][] = [
      [(b) => b.u32(IFLA.NET_NS_FD, 42), Errno.EBADF, undefined],
      [(b) => b.u32(IFLA.NET_NS_PID, 4242), Errno.ESRCH, undefined],
      [(b) => b.s32(IFLA.TARGET_NETNSID, 7), Errno.EINVAL, undefined],
      [
        (b) => b.u32(IFLA.NET_NS_FD, BLUE_FD).s32(IFLA.TARGET_NETNSID, 0),
        Errno.EINVAL,
        'multiple netns identifying attributes specified',
      ],
    ];
    for (const [attrs, errno, extack] of cases) {
      const { ack } = await sendAndListen(rtnl, setlink(2, attrs));
      expect(ack?.errno).toBe(errno);
      expect(ack?.extack).toBe(extack);
    }
    expect(names(rtnl.initNet)).toEqual(['lo(1)', 'ifb0(2)']);
  });

  it('creates a device in the namespace RTM_NEWLINK names, and knows IFLA_LINK_NETNSID ids only', async () => {
    const { rtnl, blue } = await world();
    const created = await sendAndListen(
      rtnl,
      add('ifb7', (b) => b.u32(IFLA.NET_NS_FD, BLUE_FD)),
    );
    expect(created.ack?.errno).toBe(0);
    expect(names(blue)).toEqual(['lo(1)', 'ifb7(2)']);
    const unknown = await sendAndListen(
      rtnl,
      add('ifb8', (b) => b.s32(IFLA.LINK_NETNSID, 3)),
    );
    expect(unknown.ack).toMatchObject({ errno: Errno.EINVAL, extack: 'Unknown network namespace id' });
  });
});

describe('IFLA_TARGET_NETNSID', () => {
  it('lets GETLINK read and DELLINK delete in the namespace an id names; PID/FD are refused there', async () => {
    const { rtnl, blue } = await world();
    const id = peernet2idAlloc(rtnl.initNet, blue);
    const inBlue = rtnl.socket({ admin: true, net: blue });
    await inBlue.send(add('ifb5'));
    await inBlue.recv();
    const get = await sendAndListen(
      rtnl,
      linkRequest(RTM.GETLINK, 0, {}, (b) => b.string(IFLA.IFNAME, 'ifb5').s32(IFLA.TARGET_NETNSID, id)),
    );
    const reply = get.replies[0];
    expect(reply?.header.type).toBe(RTM.NEWLINK);
    expect(decodeIfInfoMsg(reply?.bytes ?? new Uint8Array(), NLMSG_HDRLEN).index).toBe(2);
    expect(attrsOf(reply)).toMatchObject({ ifname: 'ifb5', targetNetnsid: id });
    const byFd = await sendAndListen(
      rtnl,
      linkRequest(RTM.DELLINK, 0, {}, (b) => b.string(IFLA.IFNAME, 'ifb5').u32(IFLA.NET_NS_FD, BLUE_FD)),
    );
    expect(byFd.ack).toMatchObject({ errno: Errno.EOPNOTSUPP, extack: 'specified netns attribute not supported' });
    const del = await sendAndListen(
      rtnl,
      linkRequest(RTM.DELLINK, 0, {}, (b) => b.string(IFLA.IFNAME, 'ifb5').s32(IFLA.TARGET_NETNSID, id)),
    );
    expect(del.ack?.errno).toBe(0);
    expect(names(blue)).toEqual(['lo(1)']);
    const unknown = await sendAndListen(
      rtnl,
      linkRequest(RTM.GETLINK, 0, { index: 1 }, (b) => b.s32(IFLA.TARGET_NETNSID, id + 1)),
    );
    expect(unknown.ack?.errno).toBe(Errno.EINVAL);
  });

  it('answers EACCES to a GETLINK from a socket without admin rights', async () => {
    const { rtnl, blue } = await world();
    const id = peernet2idAlloc(rtnl.initNet, blue);
    const sock = rtnl.socket();
    await sock.send(linkRequest(RTM.GETLINK, 0, { index: 1 }, (b) => b.s32(IFLA.TARGET_NETNSID, id)));
    const { decodeDatagram } = await import('@rtnlkit/core/testing');
    expect(decodeDatagram(await sock.recv())[0]?.errno).toBe(Errno.EACCES);
  });

  it('forgets ids, files and devices of a namespace that is destroyed', async () => {
    const { rtnl, blue } = await world();
    peernet2idAlloc(rtnl.initNet, blue);
    await runTask('ip-netns-del', (t) => netnsOf(rtnl).destroy(blue, t));
    expect(getNetNsById(rtnl.initNet, 0)).toBeUndefined();
    expect(() => nsFiles(rtnl).byFd(BLUE_FD)).toThrow(expect.objectContaining({ errno: Errno.EBADF }));
  });
});
