/**
 * devinet and the FIB joined: `fib_inetaddr_event` on the inetaddr chain and the calls devinet
 * makes into the FIB directly (promotion, metric change). The conformance scenarios
 * `addr-route-*` compare the same paths with Linux byte for byte; these tests pin the parts a
 * reader of the code would want to see at a glance, and the install/uninstall wiring.
 */
import { RTM, RTNLGRP } from '@rtnlkit/core';
import { decodeDatagram } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { inetFibHooks } from '../devinet/fib-hooks';
import { devAddrGenid, inDevGet } from '../devinet/in-device';
import { devinetSubsystem } from '../devinet/subsystem';
import { addAddr, addrRequest, answer, delAddr } from '../devinet/test-support';
import type { InstalledSubsystem } from '../link/subsystem';
import { linkWorld } from '../link/test-support';
import { RT_SCOPE } from './constants';
import { fibSubsystem } from './subsystem';
import { addRoute, describeRoutes, dumpRoutes, routeAnswer, sendRoute, upDevices } from './test-support';

/** `IPV4_DEVCONF_PROMOTE_SECONDARIES`. */
const PROMOTE_SECONDARIES = 20;

async function world() {
  const w = await linkWorld();
  await w.rtnl.install(devinetSubsystem());
  const fib = (await w.rtnl.install(fibSubsystem())) as InstalledSubsystem;
  await upDevices(w.rtnl, 'ifb0');
  const dev = w.table.getByName('ifb0');
  if (!dev) throw new Error('no ifb0');
  const routes = async () => describeRoutes((await sendRoute(w.rtnl, dumpRoutes())).replies);
  return { ...w, fib, dev, index: dev.ifindex, routes };
}

describe('addresses make routes (fib_inetaddr_event)', () => {
  it('RTM_NEWADDR reaches listeners before the RTM_NEWROUTEs it causes, and dev_addr_genid moves', async () => {
    const { rtnl, index } = await world();
    const listener = rtnl.socket();
    listener.addMembership(RTNLGRP.IPV4_IFADDR);
    listener.addMembership(RTNLGRP.IPV4_ROUTE);
    const genid = devAddrGenid(rtnl.initNet);
    expect(await answer(rtnl, addAddr({ index, local: '198.51.100.1', broadcast: '198.51.100.255' }))).toEqual([
      0,
      undefined,
    ]);
    const types: number[] = [];
    for (let d = listener.tryRecv(); d; d = listener.tryRecv())
      types.push(...decodeDatagram(d).map((m) => m.header.type));
    expect(types).toEqual([RTM.NEWADDR, RTM.NEWROUTE, RTM.NEWROUTE, RTM.NEWROUTE]);
    expect(devAddrGenid(rtnl.initNet)).toBe(genid + 1);
  });

  it('promotion re-adds the subnet routes with the promoted address as prefsrc', async () => {
    const { rtnl, dev, index, routes } = await world();
    (inDevGet(dev)?.cnf as Uint32Array)[PROMOTE_SECONDARIES] = 1;
    for (const local of ['10.0.0.1', '10.0.0.2', '10.0.0.3'])
      expect((await answer(rtnl, addAddr({ index, local, broadcast: '10.0.0.255' })))[0]).toBe(0);
    expect(await routes()).toContain(`10.0.0.3/32 table 255 t2 s254 p2 src 10.0.0.1 dev ${index}`);
    expect((await answer(rtnl, delAddr({ index, local: '10.0.0.1' })))[0]).toBe(0);
    expect(await routes()).toEqual([
      `10.0.0.0/24 table 254 t1 s253 p2 src 10.0.0.2 dev ${index}`,
      `10.0.0.2/32 table 255 t2 s254 p2 src 10.0.0.2 dev ${index}`,
      `10.0.0.3/32 table 255 t2 s254 p2 src 10.0.0.2 dev ${index}`,
      `10.0.0.255/32 table 255 t3 s253 p2 src 10.0.0.2 dev ${index}`,
    ]);
  });

  it('NLM_F_REPLACE with another IFA_RT_PRIORITY moves the prefix route to the new metric', async () => {
    const { rtnl, index, routes } = await world();
    await answer(rtnl, addAddr({ index, local: '172.16.104.1', rtPriority: 257 }));
    const replace = addrRequest(RTM.NEWADDR, 0x100 | 0x400, { index, local: '172.16.104.1', rtPriority: 259 });
    expect((await answer(rtnl, replace))[0]).toBe(0);
    expect((await routes()).filter((r) => r.startsWith('172.16.104.0/24'))).toEqual([
      `172.16.104.0/24 table 254 t1 s253 p2 metric 259 src 172.16.104.1 dev ${index}`,
    ]);
  });

  it("the device's last address takes every route through the device; a route using it as prefsrc is announced gone", async () => {
    const { rtnl, index, routes } = await world();
    await answer(rtnl, addAddr({ index, local: '198.51.100.1' }));
    expect(await routeAnswer(rtnl, addRoute({ dst: '10.0.0.0', len: 8, oif: index, scope: RT_SCOPE.LINK }))).toEqual([
      0,
      undefined,
    ]);
    expect((await routeAnswer(rtnl, addRoute({ dst: '203.0.113.0', len: 24, gw: '198.51.100.2' })))[0]).toBe(0);
    const { notifications } = await sendRoute(rtnl, delAddr({ index, local: '198.51.100.1' }));
    expect(await routes()).toEqual([]);
    // The kernel routes go with RTM_DELROUTE each; the device routes silently (fib_disable_ip).
    expect(describeRoutes(notifications).some((r) => r.startsWith('10.0.0.0/8'))).toBe(false);
    expect(describeRoutes(notifications)).toContain(
      `198.51.100.0/24 table 254 t1 s253 p2 src 198.51.100.1 dev ${index}`,
    );
  });

  it('uninstalling the FIB unhooks it from devinet; installing it again starts from the addresses there are', async () => {
    const { rtnl, fib, index, routes } = await world();
    expect(inetFibHooks(rtnl)).toBeDefined();
    await fib[Symbol.asyncDispose]();
    expect(inetFibHooks(rtnl)).toBeUndefined();
    expect((await answer(rtnl, addAddr({ index, local: '198.51.100.1' })))[0]).toBe(0);
    await rtnl.install(fibSubsystem());
    expect(await routes()).toEqual([
      `198.51.100.0/24 table 254 t1 s253 p2 src 198.51.100.1 dev ${index}`,
      `198.51.100.1/32 table 255 t2 s254 p2 src 198.51.100.1 dev ${index}`,
      `198.51.100.255/32 table 255 t3 s253 p2 src 198.51.100.1 dev ${index}`,
    ]);
  });
});
