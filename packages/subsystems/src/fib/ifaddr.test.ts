import { RTM, RTNLGRP } from '@rtnlkit/core';
import { decodeDatagram } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { type FibIfaddr, fibAddIfaddr, fibDelIfaddr } from './ifaddr';
import { ipv4ToU32 } from './lpm';
import { describeRoutes, dumpRoutes, fibWorld, sendRoute, upDevices } from './test-support';

async function world() {
  const w = await fibWorld();
  await upDevices(w.rtnl, 'ifb0');
  const dev = w.table.getByName('ifb0');
  if (!dev) throw new Error('no ifb0');
  const ifa: FibIfaddr = {
    dev,
    local: ipv4ToU32('198.51.100.1'),
    address: ipv4ToU32('198.51.100.1'),
    prefixlen: 24,
    broadcast: ipv4ToU32('198.51.100.255'),
    flags: 0,
    rtPriority: 0,
  };
  return { ...w, dev, ifa };
}

describe('fibAddIfaddr / fibDelIfaddr (fib_add_ifaddr / fib_del_ifaddr through fib_magic)', () => {
  it('adds the local, prefix and broadcast routes, proto kernel, with RTM_NEWROUTE each', async () => {
    const { rtnl, dev, ifa } = await world();
    const listener = rtnl.socket();
    listener.addMembership(RTNLGRP.IPV4_ROUTE);
    await fibAddIfaddr(rtnl, ifa);
    const heard = [];
    for (let d = listener.tryRecv(); d; d = listener.tryRecv()) heard.push(...decodeDatagram(d));
    const i = dev.ifindex;
    expect(describeRoutes(heard)).toEqual([
      `198.51.100.1/32 table 255 t2 s254 p2 src 198.51.100.1 dev ${i}`,
      `198.51.100.255/32 table 255 t3 s253 p2 src 198.51.100.1 dev ${i}`,
      `198.51.100.0/24 table 254 t1 s253 p2 src 198.51.100.1 dev ${i}`,
    ]);
    expect(heard.every((m) => m.header.type === RTM.NEWROUTE && m.header.seq === 0)).toBe(true);
    // dump order: main (bucket 254) before local (255); in local, key order
    expect(describeRoutes((await sendRoute(rtnl, dumpRoutes())).replies)).toEqual([
      `198.51.100.0/24 table 254 t1 s253 p2 src 198.51.100.1 dev ${i}`,
      `198.51.100.1/32 table 255 t2 s254 p2 src 198.51.100.1 dev ${i}`,
      `198.51.100.255/32 table 255 t3 s253 p2 src 198.51.100.1 dev ${i}`,
    ]);
    await fibDelIfaddr(rtnl, ifa);
    expect(describeRoutes((await sendRoute(rtnl, dumpRoutes())).replies)).toEqual([]);
  });

  it('IFA_F_NOPREFIXROUTE and /32 add no prefix route; the metric follows ifa_rt_priority', async () => {
    const { rtnl, dev, ifa } = await world();
    await fibAddIfaddr(rtnl, { ...ifa, flags: 0x200 });
    await fibAddIfaddr(rtnl, {
      ...ifa,
      local: ipv4ToU32('192.0.2.9'),
      address: ipv4ToU32('192.0.2.9'),
      prefixlen: 32,
      broadcast: 0,
    });
    await fibAddIfaddr(rtnl, {
      ...ifa,
      local: ipv4ToU32('203.0.113.1'),
      address: ipv4ToU32('203.0.113.1'),
      broadcast: 0,
      prefixlen: 31,
      rtPriority: 259,
    });
    const i = dev.ifindex;
    expect(describeRoutes((await sendRoute(rtnl, dumpRoutes())).replies)).toEqual([
      `203.0.113.0/31 table 254 t1 s253 p2 metric 259 src 203.0.113.1 dev ${i}`,
      `192.0.2.9/32 table 255 t2 s254 p2 src 192.0.2.9 dev ${i}`,
      `198.51.100.1/32 table 255 t2 s254 p2 src 198.51.100.1 dev ${i}`,
      `198.51.100.255/32 table 255 t3 s253 p2 src 198.51.100.1 dev ${i}`,
      `203.0.113.1/32 table 255 t2 s254 p2 src 203.0.113.1 dev ${i}`,
    ]);
  });
});
