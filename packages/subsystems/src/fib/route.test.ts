import { Errno, NLM_F, RTM, RTN } from '@rtnlkit/core';
import { describe, expect, it } from 'vitest';
import { delLink, linkDown, sendAndListen } from '../link/test-support';
import { RT_SCOPE, RT_TABLE, RTNH_F } from './constants';
import { fibNet } from './table';
import {
  addRoute,
  delRoute,
  describeRoutes,
  dumpRoutes,
  fibWorld,
  routeAnswer,
  routeRequest,
  sendRoute,
  upDevices,
} from './test-support';

const LINK = RT_SCOPE.LINK;

async function world() {
  const w = await fibWorld();
  await upDevices(w.rtnl, 'ifb0', 'ifb1');
  const ifb0 = w.table.getByName('ifb0')?.ifindex as number;
  const ifb1 = w.table.getByName('ifb1')?.ifindex as number;
  return { ...w, ifb0, ifb1 };
}

async function dump(
  rtnl: Parameters<typeof sendRoute>[0],
  fields: Parameters<typeof dumpRoutes>[0] = {},
  strict = false,
) {
  const { replies } = await sendRoute(rtnl, dumpRoutes(fields), { strict });
  return replies;
}

describe('RTM_NEWROUTE / RTM_DELROUTE', () => {
  it('leaves no fib_info behind for an insert that fails (it would pin its device for ever)', async () => {
    const { rtnl, ifb0 } = await world();
    const fib = fibNet(rtnl.initNet);
    const base = fib.infos.size;
    expect((await sendRoute(rtnl, addRoute({ dst: '198.51.100.0', len: 24, oif: ifb0, scope: LINK }))).ack?.errno).toBe(
      0,
    );
    expect(fib.infos.size).toBe(base + 1);
    // EEXIST with another metric-less nexthop (a new info), and ENOENT without NLM_F_CREATE.
    const taken = routeRequest(RTM.NEWROUTE, NLM_F.CREATE | NLM_F.EXCL, {
      dst: '198.51.100.0',
      len: 24,
      gw: '198.51.100.9',
    });
    expect((await sendRoute(rtnl, taken)).ack?.errno).toBe(Errno.EEXIST);
    const noCreate = routeRequest(RTM.NEWROUTE, 0, { dst: '192.0.2.0', len: 24, oif: ifb0, scope: LINK, priority: 7 });
    expect((await sendRoute(rtnl, noCreate)).ack?.errno).toBe(Errno.ENOENT);
    expect(fib.infos.size).toBe(base + 1);
  });

  it('adds a device route and a gateway route through it, notifying RTNLGRP_IPV4_ROUTE', async () => {
    const { rtnl, ifb0 } = await world();
    const first = await sendRoute(rtnl, addRoute({ dst: '198.51.100.0', len: 24, oif: ifb0, scope: LINK }));
    expect(first.ack?.errno).toBe(0);
    expect(describeRoutes(first.notifications)).toEqual([`198.51.100.0/24 table 254 t1 s253 p3 dev ${ifb0}`]);
    // a fresh route: NLM_F_EXCL | NLM_F_CREATE, stamped with the requester's seq
    expect(first.notifications[0]?.header.flags).toBe(NLM_F.EXCL | NLM_F.CREATE);
    const second = await sendRoute(rtnl, addRoute({ dst: '203.0.113.0', len: 24, gw: '198.51.100.2' }));
    expect(second.ack?.errno).toBe(0);
    expect(describeRoutes(await dump(rtnl))).toEqual([
      `198.51.100.0/24 table 254 t1 s253 p3 dev ${ifb0}`,
      `203.0.113.0/24 table 254 t1 s0 p3 via 198.51.100.2 dev ${ifb0}`,
    ]);
  });

  it('keeps no fib_info of a refused route in fib_info_hash (fib_release_info on the error path)', async () => {
    const { rtnl, ifb0 } = await world();
    const fib = fibNet(rtnl.initNet);
    const route = { dst: '198.51.100.0', len: 24, oif: ifb0, scope: LINK };
    expect(await routeAnswer(rtnl, addRoute(route))).toEqual([0, undefined]);
    const infos = [...fib.infos.keys()];
    // Same prefix, another protocol: a new info, refused with EEXIST (NLM_F_EXCL).
    const other = addRoute({ ...route, len: 24 });
    other[16 + 5] = 4; // rtm_protocol: RTPROT_STATIC
    expect((await routeAnswer(rtnl, other))[0]).toBe(Errno.EEXIST);
    expect(await routeAnswer(rtnl, routeRequest(RTM.NEWROUTE, 0, { ...route, dst: '10.0.0.0', len: 8 }))).toEqual([
      Errno.ENOENT,
      undefined,
    ]);
    expect([...fib.infos.keys()]).toEqual(infos);
  });

  it('answers the errno table: EEXIST, ENOENT, ESRCH, ENETUNREACH, ENETDOWN, ENODEV, EINVAL', async () => {
    const { rtnl, ifb0 } = await world();
    const route = { dst: '198.51.100.0', len: 24, oif: ifb0, scope: LINK };
    expect(await routeAnswer(rtnl, addRoute(route))).toEqual([0, undefined]);
    expect(await routeAnswer(rtnl, addRoute(route))).toEqual([Errno.EEXIST, undefined]);
    expect(
      await routeAnswer(
        rtnl,
        routeRequest(RTM.NEWROUTE, NLM_F.REPLACE, { dst: '10.0.0.0', len: 8, oif: ifb0, scope: LINK }),
      ),
    ).toEqual([Errno.ENOENT, undefined]);
    expect(await routeAnswer(rtnl, delRoute({ dst: '10.0.0.0', len: 8 }))).toEqual([Errno.ESRCH, undefined]);
    expect(await routeAnswer(rtnl, delRoute({ dst: '10.0.0.0', len: 8, table: 1000 }))).toEqual([
      Errno.ESRCH,
      'FIB table does not exist',
    ]);
    expect(await routeAnswer(rtnl, addRoute({ dst: '10.0.0.0', len: 8, gw: '192.0.2.1' }))).toEqual([
      Errno.ENETUNREACH,
      'Nexthop has invalid gateway',
    ]);
    expect(await routeAnswer(rtnl, addRoute({ dst: '10.0.0.0', len: 8, oif: 999, scope: LINK }))).toEqual([
      Errno.ENODEV,
      undefined,
    ]);
    expect(await routeAnswer(rtnl, addRoute({ dst: '10.0.0.0', len: 8 }))).toEqual([Errno.ENODEV, undefined]);
    expect(await routeAnswer(rtnl, addRoute({ dst: '10.0.0.1', len: 8, oif: ifb0 }))).toEqual([
      Errno.EINVAL,
      'Invalid prefix for given prefix length',
    ]);
    expect(await routeAnswer(rtnl, addRoute({ dst: '10.0.0.0', len: 33, oif: ifb0 }))).toEqual([
      Errno.EINVAL,
      'Invalid prefix length',
    ]);
    expect(await routeAnswer(rtnl, addRoute({ dst: '10.0.0.0', len: 8, oif: ifb0, tos: 1 }))).toEqual([
      Errno.EINVAL,
      'Invalid dsfield (tos): ECN bits must be 0',
    ]);
    expect(await routeAnswer(rtnl, addRoute({ dst: '10.0.0.0', len: 8, type: 12 }))).toEqual([
      Errno.EINVAL,
      'Invalid route type',
    ]);
    expect(await routeAnswer(rtnl, addRoute({ dst: '10.0.0.0', len: 8, type: RTN.LOCAL, oif: ifb0 }))).toEqual([
      Errno.EINVAL,
      'Invalid scope',
    ]);
    expect(await routeAnswer(rtnl, addRoute({ dst: '10.0.0.0', len: 8, type: RTN.BLACKHOLE, oif: ifb0 }))).toEqual([
      Errno.EINVAL,
      'Gateway, device and multipath can not be specified for this route type',
    ]);
    expect(
      await routeAnswer(rtnl, addRoute({ dst: '10.0.0.0', len: 8, scope: RT_SCOPE.HOST, gw: '198.51.100.2' })),
    ).toEqual([Errno.EINVAL, 'Route with host scope can not have a gateway']);
    expect(
      await routeAnswer(rtnl, addRoute({ dst: '10.0.0.0', len: 8, oif: ifb0, scope: LINK, prefsrc: '192.0.2.1' })),
    ).toEqual([Errno.EINVAL, 'Invalid prefsrc address']);
    // onlink
    expect(
      await routeAnswer(rtnl, addRoute({ dst: '10.0.0.0', len: 8, gw: '192.0.2.1', flags: RTNH_F.ONLINK })),
    ).toEqual([Errno.ENODEV, 'Nexthop device required for onlink']);
    expect(
      await routeAnswer(
        rtnl,
        addRoute({ dst: '10.0.0.0', len: 8, gw: '192.0.2.1', oif: ifb0, flags: RTNH_F.ONLINK, scope: LINK }),
      ),
    ).toEqual([Errno.EINVAL, 'Nexthop has invalid scope']);
    // no local table yet (no address made one): __inet_dev_addr_type() says broadcast
    const onlink = addRoute({ dst: '10.0.0.0', len: 8, gw: '192.0.2.1', oif: ifb0, flags: RTNH_F.ONLINK });
    expect(await routeAnswer(rtnl, onlink)).toEqual([Errno.EINVAL, 'Nexthop has invalid gateway']);
    const local = addRoute({ dst: '10.255.0.0', len: 16, oif: ifb0, scope: LINK, table: RT_TABLE.LOCAL });
    expect(await routeAnswer(rtnl, local)).toEqual([0, undefined]);
    expect(
      await routeAnswer(rtnl, addRoute({ dst: '10.0.0.0', len: 8, gw: '192.0.2.1', oif: ifb0, flags: RTNH_F.ONLINK })),
    ).toEqual([0, undefined]);
    // a gateway behind a blackhole route: its universe scope is below the link scope the
    // gateway lookup asks for, so it is skipped (fib_table_lookup checks scope before the type)
    expect(await routeAnswer(rtnl, addRoute({ dst: '172.16.0.0', len: 12, type: RTN.BLACKHOLE }))).toEqual([
      0,
      undefined,
    ]);
    expect(await routeAnswer(rtnl, addRoute({ dst: '10.9.0.0', len: 16, gw: '172.16.0.1' }))).toEqual([
      Errno.ENETUNREACH,
      'Nexthop has invalid gateway',
    ]);
    // a gateway that resolves to a broadcast route: EINVAL
    expect(
      await routeAnswer(rtnl, addRoute({ dst: '172.31.0.255', len: 32, type: RTN.BROADCAST, oif: ifb0, scope: LINK })),
    ).toEqual([0, undefined]);
    expect(await routeAnswer(rtnl, addRoute({ dst: '10.9.0.0', len: 16, gw: '172.31.0.255' }))).toEqual([
      Errno.EINVAL,
      'Nexthop has invalid gateway',
    ]);
  });

  it('refuses a device that is down: ENETDOWN', async () => {
    const { rtnl, ifb0 } = await world();
    await sendAndListen(rtnl, linkDown('ifb0'));
    expect(await routeAnswer(rtnl, addRoute({ dst: '10.0.0.0', len: 8, oif: ifb0, scope: LINK }))).toEqual([
      Errno.ENETDOWN,
      'Device for nexthop is not up',
    ]);
    expect(
      await routeAnswer(rtnl, addRoute({ dst: '10.0.0.0', len: 8, gw: '192.0.2.1', oif: ifb0, flags: RTNH_F.ONLINK })),
    ).toEqual([Errno.ENETDOWN, 'Nexthop device is not up']);
  });

  it('prepends, appends and replaces in the kernel order', async () => {
    const { rtnl, ifb0, ifb1 } = await world();
    for (const [dev, dst] of [
      [ifb0, '198.51.100.0'],
      [ifb1, '192.0.2.0'],
    ] as const)
      await routeAnswer(rtnl, addRoute({ dst, len: 24, oif: dev, scope: LINK }));
    const prefix = { dst: '203.0.113.0', len: 24 };
    expect(await routeAnswer(rtnl, addRoute({ ...prefix, gw: '198.51.100.2' }))).toEqual([0, undefined]);
    expect(await routeAnswer(rtnl, addRoute({ ...prefix, gw: '192.0.2.2' }))).toEqual([Errno.EEXIST, undefined]);
    // prepend: NLM_F_CREATE alone puts the new route first
    const prepend = await sendRoute(rtnl, routeRequest(RTM.NEWROUTE, NLM_F.CREATE, { ...prefix, gw: '192.0.2.2' }));
    expect(prepend.notifications[0]?.header.flags).toBe(NLM_F.CREATE);
    // append: after the run
    const append = await sendRoute(
      rtnl,
      routeRequest(RTM.NEWROUTE, NLM_F.CREATE | NLM_F.APPEND, { ...prefix, type: RTN.UNREACHABLE }),
    );
    expect(append.notifications[0]?.header.flags).toBe(NLM_F.CREATE | NLM_F.APPEND);
    // the same route again, prepended: EEXIST
    expect(await routeAnswer(rtnl, routeRequest(RTM.NEWROUTE, NLM_F.CREATE, { ...prefix, gw: '192.0.2.2' }))).toEqual([
      Errno.EEXIST,
      undefined,
    ]);
    expect(describeRoutes(await dump(rtnl, { table: RT_TABLE.MAIN })).filter((l) => l.startsWith('203'))).toEqual([
      `203.0.113.0/24 table 254 t1 s0 p3 via 192.0.2.2 dev ${ifb1}`,
      `203.0.113.0/24 table 254 t1 s0 p3 via 198.51.100.2 dev ${ifb0}`,
      '203.0.113.0/24 table 254 t7 s0 p3',
    ]);
    // replace takes the first of the run
    const replace = await sendRoute(
      rtnl,
      routeRequest(RTM.NEWROUTE, NLM_F.CREATE | NLM_F.REPLACE, { ...prefix, type: RTN.PROHIBIT }),
    );
    expect(replace.notifications[0]?.header.flags).toBe(NLM_F.REPLACE);
    expect(describeRoutes(await dump(rtnl, { table: RT_TABLE.MAIN })).filter((l) => l.startsWith('203'))).toEqual([
      '203.0.113.0/24 table 254 t8 s0 p3',
      `203.0.113.0/24 table 254 t1 s0 p3 via 198.51.100.2 dev ${ifb0}`,
      '203.0.113.0/24 table 254 t7 s0 p3',
    ]);
    // metrics coexist; a delete by metric takes only that one
    await routeAnswer(rtnl, addRoute({ ...prefix, gw: '198.51.100.2', priority: 512 }));
    await routeAnswer(rtnl, addRoute({ ...prefix, gw: '198.51.100.2', priority: 256 }));
    expect(await routeAnswer(rtnl, delRoute({ ...prefix, priority: 512 }))).toEqual([0, undefined]);
    expect(describeRoutes(await dump(rtnl)).filter((l) => l.includes('metric'))).toEqual([
      `203.0.113.0/24 table 254 t1 s0 p3 metric 256 via 198.51.100.2 dev ${ifb0}`,
    ]);
  });

  it('creates tables on demand; RTA_TABLE ≥ 256 shows as RT_TABLE_COMPAT in the header', async () => {
    const { rtnl, ifb0 } = await world();
    expect(await routeAnswer(rtnl, addRoute({ dst: '10.0.0.0', len: 8, oif: ifb0, scope: LINK, table: 1000 }))).toEqual(
      [0, undefined],
    );
    const replies = await dump(rtnl, { table: 1000 });
    expect(describeRoutes(replies)).toEqual([`10.0.0.0/8 table 1000 t1 s253 p3 dev ${ifb0}`]);
    expect(replies[0]?.bytes[16 + 4]).toBe(RT_TABLE.COMPAT);
    expect(replies[0]?.header.flags).toBe(NLM_F.MULTI);
    // strict: filtered
    const strict = await dump(rtnl, { table: 1000 }, true);
    expect(strict[0]?.header.flags).toBe(NLM_F.MULTI | NLM_F.DUMP_FILTERED);
    const missing = await dump(rtnl, { table: 77 }, true);
    expect(missing.at(-1)?.doneErrno ?? missing.at(-1)?.errno).toBe(Errno.ENOENT);
    expect(missing.at(-1)?.extack).toBe('ipv4: FIB table does not exist');
  });

  it('adds and shows multipath routes; a device going away removes the whole route', async () => {
    const { rtnl, ifb0, ifb1 } = await world();
    await routeAnswer(rtnl, addRoute({ dst: '198.51.100.0', len: 24, oif: ifb0, scope: LINK }));
    await routeAnswer(rtnl, addRoute({ dst: '192.0.2.0', len: 24, oif: ifb1, scope: LINK }));
    const mp = {
      dst: '203.0.113.0',
      len: 24,
      nexthops: [
        { gw: '198.51.100.2', oif: ifb0 },
        { gw: '192.0.2.2', oif: ifb1 },
      ],
    };
    expect(await routeAnswer(rtnl, addRoute(mp))).toEqual([0, undefined]);
    expect(await routeAnswer(rtnl, addRoute(mp))).toEqual([Errno.EEXIST, undefined]);
    expect(describeRoutes(await dump(rtnl)).filter((l) => l.startsWith('203'))).toEqual([
      '203.0.113.0/24 table 254 t1 s0 p3 mp 32',
    ]);
    // one device down: the route stays with a dead nexthop
    await sendAndListen(rtnl, linkDown('ifb0'));
    const fib = fibNet(rtnl.initNet);
    const [kept] = fib.getTable(RT_TABLE.MAIN)?.aliases(0xcb007100, 24) ?? [];
    expect(kept?.info.nhs.map((nh) => nh.flags & RTNH_F.DEAD)).toEqual([RTNH_F.DEAD, 0]);
    // the device goes: IPv4 removes the multipath route entirely
    await sendAndListen(rtnl, delLink('ifb1'));
    expect(describeRoutes(await dump(rtnl))).toEqual([]);
  });

  it('a device going down removes its routes without RTM_DELROUTE', async () => {
    const { rtnl, ifb0 } = await world();
    await routeAnswer(rtnl, addRoute({ dst: '198.51.100.0', len: 24, oif: ifb0, scope: LINK }));
    await routeAnswer(rtnl, addRoute({ dst: '203.0.113.0', len: 24, gw: '198.51.100.2' }));
    const down = await sendRoute(rtnl, linkDown('ifb0'));
    expect(describeRoutes(down.notifications)).toEqual([]);
    expect(describeRoutes(await dump(rtnl))).toEqual([]);
  });
});

