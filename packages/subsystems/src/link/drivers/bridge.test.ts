import { Errno, IFF, IFLA, type NlMsgBuilder } from '@rtnlkit/core';
import { describe, expect, it } from 'vitest';
import { IF_OPER } from '../constants';
import { NETDEV } from '../events';
import type { NetDevice } from '../netdevice';
import { addLink, answer, delLink, linkUp, linkWorld, setLink } from '../test-support';
import { bridgePorts } from './bridge';
import { VETH_INFO_PEER } from './veth';

const mac = (last: number) => (b: NlMsgBuilder) => b.attr(IFLA.ADDRESS, new Uint8Array([2, 0, 0, 0, 0, last]));
/** veth pair NAME (address ..:A) / PEER (address ..:B). */
const vethPair = (name: string, a: number, peerName: string, b: number) =>
  addLink(name, 'veth', {
    extra: mac(a),
    data: (d) => {
      d.beginNest(VETH_INFO_PEER, false).bytes(new Uint8Array(16)).string(IFLA.IFNAME, peerName);
      mac(b)(d);
      d.endNest();
    },
  });
const master = (name: string, ifindex: number) => setLink(name, {}, (b) => b.u32(IFLA.MASTER, ifindex));

/** br0 (ifindex 2) and veth0 (4, ..:22) / veth1 (3, ..:11). */
async function bridgeWorld() {
  const world = await linkWorld();
  await answer(world.rtnl, addLink('br0', 'bridge'));
  await answer(world.rtnl, vethPair('veth0', 0x22, 'veth1', 0x11));
  const get = (name: string) => world.table.getByName(name) as NetDevice;
  return { ...world, br0: get('br0'), veth0: get('veth0'), veth1: get('veth1'), get };
}

