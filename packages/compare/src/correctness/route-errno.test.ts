/**
 * Every route row of the kernel's errno table (kernel-rtnl.md §2.6), under every strategy: the
 * errno and extack Linux 6.18 answers, no lockdep report, no handler fault, and no route changed
 * by a refused request. (Most rows are also checked against Linux itself, in conformance's
 * routes scenarios.)
 */
import {
  NlMsgBuilder as Builder,
  Errno,
  encodeIfInfoMsg,
  encodeRtMsg,
  IFF,
  IFLA,
  IFLA_INFO,
  LockEnv,
  type LockStrategy,
  NETLINK_OPT,
  type NetlinkSocket,
  NLM_F,
  NLMSG,
  type NlMsgBuilder,
  RTA,
  RTM,
  RTN,
  Rtnetlink,
} from '@rtnlkit/core';
import { decodeDatagram } from '@rtnlkit/core/testing';
import { fibNet, fibSubsystem, linkSubsystem, RT_SCOPE, RT_TABLE, RTNH_F } from '@rtnlkit/subsystems';
import { describe, expect, it } from 'vitest';
import { STRATEGY_VARIANTS } from '../strategies';

interface ErrnoCase {
  readonly name: string;
  readonly request: Uint8Array;
  readonly errno: number;
  readonly extack?: string;
}

const ip = (a: string) => new Uint8Array(a.split('.').map(Number));
const IFB0 = 2;
const IFB1 = 3;
let seq = 1;

interface Route {
  dst?: string;
  len?: number;
  type?: number;
  scope?: number;
  table?: number;
  tos?: number;
  flags?: number;
  gw?: string;
  oif?: number;
  prefsrc?: string;
  nhId?: number;
  via?: string;
}

function route(type: number, nlFlags: number, r: Route): Uint8Array {
  const del = type === RTM.DELROUTE;
  const b = new Builder(type, NLM_F.REQUEST | NLM_F.ACK | nlFlags, seq++, 0);
  const table = r.table ?? RT_TABLE.MAIN;
  b.bytes(
    encodeRtMsg({
      family: 2,
      dstLen: r.len ?? 32,
      tos: r.tos ?? 0,
      table: table < 256 ? table : 0,
      protocol: del ? 0 : 3,
      scope: r.scope ?? (del ? RT_SCOPE.NOWHERE : RT_SCOPE.UNIVERSE),
      type: r.type ?? (del ? 0 : RTN.UNICAST),
      flags: r.flags ?? 0,
    }),
  );
  if (table >= 256) b.u32(RTA.TABLE, table);
  if (r.dst) b.attr(RTA.DST, ip(r.dst));
  if (r.prefsrc) b.attr(RTA.PREFSRC, ip(r.prefsrc));
  if (r.gw) b.attr(RTA.GATEWAY, ip(r.gw));
  if (r.via) b.attr(RTA.VIA, new Uint8Array([2, 0, ...ip(r.via)]));
  if (r.oif !== undefined) b.u32(RTA.OIF, r.oif);
  if (r.nhId !== undefined) b.u32(RTA.NH_ID, r.nhId);
  return b.finish().slice();
}
const ADD = NLM_F.CREATE | NLM_F.EXCL;
const add = (r: Route) => route(RTM.NEWROUTE, ADD, r);
const del = (r: Route) => route(RTM.DELROUTE, 0, r);
const LINK = RT_SCOPE.LINK;

