import { Errno, IFF, IFLA, type NlMsgBuilder } from '@rtnlkit/core';
import { describe, expect, it } from 'vitest';
import { IF_OPER } from '../constants';
import type { NetDevice } from '../netdevice';
import { addLink, answer, delLink, linkUp, linkWorld, setLink } from '../test-support';
import { IFLA_MACVLAN, MACVLAN_MODE, macvlanLowerDev, macvlanMode } from './macvlan';
import { VETH_INFO_PEER } from './veth';

const vethPair = (name: string, peerName: string) =>
  addLink(name, 'veth', {
    data: (d) => {
      d.beginNest(VETH_INFO_PEER, false).bytes(new Uint8Array(16)).string(IFLA.IFNAME, peerName);
      d.endNest();
    },
  });
const macvlan = (
  name: string,
  link: number | undefined,
  options: { mode?: number; extra?: (b: NlMsgBuilder) => void } = {},
) =>
  addLink(name, 'macvlan', {
    extra: (b) => {
      if (link !== undefined) b.u32(IFLA.LINK, link);
      options.extra?.(b);
    },
    ...(options.mode === undefined
      ? {}
      : { data: (d: NlMsgBuilder) => d.u32(IFLA_MACVLAN.MODE, options.mode as number) }),
  });

/** A world with veth0 (ifindex 3) and its peer veth1 (2). */
async function vethWorld() {
  const world = await linkWorld();
  await answer(world.rtnl, vethPair('veth0', 'veth1'));
  const veth0 = world.table.getByName('veth0') as NetDevice;
  const veth1 = world.table.getByName('veth1') as NetDevice;
  return { ...world, veth0, veth1 };
}

