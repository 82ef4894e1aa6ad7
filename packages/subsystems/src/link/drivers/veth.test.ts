import {
  decodeIfInfoMsg,
  Errno,
  encodeIfInfoMsg,
  IFF,
  IFLA,
  NLMSG_HDRLEN,
  type NlMsgBuilder,
  RTM,
  runTask,
} from '@rtnlkit/core';
import { describe, expect, it } from 'vitest';
import { netnsOf } from '../../netns/netns';
import { nsFiles } from '../../netns/ns-files';
import { peernet2id } from '../../netns/nsid';
import { IF_OPER } from '../constants';
import { NETDEV } from '../events';
import type { NetDevice } from '../netdevice';
import { linkTable } from '../table';
import { addLink, answer, delLink, linkDown, linkUp, linkWorld, sendAndListen } from '../test-support';
import { VETH_INFO_PEER, vethLinkOps, vethPeer } from './veth';

/** VETH_INFO_PEER: an ifinfomsg, then the peer's attributes. */
const peer =
  (fields: { index?: number; flags?: number; change?: number } = {}, attrs?: (b: NlMsgBuilder) => void) =>
  (d: NlMsgBuilder) => {
    d.beginNest(VETH_INFO_PEER, false).bytes(encodeIfInfoMsg({ index: 0, flags: 0, change: 0, ...fields }));
    attrs?.(d);
    d.endNest();
  };
const named = (name: string, attrs?: (b: NlMsgBuilder) => void) =>
  peer({}, (p) => {
    p.string(IFLA.IFNAME, name);
    attrs?.(p);
  });
const vethPair = (name: string, peerName: string, extra?: (b: NlMsgBuilder) => void) =>
  addLink(name, 'veth', { data: named(peerName), ...(extra ? { extra } : {}) });