/** The world: ifb0 (2) up, ifb1 (3) down; 198.51.100.0/24 dev ifb0, 203.0.113.0/24 via 198.51.100.2, broadcast 172.31.0.255 dev ifb0; a local-table route. */
const CASES: ErrnoCase[] = [
  {
    name: 'EEXIST: add an existing route with NLM_F_EXCL',
    request: add({ dst: '203.0.113.0', len: 24, gw: '198.51.100.2' }),
    errno: Errno.EEXIST,
  },
  {
    name: 'EEXIST: the identical route without EXCL or REPLACE',
    request: route(RTM.NEWROUTE, NLM_F.CREATE, { dst: '203.0.113.0', len: 24, gw: '198.51.100.2' }),
    errno: Errno.EEXIST,
  },
  {
    name: 'ENOENT: replace without NLM_F_CREATE and no match',
    request: route(RTM.NEWROUTE, NLM_F.REPLACE, { dst: '10.0.0.0', len: 8, oif: IFB0, scope: LINK }),
    errno: Errno.ENOENT,
  },
  { name: 'ESRCH: delete a missing route', request: del({ dst: '10.0.0.0', len: 8 }), errno: Errno.ESRCH },
  {
    name: 'ESRCH: delete with another gateway',
    request: del({ dst: '203.0.113.0', len: 24, gw: '198.51.100.9', scope: 0 }),
    errno: Errno.ESRCH,
  },
  {
    name: 'ESRCH: delete in a missing table',
    request: del({ dst: '10.0.0.0', len: 8, table: 1000 }),
    errno: Errno.ESRCH,
    extack: 'FIB table does not exist',
  },
  {
    name: 'ENETUNREACH: gateway not reachable',
    request: add({ dst: '10.0.0.0', len: 8, gw: '192.0.2.1' }),
    errno: Errno.ENETUNREACH,
    extack: 'Nexthop has invalid gateway',
  },
  {
    name: 'EINVAL: gateway resolves to a broadcast route',
    request: add({ dst: '10.0.0.0', len: 8, gw: '172.31.0.255' }),
    errno: Errno.EINVAL,
    extack: 'Nexthop has invalid gateway',
  },
  {
    name: 'EINVAL: onlink with scope link',
    request: add({ dst: '10.0.0.0', len: 8, gw: '192.0.2.1', oif: IFB0, scope: LINK, flags: RTNH_F.ONLINK }),
    errno: Errno.EINVAL,
    extack: 'Nexthop has invalid scope',
  },
  {
    name: 'ENODEV: onlink without a device',
    request: add({ dst: '10.0.0.0', len: 8, gw: '192.0.2.1', flags: RTNH_F.ONLINK }),
    errno: Errno.ENODEV,
    extack: 'Nexthop device required for onlink',
  },
  {
    name: 'ENETDOWN: onlink through a device that is down',
    request: add({ dst: '10.0.0.0', len: 8, gw: '192.0.2.1', oif: IFB1, flags: RTNH_F.ONLINK }),
    errno: Errno.ENETDOWN,
    extack: 'Nexthop device is not up',
  },
  {
    name: 'EINVAL: onlink gateway that is not unicast',
    request: add({ dst: '10.0.0.0', len: 8, gw: '10.255.0.1', oif: IFB0, flags: RTNH_F.ONLINK }),
    errno: Errno.EINVAL,
    extack: 'Nexthop has invalid gateway',
  },
  {
    name: 'ENETDOWN: device route on a device that is down',
    request: add({ dst: '10.0.0.0', len: 8, oif: IFB1, scope: LINK }),
    errno: Errno.ENETDOWN,
    extack: 'Device for nexthop is not up',
  },
  {
    name: 'ENODEV: device route on a missing device',
    request: add({ dst: '10.0.0.0', len: 8, oif: 99, scope: LINK }),
    errno: Errno.ENODEV,
  },
  {
    name: 'EINVAL: prefix length 33',
    request: add({ dst: '10.0.0.0', len: 33, oif: IFB0 }),
    errno: Errno.EINVAL,
    extack: 'Invalid prefix length',
  },
  {
    name: 'EINVAL: bits beyond the prefix',
    request: add({ dst: '10.0.0.1', len: 8, oif: IFB0 }),
    errno: Errno.EINVAL,
    extack: 'Invalid prefix for given prefix length',
  },
  {
    name: 'EINVAL: route type 12',
    request: add({ dst: '10.0.0.0', len: 8, type: 12 }),
    errno: Errno.EINVAL,
    extack: 'Invalid route type',
  },
  {
    name: 'EINVAL: local route with universe scope',
    request: add({ dst: '10.0.0.0', len: 8, type: RTN.LOCAL, oif: IFB0 }),
    errno: Errno.EINVAL,
    extack: 'Invalid scope',
  },
  {
    name: 'EINVAL: prefsrc not a local address',
    request: add({ dst: '10.0.0.0', len: 8, oif: IFB0, scope: LINK, prefsrc: '192.0.2.77' }),
    errno: Errno.EINVAL,
    extack: 'Invalid prefsrc address',
  },
  {
    name: 'EINVAL: ECN bits in the tos',
    request: add({ dst: '10.0.0.0', len: 8, oif: IFB0, tos: 2 }),
    errno: Errno.EINVAL,
    extack: 'Invalid dsfield (tos): ECN bits must be 0',
  },
  {
    name: 'EINVAL: nexthop id with a device',
    request: add({ dst: '10.0.0.0', len: 8, oif: IFB0, nhId: 1 }),
    errno: Errno.EINVAL,
    extack: 'Nexthop specification and nexthop id are mutually exclusive',
  },
  {
    name: 'EINVAL: both RTA_GATEWAY and RTA_VIA',
    request: add({ dst: '10.0.0.0', len: 8, gw: '198.51.100.2', via: '198.51.100.2' }),
    errno: Errno.EINVAL,
    extack: 'Nexthop configuration can not contain both GATEWAY and VIA',
  },
  {
    name: 'EINVAL: a nexthop id that does not exist',
    request: add({ dst: '10.0.0.0', len: 8, nhId: 7 }),
    errno: Errno.EINVAL,
    extack: 'Nexthop id does not exist',
  },
  {
    name: 'EINVAL: host scope with a gateway',
    request: add({ dst: '10.0.0.0', len: 8, scope: RT_SCOPE.HOST, gw: '198.51.100.2' }),
    errno: Errno.EINVAL,
    extack: 'Route with host scope can not have a gateway',
  },
];