describe('RTM_GETROUTE', () => {
  it('looks a route up; with RTM_F_FIB_MATCH answers the FIB entry', async () => {
    const { rtnl, ifb0 } = await world();
    await routeAnswer(rtnl, addRoute({ dst: '198.51.100.0', len: 24, oif: ifb0, scope: LINK }));
    const get = (flags: number, dst: string) =>
      routeRequest(RTM.GETROUTE, 0, { dst, len: 32, flags, protocol: 0, type: 0 });
    const match = await sendRoute(rtnl, get(0x2000, '198.51.100.7'));
    expect(describeRoutes(match.replies)).toEqual([`198.51.100.0/24 table 254 t1 s253 p3 dev ${ifb0}`]);
    const plain = await sendRoute(rtnl, get(0, '198.51.100.7'));
    expect(describeRoutes(plain.replies)).toEqual([`198.51.100.7/32 table 254 t1 s0 p0 dev ${ifb0} flags 512`]);
    expect((await sendRoute(rtnl, get(0x2000, '192.0.2.1'))).ack?.errno).toBe(Errno.ENETUNREACH);
    await routeAnswer(rtnl, addRoute({ dst: '192.0.2.0', len: 24, type: RTN.UNREACHABLE }));
    expect((await sendRoute(rtnl, get(0x2000, '192.0.2.1'))).ack?.errno).toBe(Errno.EHOSTUNREACH);
  });

  it('validates strict dump requests', async () => {
    const { rtnl } = await world();
    const bad = await dump(rtnl, { flags: 0x1 }, true);
    expect([bad.at(-1)?.errno ?? bad.at(-1)?.doneErrno, bad.at(-1)?.extack]).toEqual([
      Errno.EINVAL,
      'Invalid flags for FIB dump request',
    ]);
    const noDev = await dump(rtnl, { oif: 999 }, true);
    expect(noDev.at(-1)?.errno ?? noDev.at(-1)?.doneErrno).toBe(Errno.ENODEV);
  });
});