describe('macvlan', () => {
  it('sits on its lower device: IFLA_LINK, its mtu and range, vepa by default, a random address', async () => {
    const { rtnl, table, veth0 } = await vethWorld();
    await answer(
      rtnl,
      setLink('veth0', {}, (b) => b.u32(IFLA.MTU, 9000)),
    );
    expect(await answer(rtnl, macvlan('mv0', 3))).toEqual([0, undefined]);
    expect(
      await answer(rtnl, macvlan('mv1', 3, { mode: MACVLAN_MODE.BRIDGE, extra: (b) => b.u32(IFLA.MTU, 1400) })),
    ).toEqual([0, undefined]);
    const mv0 = table.getByName('mv0') as NetDevice;
    const mv1 = table.getByName('mv1') as NetDevice;
    expect([mv0.iflink, macvlanLowerDev(mv0), macvlanMode(mv0), macvlanMode(mv1)]).toEqual([
      3,
      veth0,
      MACVLAN_MODE.VEPA,
      MACVLAN_MODE.BRIDGE,
    ]);
    expect([mv0.mtu, mv0.minMtu, mv0.maxMtu, mv1.mtu, mv0.txqlen]).toEqual([9000, 68, 0xffff, 1400, 1000]);
    expect(mv0.address).not.toEqual(veth0.address);
    // A macvlan on a macvlan sits on the real lower device.
    await answer(rtnl, macvlan('mv2', mv0.ifindex));
    expect(macvlanLowerDev(table.getByName('mv2') as NetDevice)).toBe(veth0);
  });

  it('keeps its mtu at most the lower one: EINVAL above it, and it follows the lower down', async () => {
    const { rtnl, table } = await vethWorld();
    expect(await answer(rtnl, macvlan('mv0', 3, { extra: (b) => b.u32(IFLA.MTU, 1501) }))).toEqual([
      Errno.EINVAL,
      undefined,
    ]);
    await answer(rtnl, macvlan('mv0', 3));
    expect(
      await answer(
        rtnl,
        setLink('mv0', {}, (b) => b.u32(IFLA.MTU, 1501)),
      ),
    ).toEqual([Errno.EINVAL, undefined]);
    await answer(
      rtnl,
      setLink('veth0', {}, (b) => b.u32(IFLA.MTU, 1300)),
    );
    expect(table.getByName('mv0')?.mtu).toBe(1300);
  });

  it('takes its lower device’s carrier, follows it, and makes a lower without unicast filter promiscuous while up', async () => {
    const { rtnl, table, veth0 } = await vethWorld();
    await answer(rtnl, macvlan('mv0', 3));
    const mv0 = table.getByName('mv0') as NetDevice;
    // Registered without carrier (macvlan_init()), so no carrier change counted.
    expect([mv0.carrier, mv0.carrierDownCount]).toEqual([false, 0]);
    await answer(rtnl, linkUp('mv0'));
    expect(mv0.reportedOperstate).toBe(IF_OPER.LOWERLAYERDOWN);
    expect(veth0.promiscuity).toBe(0);
    await answer(rtnl, linkUp('veth0'));
    expect(veth0.promiscuity).toBe(1);
    await answer(rtnl, linkUp('veth1'));
    expect([mv0.carrier, mv0.reportedOperstate, mv0.reportedFlags & IFF.RUNNING]).toEqual([
      true,
      IF_OPER.UP,
      IFF.RUNNING,
    ]);
    await answer(rtnl, setLink('mv0', { flags: 0, change: IFF.UP }));
    expect(veth0.promiscuity).toBe(0);
  });

  it('is deleted with its lower device, and gives the lower back when it goes', async () => {
    const { rtnl, table, veth0 } = await vethWorld();
    await answer(rtnl, macvlan('mv0', 3));
    await answer(rtnl, macvlan('mv1', 2));
    expect(veth0.rxHandler).toBe('macvlan');
    await answer(rtnl, delLink('mv0'));
    expect(veth0.rxHandler).toBeUndefined();
    await answer(rtnl, delLink('veth0'));
    expect(table.devices().map((d) => d.name)).toEqual(['lo']);
  });

  it('refuses what Linux refuses', async () => {
    const { rtnl, table } = await vethWorld();
    expect(await answer(rtnl, macvlan('mv0', undefined))).toEqual([Errno.EINVAL, undefined]);
    expect(await answer(rtnl, macvlan('mv0', 99))).toEqual([Errno.ENODEV, undefined]);
    expect(await answer(rtnl, macvlan('mv0', 3, { mode: 3 }))).toEqual([Errno.EINVAL, undefined]);
    expect(await answer(rtnl, macvlan('mv0', 1))).toEqual([Errno.EINVAL, undefined]);
    await answer(rtnl, addLink('br0', 'bridge'));
    await answer(
      rtnl,
      setLink('veth1', {}, (b) => b.u32(IFLA.MASTER, table.getByName('br0')?.ifindex ?? 0)),
    );
    expect(await answer(rtnl, macvlan('mv0', 2))).toEqual([Errno.EBUSY, undefined]);
    expect(table.getByName('mv0')).toBeUndefined();
  });

  it('refuses what it does not model with EOPNOTSUPP: passthru, flags, changing its data', async () => {
    const { rtnl } = await vethWorld();
    expect(await answer(rtnl, macvlan('mv0', 3, { mode: MACVLAN_MODE.PASSTHRU }))).toEqual([
      Errno.EOPNOTSUPP,
      'rtnlkit: macvlan passthru and source modes are not modelled',
    ]);
    const flags = addLink('mv0', 'macvlan', {
      extra: (b) => b.u32(IFLA.LINK, 3),
      data: (d) => d.u16(IFLA_MACVLAN.FLAGS, 1),
    });
    expect(await answer(rtnl, flags)).toEqual([
      Errno.EOPNOTSUPP,
      'rtnlkit: macvlan data attribute flags is not modelled',
    ]);
    await answer(rtnl, macvlan('mv0', 3));
    const change = addLink('mv0', 'macvlan', { data: (d) => d.u32(IFLA_MACVLAN.MODE, MACVLAN_MODE.BRIDGE) });
    // NEWLINK without NLM_F_EXCL on an existing macvlan: macvlan_changelink(), not modelled.
    const plain = new Uint8Array(change);
    new DataView(plain.buffer).setUint16(6, 0x5, true); // NLM_F_REQUEST | NLM_F_ACK
    expect(await answer(rtnl, plain)).toEqual([Errno.EOPNOTSUPP, 'rtnlkit: changing macvlan data is not modelled']);
  });
});