function setupRequests(): Uint8Array[] {
  const link = (
    type: number,
    flags: number,
    fields: Parameters<typeof encodeIfInfoMsg>[0],
    attrs: (b: NlMsgBuilder) => void,
  ) => {
    const b = new Builder(type, NLM_F.REQUEST | NLM_F.ACK | flags, seq++, 0);
    b.bytes(encodeIfInfoMsg(fields));
    attrs(b);
    return b.finish().slice();
  };
  const ifb = (n: string) =>
    link(RTM.NEWLINK, ADD, {}, (b) => {
      b.string(IFLA.IFNAME, n);
      b.nest(IFLA.LINKINFO, (i) => i.string(IFLA_INFO.KIND, 'ifb'));
    });
  return [
    ifb('ifb0'),
    ifb('ifb1'),
    link(RTM.SETLINK, 0, { flags: IFF.UP, change: IFF.UP }, (b) => b.string(IFLA.IFNAME, 'ifb0')),
    add({ dst: '198.51.100.0', len: 24, oif: IFB0, scope: LINK }),
    add({ dst: '203.0.113.0', len: 24, gw: '198.51.100.2' }),
    add({ dst: '172.31.0.255', len: 32, type: RTN.BROADCAST, oif: IFB0, scope: LINK }),
    add({ dst: '10.255.0.1', len: 32, type: RTN.LOCAL, oif: IFB0, scope: RT_SCOPE.HOST, table: RT_TABLE.LOCAL }),
  ];
}

async function ask(socket: NetlinkSocket, request: Uint8Array) {
  const wanted = new DataView(request.buffer, request.byteOffset).getUint32(8, true);
  await socket.send(request);
  for (;;) {
    for (const m of decodeDatagram(await socket.recv())) {
      if (m.header.seq !== wanted) continue;
      if (m.header.type === NLMSG.ERROR) return { errno: m.errno ?? -1, extack: m.extack };
    }
  }
}

async function world(create: () => LockStrategy) {
  const env = new LockEnv({ lockdep: true });
  const rtnl = new Rtnetlink({ strategy: create(), env });
  await rtnl.install(linkSubsystem());
  await rtnl.install(fibSubsystem());
  const admin = rtnl.socket({ admin: true });
  for (const r of setupRequests()) expect((await ask(admin, r)).errno).toBe(0);
  admin.close();
  return { rtnl, env };
}

const snapshot = (rtnl: Rtnetlink) => {
  const fib = fibNet(rtnl.initNet);
  return fib.tablesInOrder().map((t) => t.routes().map((r) => `${t.id} ${r.dst}/${r.dstLen} ${r.alias.type}`));
};

describe.each(STRATEGY_VARIANTS)('route errnos of kernel-rtnl.md §2.6 under $name', ({ create }) => {
  it.each(CASES)('$name', async (c) => {
    const { rtnl, env } = await world(create);
    const before = snapshot(rtnl);
    const socket = rtnl.socket({ admin: true });
    socket.setOption(NETLINK_OPT.EXT_ACK, true);
    const answer = await ask(socket, c.request);
    expect(answer.errno).toBe(c.errno);
    expect(answer.extack).toBe(c.extack);
    expect(snapshot(rtnl)).toEqual(before);
    expect(env.lockdep?.reports ?? []).toEqual([]);
    expect(rtnl.faults).toEqual([]);
    socket.close();
  });
});

it('covers the table: one or more cases for each route row', () => {
  const rows = ['EEXIST', 'ENOENT', 'ESRCH', 'ENETUNREACH', 'EINVAL', 'ENODEV', 'ENETDOWN'];
  for (const row of rows) expect(CASES.some((c) => c.name.startsWith(`${row}:`))).toBe(true);
});
