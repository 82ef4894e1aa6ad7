/**
 * A refused RTM_NEWROUTE leaves no fib_info behind in the info cache (fib_table_insert's exit
 * path, fib_release_info). Found by the compare package's fuzzer (seed 1, global): a default
 * route added twice with NLM_F_EXCL left an unreferenced info hashed, and it outlived its device.
 */
import { Errno, NLM_F, RTM } from '@rtnlkit/core';
import { describe, expect, it } from 'vitest';
import { RT_SCOPE } from './constants';
import { fibNet } from './table';
import { addRoute, fibWorld, routeAnswer, routeRequest, upDevices } from './test-support';

describe('fib_table_insert refusing a route', () => {
  it('drops the info it created from the cache (EEXIST, ENOENT, REPLACE by itself)', async () => {
    const { rtnl, table } = await fibWorld();
    await upDevices(rtnl, 'ifb0', 'ifb1');
    const ifb0 = table.getByName('ifb0')?.ifindex as number;
    const ifb1 = table.getByName('ifb1')?.ifindex as number;
    const fib = fibNet(rtnl.initNet);
    const cached = () => [...fib.infos.values()].map((info) => `${info.hashKey} refs ${info.refs}`).sort();
    const route = { dst: '0.0.0.0', len: 0, oif: ifb0, scope: RT_SCOPE.LINK };
    expect(await routeAnswer(rtnl, addRoute(route))).toEqual([0, undefined]);
    const before = cached();
    expect(before.every((line) => line.endsWith('refs 1'))).toBe(true);

    // Same prefix and priority, another device: EEXIST under NLM_F_EXCL, its new info unhashed.
    expect(await routeAnswer(rtnl, addRoute({ ...route, oif: ifb1 }))).toEqual([Errno.EEXIST, undefined]);
    expect(cached()).toEqual(before);
    // Without NLM_F_CREATE on a new prefix: ENOENT, nothing cached either.
    expect(await routeAnswer(rtnl, routeRequest(RTM.NEWROUTE, 0, { ...route, dst: '10.0.0.0', len: 8 }))).toEqual([
      Errno.ENOENT,
      undefined,
    ]);
    expect(cached()).toEqual(before);
    // Replacing the route by itself changes nothing, the shared info keeps one reference.
    const replace = routeRequest(RTM.NEWROUTE, NLM_F.CREATE | NLM_F.REPLACE, route);
    expect(await routeAnswer(rtnl, replace)).toEqual([0, undefined]);
    expect(cached()).toEqual(before);
  });
});