describe('bridge ports', () => {
  it('enslaves with IFLA_MASTER: promiscuity, allmulti, the smallest port address and mtu on the bridge', async () => {
    const { rtnl, br0, veth0, veth1, events } = await bridgeWorld();
    await answer(
      rtnl,
      setLink('veth0', {}, (b) => b.u32(IFLA.MTU, 1400)),
    );
    events.length = 0;
    expect(await answer(rtnl, master('veth0', 2))).toEqual([0, undefined]);
    expect([veth0.master, veth0.promiscuity, veth0.allmulti]).toEqual([br0, 1, 1]);
    expect([...br0.address]).toEqual([2, 0, 0, 0, 0, 0x22]);
    expect(br0.mtu).toBe(1400);
    expect(events).toContainEqual([NETDEV.CHANGEUPPER, 'veth0']);
    expect(events).toContainEqual([NETDEV.CHANGEADDR, 'br0']);
    await answer(rtnl, master('veth1', 2));
    expect(bridgePorts(br0)).toEqual([veth1, veth0]);
    expect([...br0.address]).toEqual([2, 0, 0, 0, 0, 0x11]);
    // A bridge that is down has no forwarding port: the id change took its carrier.
    expect([br0.carrier, br0.carrierDownCount]).toEqual([false, 1]);
    // The same master again: nothing to do.
    expect(await answer(rtnl, master('veth1', 2))).toEqual([0, undefined]);
    expect(veth1.promiscuity).toBe(1);
  });

  it('releases with IFLA_MASTER 0, by deleting the port, or by deleting the bridge, undoing it all', async () => {
    const { rtnl, table, br0, veth0, veth1, get } = await bridgeWorld();
    await answer(
      rtnl,
      setLink('veth0', {}, (b) => b.u32(IFLA.MTU, 1400)),
    );
    await answer(rtnl, master('veth0', 2));
    expect(await answer(rtnl, master('veth0', 0))).toEqual([0, undefined]);
    expect([veth0.master, veth0.promiscuity, veth0.allmulti, veth0.rxHandler]).toEqual([undefined, 0, 0, undefined]);
    expect([br0.mtu, [...br0.address]]).toEqual([1500, [0, 0, 0, 0, 0, 0]]);
    expect(await answer(rtnl, master('veth0', 0))).toEqual([0, undefined]);
    await answer(rtnl, master('veth0', 2));
    await answer(rtnl, master('veth1', 2));
    await answer(rtnl, delLink('veth1'));
    expect(bridgePorts(br0)).toEqual([]);
    await answer(rtnl, vethPair('veth2', 0x44, 'veth3', 0x33));
    await answer(rtnl, master('veth2', 2));
    await answer(rtnl, master('veth3', 2));
    await answer(rtnl, delLink('br0'));
    expect(table.getByName('br0')).toBeUndefined();
    expect([get('veth2').master, get('veth3').master, get('veth3').promiscuity]).toEqual([undefined, undefined, 0]);
    expect(veth1.regState).not.toBe('registered');
  });

  it('enslaves a new device with IFLA_MASTER in RTM_NEWLINK, and removes it again if that fails', async () => {
    const { rtnl, table, br0 } = await bridgeWorld();
    expect(await answer(rtnl, addLink('ifb0', 'ifb', { extra: (b) => b.u32(IFLA.MASTER, 2) }))).toEqual([0, undefined]);
    expect(table.getByName('ifb0')?.master).toBe(br0);
    expect(await answer(rtnl, addLink('ifb1', 'ifb', { extra: (b) => b.u32(IFLA.MASTER, 99) }))).toEqual([
      Errno.EINVAL,
      undefined,
    ]);
    expect(table.getByName('ifb1')).toBeUndefined();
  });

  it('refuses what Linux refuses', async () => {
    const { rtnl, veth0 } = await bridgeWorld();
    await answer(rtnl, addLink('ifb0', 'ifb'));
    await answer(rtnl, addLink('br1', 'bridge'));
    expect(await answer(rtnl, master('veth0', 99))).toEqual([Errno.EINVAL, undefined]);
    expect(await answer(rtnl, master('veth0', 5))).toEqual([Errno.EOPNOTSUPP, undefined]);
    expect(await answer(rtnl, master('br0', 2))).toEqual([Errno.ELOOP, 'Can not enslave a bridge to a bridge']);
    expect(await answer(rtnl, master('br1', 2))).toEqual([Errno.ELOOP, 'Can not enslave a bridge to a bridge']);
    expect(await answer(rtnl, master('lo', 2))).toEqual([Errno.EINVAL, undefined]);
    await answer(rtnl, addLink('mv0', 'macvlan', { extra: (b) => b.u32(IFLA.LINK, 3) }));
    expect(await answer(rtnl, master('veth1', 2))).toEqual([Errno.EBUSY, undefined]);
    expect([veth0.master, veth0.allmulti]).toEqual([undefined, 0]);
  });

  it('has carrier while a port forwards: the bridge and the port up (STP off)', async () => {
    const { rtnl, br0, veth1 } = await bridgeWorld();
    await answer(rtnl, linkUp('veth0'));
    await answer(rtnl, linkUp('veth1'));
    await answer(rtnl, master('veth0', 2));
    expect(br0.carrier).toBe(false);
    await answer(rtnl, linkUp('br0'));
    expect([br0.carrier, br0.reportedOperstate, br0.reportedFlags & IFF.LOWER_UP]).toEqual([
      true,
      IF_OPER.UP,
      IFF.LOWER_UP,
    ]);
    // The port loses its carrier (its peer goes down): no forwarding port, no carrier.
    await answer(rtnl, setLink('veth1', { flags: 0, change: IFF.UP }));
    expect([br0.carrier, br0.reportedOperstate]).toEqual([false, IF_OPER.DOWN]);
    await answer(rtnl, linkUp('veth1'));
    expect(br0.carrier).toBe(true);
    expect(veth1.carrier).toBe(true);
  });

  it('keeps an mtu the user set', async () => {
    const { rtnl, br0 } = await bridgeWorld();
    await answer(
      rtnl,
      setLink('br0', {}, (b) => b.u32(IFLA.MTU, 1280)),
    );
    await answer(rtnl, master('veth0', 2));
    expect(br0.mtu).toBe(1280);
  });
});

describe('removing the link subsystem with stacked devices', () => {
  it('unregisters bridges with ports, veth pairs and macvlans without a fault', async () => {
    const { rtnl, table, installed, env } = await bridgeWorld();
    await answer(rtnl, master('veth0', 2));
    await answer(rtnl, addLink('mv0', 'macvlan', { extra: (b) => b.u32(IFLA.LINK, 3) }));
    await installed[Symbol.asyncDispose]();
    expect(table.size).toBe(0); // the pernet exits took lo too
    expect(rtnl.faults).toEqual([]);
    expect(env.lockdep?.reports).toEqual([]);
  });
});
