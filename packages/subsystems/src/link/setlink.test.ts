import {
  decodeIfInfoMsg,
  Errno,
  IFF,
  IFLA,
  NLMSG_HDRLEN,
  type NlMsgBuilder,
  NOTIFY_DONE,
  notifierFromErrno,
  RTM,
  RTNL_FLAG,
  runTask,
} from '@rtnlkit/core';
import { decodeDatagram } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { netnsOf } from '../netns/netns';
import { IF_OPER } from './constants';
import { devValidateMtu, registerNetdevice } from './dev';
import { NETDEV, registerNetdeviceNotifier } from './events';
import { NetDevice } from './netdevice';
import { linkTable } from './table';
import { linkRequest, linkWorld, sendAndListen } from './test-support';

const world = linkWorld;
const send = sendAndListen;

function setlink(
  fields: { index?: number; flags?: number; change?: number; nlFlags?: number },
  attrs?: (b: NlMsgBuilder) => void,
) {
  return linkRequest(RTM.SETLINK, fields.nlFlags ?? 0, fields, attrs);
}

describe('RTM_SETLINK', () => {
  it('is registered as Linux 6.18 registers it', async () => {
    const { rtnl } = await world();
    const entry = rtnl.handlers.get(0, RTM.SETLINK);
    expect(entry?.flags).toBe(RTNL_FLAG.DOIT_PERNET_WIP);
    expect(entry?.locks).toEqual(['rtnl']);
  });

  it('brings lo up and down: operstate UNKNOWN and RUNNING|LOWER_UP while up, NETDEV_UP/DOWN, one RTM_NEWLINK each', async () => {
    const { rtnl, lo, events } = await world();
    const up = await send(rtnl, setlink({ index: 1, flags: IFF.UP, change: IFF.UP }));
    expect(up.ack?.errno).toBe(0);
    expect(lo.running).toBe(true);
    expect(lo.reportedOperstate).toBe(IF_OPER.UNKNOWN);
    expect(lo.reportedFlags).toBe(IFF.UP | IFF.LOOPBACK | IFF.RUNNING | IFF.LOWER_UP);
    expect(events).toEqual([
      [NETDEV.PRE_UP, 'lo'],
      [NETDEV.UP, 'lo'],
    ]);
    expect(up.notifications).toHaveLength(1);
    const note = up.notifications[0];
    expect(note?.header.type).toBe(RTM.NEWLINK);
    expect(note?.header.seq).toBe(0);
    const ifm = decodeIfInfoMsg(note?.bytes ?? new Uint8Array(), NLMSG_HDRLEN);
    expect(ifm.change).toBe(IFF.UP);
    events.length = 0;
    await send(rtnl, setlink({ index: 1, flags: 0, change: IFF.UP }));
    expect(lo.running).toBe(false);
    expect(lo.reportedOperstate).toBe(IF_OPER.DOWN);
    expect(events).toEqual([
      [NETDEV.GOING_DOWN, 'lo'],
      [NETDEV.DOWN, 'lo'],
    ]);
  });

  it('treats ifi_change 0 as all flags and finds the device by name', async () => {
    const { rtnl, lo } = await world();
    const { ack } = await send(
      rtnl,
      setlink({ flags: IFF.UP | IFF.NO_ARP }, (b) => b.string(IFLA.IFNAME, 'lo')),
    );
    expect(ack?.errno).toBe(0);
    expect(lo.flags).toBe(IFF.UP | IFF.LOOPBACK | IFF.NO_ARP);
  });

  it('sets mtu (NETDEV_CHANGEMTU, an RTM_NEWLINK), alias and group (netdev_state_change only while up), txqlen', async () => {
    const { rtnl, lo, events } = await world();
    const mtu = await send(
      rtnl,
      setlink({ index: 1 }, (b) => b.u32(IFLA.MTU, 1500)),
    );
    expect(lo.mtu).toBe(1500);
    expect(mtu.notifications).toHaveLength(1);
    expect(events).toEqual([[NETDEV.CHANGEMTU, 'lo']]);
    const same = await send(
      rtnl,
      setlink({ index: 1 }, (b) => b.u32(IFLA.MTU, 1500)),
    );
    expect(same.notifications).toHaveLength(0);
    const down = await send(
      rtnl,
      setlink({ index: 1 }, (b) => b.string(IFLA.IFALIAS, 'x').u32(IFLA.GROUP, 4)),
    );
    expect(lo.alias).toBe('x');
    expect(lo.group).toBe(4);
    expect(down.notifications).toHaveLength(0);
    await send(rtnl, setlink({ index: 1, flags: IFF.UP, change: IFF.UP }));
    events.length = 0;
    const upAlias = await send(
      rtnl,
      setlink({ index: 1 }, (b) => b.string(IFLA.IFALIAS, '')),
    );
    expect(lo.alias).toBeUndefined();
    expect(upAlias.notifications).toHaveLength(1);
    expect(events).toEqual([[NETDEV.CHANGE, 'lo']]);
    const txq = await send(
      rtnl,
      setlink({ index: 1 }, (b) => b.u32(IFLA.TXQLEN, 10)),
    );
    expect(lo.txqlen).toBe(10);
    expect(txq.notifications).toHaveLength(1);
  });

  it('refuses a bad mtu with the kernel extack and changes nothing else', async () => {
    const { rtnl, lo } = await world();
    const { ack } = await send(
      rtnl,
      setlink({ index: 1, flags: IFF.UP, change: IFF.UP }, (b) => b.u32(IFLA.MTU, 0x80000000).u32(IFLA.GROUP, 9)),
    );
    expect(ack?.errno).toBe(Errno.EINVAL);
    expect(ack?.extack).toBe('mtu less than device minimum');
    expect(lo.group).toBe(0);
    expect(lo.running).toBe(false);
    const eth = new NetDevice({ name: 'eth0' });
    expect(() => devValidateMtu(eth, 9000)).toThrow('mtu greater than device maximum');
    expect(() => devValidateMtu(eth, 67)).toThrow('mtu less than device minimum');
    expect(() => devValidateMtu(eth, 68)).not.toThrow();
  });

  it('ENODEV for an unknown index or name, EINVAL for neither', async () => {
    const { rtnl } = await world();
    expect((await send(rtnl, setlink({ index: 99 }))).ack?.errno).toBe(Errno.ENODEV);
    expect(
      (
        await send(
          rtnl,
          setlink({}, (b) => b.string(IFLA.IFNAME, 'nope')),
        )
      ).ack?.errno,
    ).toBe(Errno.ENODEV);
    expect(
      (
        await send(
          rtnl,
          setlink({}, (b) => b.u32(IFLA.MTU, 1500)),
        )
      ).ack?.errno,
    ).toBe(Errno.EINVAL);
  });

  it('refuses attributes rtnlkit does not model with EOPNOTSUPP, and a name above the policy length', async () => {
    const { rtnl } = await world();
    const { ack } = await send(
      rtnl,
      setlink({ index: 1 }, (b) => b.u8(IFLA.OPERSTATE, 6)),
    );
    expect(ack?.errno).toBe(Errno.EOPNOTSUPP);
    const long = await send(
      rtnl,
      setlink({}, (b) => b.string(IFLA.IFNAME, 'a'.repeat(16))),
    );
    expect(long.ack?.errno).toBeGreaterThan(0);
  });

  it('renames a device, also while up (NETDEV_CHANGENAME and its RTM_NEWLINK), EEXIST on a used name', async () => {
    const { rtnl, events } = await world();
    const net = await runTask('add', (t) => netnsOf(rtnl).create('ns', t));
    const table = linkTable(net);
    const dev = new NetDevice({ name: 'eth0' });
    await runTask('reg', (t) =>
      rtnl.strategy.lock('rtnl', net).run(t, async () => {
        await registerNetdevice(rtnl, net, dev);
      }),
    );
    expect(events).toContainEqual([NETDEV.REGISTER, 'eth0']);
    const sock = rtnl.socket({ net, admin: true });
    await sock.send(setlink({ index: dev.ifindex }, (b) => b.string(IFLA.IFNAME, 'wan0')));
    expect(decodeDatagram(await sock.recv())[0]?.errno).toBe(0);
    expect(table.getByName('wan0')).toBe(dev);
    expect(events).toContainEqual([NETDEV.CHANGENAME, 'wan0']);
    await sock.send(setlink({ index: dev.ifindex }, (b) => b.string(IFLA.IFNAME, 'lo')));
    expect(decodeDatagram(await sock.recv())[0]?.errno).toBe(Errno.EEXIST);
    await sock.send(setlink({ index: dev.ifindex, flags: IFF.UP, change: IFF.UP }));
    await sock.recv();
    await sock.send(setlink({ index: dev.ifindex }, (b) => b.string(IFLA.IFNAME, 'x0')));
    expect(decodeDatagram(await sock.recv())[0]?.errno).toBe(0);
    expect(dev.name).toBe('x0');
    expect(table.getByName('wan0')).toBeUndefined();
  });

  it('lets a NETDEV_PRE_UP veto an open', async () => {
    const { rtnl, lo } = await world();
    registerNetdeviceNotifier(rtnl, (event) =>
      event === NETDEV.PRE_UP ? notifierFromErrno(Errno.EPERM) : NOTIFY_DONE,
    );
    const { ack } = await send(rtnl, setlink({ index: 1, flags: IFF.UP, change: IFF.UP }));
    expect(ack?.errno).toBe(Errno.EPERM);
    expect(lo.running).toBe(false);
  });
});