describe('veth', () => {
  it('registers the peer first, then the device; carriers off, each the other’s IFLA_LINK, queues per possible CPU', async () => {
    const { rtnl, table, events, env } = await linkWorld({ possibleCpus: 4 });
    events.length = 0;
    const { ack, notifications } = await sendAndListen(rtnl, vethPair('veth0', 'veth1'));
    expect(ack?.errno).toBe(0);
    const veth1 = table.getByName('veth1') as NetDevice;
    const veth0 = table.getByName('veth0') as NetDevice;
    expect([veth1.ifindex, veth0.ifindex]).toEqual([2, 3]);
    expect(vethPeer(veth0)).toBe(veth1);
    expect([veth0.iflink, veth1.iflink]).toEqual([3 - 1, 3]);
    for (const dev of [veth0, veth1]) {
      expect(dev.carrier).toBe(false);
      expect([dev.carrierUpCount, dev.carrierDownCount]).toEqual([0, 1]);
      expect([dev.numTxQueues, dev.numRxQueues]).toEqual([4, 4]);
      expect([dev.minMtu, dev.maxMtu]).toEqual([68, 0xffff]);
    }
    expect(events).toEqual([
      [NETDEV.REGISTER, 'veth1'],
      [NETDEV.REGISTER, 'veth0'],
    ]);
    // The peer is announced first, each with change ~0 (rtnl_configure_link()).
    expect(notifications.map((m) => [m.header.type, decodeIfInfoMsg(m.bytes, NLMSG_HDRLEN)])).toMatchObject([
      [RTM.NEWLINK, { index: 2, change: 0xffffffff }],
      [RTM.NEWLINK, { index: 3, change: 0xffffffff }],
    ]);
    expect(env.lockdep?.reports).toEqual([]);
  });

  it('names the peer veth%d without VETH_INFO_PEER or without its IFLA_IFNAME', async () => {
    const { rtnl, table } = await linkWorld();
    expect(await answer(rtnl, addLink('a0', 'veth'))).toEqual([0, undefined]);
    expect(await answer(rtnl, addLink('', 'veth'))).toEqual([0, undefined]);
    expect(await answer(rtnl, addLink('b0', 'veth', { data: peer() }))).toEqual([0, undefined]);
    expect(table.devices().map((d) => d.name)).toEqual(['lo', 'veth0', 'a0', 'veth1', 'veth2', 'veth3', 'b0']);
  });

  it("uses the peer's ifi_index only when the device's is given too", async () => {
    const { rtnl, table } = await linkWorld();
    await answer(
      rtnl,
      addLink('veth0', 'veth', {
        data: peer({ index: 20 }, (p) => p.string(IFLA.IFNAME, 'veth1')),
        fields: { index: 10 },
      }),
    );
    await answer(rtnl, addLink('veth2', 'veth', { data: peer({ index: 30 }, (p) => p.string(IFLA.IFNAME, 'veth3')) }));
    expect([table.getByName('veth0')?.ifindex, table.getByName('veth1')?.ifindex]).toEqual([10, 20]);
    expect(table.getByName('veth3')?.ifindex).not.toBe(30);
  });

  it('turns both carriers on when both ends are up, off when either goes down (LOWERLAYERDOWN)', async () => {
    const { rtnl, table } = await linkWorld();
    await answer(rtnl, vethPair('veth0', 'veth1'));
    const veth0 = table.getByName('veth0') as NetDevice;
    const veth1 = table.getByName('veth1') as NetDevice;
    await answer(rtnl, linkUp('veth0'));
    expect([veth0.carrier, veth1.carrier]).toEqual([false, false]);
    expect(veth0.reportedFlags & (IFF.RUNNING | IFF.LOWER_UP)).toBe(0);
    const { notifications } = await sendAndListen(rtnl, linkUp('veth1'));
    expect([veth0.carrier, veth1.carrier]).toEqual([true, true]);
    expect([veth0.reportedOperstate, veth1.reportedOperstate]).toEqual([IF_OPER.UP, IF_OPER.UP]);
    expect(veth0.reportedFlags & (IFF.RUNNING | IFF.LOWER_UP)).toBe(IFF.RUNNING | IFF.LOWER_UP);
    expect([veth0.carrierUpCount, veth0.carrierDownCount]).toEqual([1, 1]);
    // veth1's own RTM_NEWLINK, then the link watch announces both (netif_state_change, change 0)
    // in the order their carriers changed.
    expect(notifications.map((m) => decodeIfInfoMsg(m.bytes, NLMSG_HDRLEN).index)).toEqual([2, 2, 3]);
    await answer(rtnl, linkDown('veth1'));
    expect([veth0.carrier, veth1.carrier]).toEqual([false, false]);
    expect(veth0.reportedOperstate).toBe(IF_OPER.LOWERLAYERDOWN);
    expect(veth1.reportedOperstate).toBe(IF_OPER.DOWN);
  });

  it('deletes both ends when either is deleted (veth_dellink)', async () => {
    const { rtnl, table, events } = await linkWorld();
    await answer(rtnl, vethPair('veth0', 'veth1'));
    await answer(rtnl, vethPair('veth2', 'veth3'));
    events.length = 0;
    const { ack, notifications } = await sendAndListen(rtnl, delLink('veth1'));
    expect(ack?.errno).toBe(0);
    expect(table.devices().map((d) => d.name)).toEqual(['lo', 'veth3', 'veth2']);
    expect(notifications.map((m) => m.header.type)).toEqual([RTM.DELLINK, RTM.DELLINK]);
    expect(events).toEqual([
      [NETDEV.UNREGISTER, 'veth1'],
      [NETDEV.UNREGISTER, 'veth0'],
    ]);
  });

  it('refuses what Linux refuses, leaving nothing behind', async () => {
    const { rtnl, table } = await linkWorld();
    expect(await answer(rtnl, vethPair('a', 'a'))).toEqual([Errno.EEXIST, undefined]);
    const negative = await sendAndListen(
      rtnl,
      addLink('b', 'veth', { data: peer({ index: -1 }, (p) => p.string(IFLA.IFNAME, 'c')) }),
    );
    expect([negative.ack?.errno, negative.ack?.extack]).toEqual([Errno.EINVAL, "ifindex can't be negative"]);
    expect(negative.ack?.extackOffset).toBeGreaterThan(NLMSG_HDRLEN);
    expect(await answer(rtnl, addLink('b', 'veth', { data: named('c', (p) => p.u32(IFLA.MTU, 67)) }))).toEqual([
      Errno.EINVAL,
      undefined,
    ]);
    expect(
      await answer(
        rtnl,
        vethPair('b', 'c', (b) => b.u32(IFLA.MTU, 65536)),
      ),
    ).toEqual([Errno.EINVAL, undefined]);
    // The peer is configured before it is tied to the device: veth_open() has no peer yet.
    const up = peer({ flags: IFF.UP, change: IFF.UP }, (p) => p.string(IFLA.IFNAME, 'c'));
    expect(await answer(rtnl, addLink('b', 'veth', { data: up }))).toEqual([Errno.ENOTCONN, undefined]);
    // Shorter than an ifinfomsg: the policy's length check (ERANGE, as Linux answers).
    const short = (d: NlMsgBuilder) => d.attr(VETH_INFO_PEER, new Uint8Array(4));
    expect((await answer(rtnl, addLink('b', 'veth', { data: short })))[0]).toBe(Errno.ERANGE);
    expect(table.devices().map((d) => d.name)).toEqual(['lo']);
  });

  it('puts the peer in the namespace its IFLA_NET_NS_FD names; each end names the other by id', async () => {
    const { rtnl, table } = await linkWorld();
    const blue = await runTask('ip-netns-add', (t) => netnsOf(rtnl).create('blue', t));
    nsFiles(rtnl).bindFd(3, blue);
    expect(
      await answer(rtnl, addLink('veth0', 'veth', { data: named('veth1', (p) => p.u32(IFLA.NET_NS_FD, 3)) })),
    ).toEqual([0, undefined]);
    const veth0 = table.getByName('veth0') as NetDevice;
    const veth1 = linkTable(blue).getByName('veth1') as NetDevice;
    expect(vethPeer(veth0)).toBe(veth1);
    expect([veth0.ifindex, veth1.ifindex, veth0.iflink, veth1.iflink]).toEqual([2, 2, 2, 2]);
    expect(peernet2id(rtnl.initNet, blue)).toBe(0); // allocated by the fill of veth0's announcement
    expect(await answer(rtnl, addLink('x', 'veth', { data: named('y', (p) => p.u32(IFLA.NET_NS_FD, 9)) }))).toEqual([
      Errno.EBADF,
      undefined,
    ]);
    // Deleting one end deletes the other, in its namespace.
    expect(await answer(rtnl, delLink('veth0'))).toEqual([0, undefined]);
    expect(linkTable(blue).getByName('veth1')).toBeUndefined();
    // A namespace that goes away takes the far ends of its veths with it (their dellink).
    expect(
      await answer(rtnl, addLink('veth2', 'veth', { data: named('veth3', (p) => p.u32(IFLA.NET_NS_FD, 3)) })),
    ).toEqual([0, undefined]);
    await runTask('ip-netns-del', (t) => netnsOf(rtnl).destroy(blue, t));
    expect(table.getByName('veth2')).toBeUndefined();
  });

  it('refuses peer attributes it does not model, with EOPNOTSUPP', async () => {
    const { rtnl, table } = await linkWorld();
    expect(await answer(rtnl, addLink('b', 'veth', { data: named('c', (p) => p.u8(IFLA.LINKMODE, 1)) }))).toEqual([
      Errno.EOPNOTSUPP,
      'rtnlkit: IFLA linkmode is not modelled',
    ]);
    // Changing a veth's kind data: veth has no changelink (EOPNOTSUPP, no message).
    await answer(rtnl, vethPair('veth0', 'veth1'));
    const change = addLink('veth0', 'veth', { data: named('x') });
    expect(await answer(rtnl, change)).toEqual([Errno.EEXIST, undefined]);
    expect(table.size).toBe(3);
  });

  it('takes possible CPUs as an explicit option', () => {
    expect(vethLinkOps({ possibleCpus: 6000 }).getNumTxQueues?.()).toBe(4096);
    expect(vethLinkOps().getNumRxQueues?.()).toBe(1);
    expect(() => vethLinkOps({ possibleCpus: 0 })).toThrow(RangeError);
  });
});
