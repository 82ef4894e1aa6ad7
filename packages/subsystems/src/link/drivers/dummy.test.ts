import { Errno, IFF } from '@rtnlkit/core';
import { describe, expect, it } from 'vitest';
import { linkKinds } from '../kinds';
import { NET_ADDR } from '../netdevice';
import { linkSubsystem } from '../subsystem';
import { addLink, answer, linkWorld } from '../test-support';
import { ifbLinkOps } from './ifb';

describe('dummy', () => {
  it('is an Ethernet device without ARP or multicast, with a random address and no mtu range', async () => {
    const { rtnl, table } = await linkWorld();
    expect(await answer(rtnl, addLink('', 'dummy'))).toEqual([0, undefined]);
    const dev = table.getByName('dummy0');
    expect(dev?.kind).toBe('dummy');
    expect(dev?.flags).toBe(IFF.BROADCAST | IFF.NO_ARP);
    expect([dev?.minMtu, dev?.maxMtu, dev?.txqlen, dev?.addrAssignType]).toEqual([0, 0, 1000, NET_ADDR.RANDOM]);
  });

  it('is not there when the subsystem is installed with kinds that exclude it', async () => {
    const { rtnl, table } = await linkWorld({ kinds: ['ifb', 'bridge', 'veth', 'macvlan'] });
    expect(linkKinds(rtnl).kinds()).toEqual(['ifb', 'bridge', 'veth', 'macvlan']);
    expect(await answer(rtnl, addLink('dummy0', 'dummy'))).toEqual([Errno.EOPNOTSUPP, 'Unknown device type']);
    expect(table.size).toBe(1);
  });
});

describe('linkSubsystem({ kinds })', () => {
  it('registers kinds by name or as ops, and refuses a name it has no driver for', async () => {
    const { rtnl } = await linkWorld({ kinds: [ifbLinkOps, 'veth'] });
    expect(linkKinds(rtnl).kinds()).toEqual(['ifb', 'veth']);
    expect(() => linkSubsystem({ kinds: ['vlan'] })).toThrow(/no link kind "vlan"/);
  });
});
