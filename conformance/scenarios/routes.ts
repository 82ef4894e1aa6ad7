/**
 * IPv4 routes (RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE) on devices without IPv4 addresses:
 * the scenarios of netlink-ecosystem.md §2.3 (fib_tests.sh, fib_nexthops / ipv4_rt_add,
 * ipv4_rt_replace_*) that need no address, with link-scope device routes standing in for the
 * connected routes an address would add. rtnlkit's side is the FIB of @rtnlkit/subsystems.
 *
 * Devices are ifb (carrier on when up) and veth (carrier only when both ends are up). lo stays
 * down: bringing it up would give Linux 127.0.0.1 and its local routes, which need devinet.
 */
import { AF, IFF, IFLA, IFLA_INFO, ipv4Bytes, NLM_F, type NlMsgBuilder, RTA, RTM, RTN, RTNLGRP } from '@rtnlkit/core';
import { ifinfomsg, message, type RouteSpec, routeMessage, rtmsg } from '../harness/build';
import type { Scenario } from '../harness/types';

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;
/** What iproute2 sends for `add`, `replace`, `change`, `prepend`, `append` (§2.3). */
const ADD = REQ_ACK | NLM_F.CREATE | NLM_F.EXCL;
const REPLACE = REQ_ACK | NLM_F.CREATE | NLM_F.REPLACE;
const CHANGE = REQ_ACK | NLM_F.REPLACE;
const PREPEND = REQ_ACK | NLM_F.CREATE;
const APPEND = REQ_ACK | NLM_F.CREATE | NLM_F.APPEND;
const DUMP = NLM_F.REQUEST | NLM_F.DUMP;
const SOCKET = { admin: true, options: ['NETLINK_EXT_ACK'] } as const;
const STRICT = { admin: true, options: ['NETLINK_EXT_ACK', 'NETLINK_GET_STRICT_CHK'] } as const;
const LISTEN = { admin: true, options: ['NETLINK_EXT_ACK'], groups: [RTNLGRP.IPV4_ROUTE] } as const;

const MAIN = 254;
const SCOPE_LINK = 253;
const SCOPE_HOST = 254;
const RTNH_F_ONLINK = 4;
const RTM_F_FIB_MATCH = 0x2000;
/** ifindexes in a fresh namespace: lo is 1, then the setup's devices in order. */
const IFB0 = 2;
const IFB1 = 3;

type Attrs = (b: NlMsgBuilder) => void;

/** `ip link add NAME type ifb` then `ip link set NAME up`. */
const ifbUp = (seq: number, name: string): Uint8Array[] => [
  message(RTM.NEWLINK, ADD, seq, (b) => {
    b.bytes(ifinfomsg());
    b.string(IFLA.IFNAME, name);
    b.nest(IFLA.LINKINFO, (n) => n.string(IFLA_INFO.KIND, 'ifb'));
  }),
  message(RTM.SETLINK, REQ_ACK, seq + 1, (b) => {
    b.bytes(ifinfomsg({ flags: IFF.UP, change: IFF.UP }));
    b.string(IFLA.IFNAME, name);
  }),
];
const linkSet = (seq: number, name: string, up: boolean) =>
  message(RTM.SETLINK, REQ_ACK, seq, (b) => {
    b.bytes(ifinfomsg({ flags: up ? IFF.UP : 0, change: IFF.UP }));
    b.string(IFLA.IFNAME, name);
  });
const linkDel = (seq: number, name: string) =>
  message(RTM.DELLINK, REQ_ACK, seq, (b) => {
    b.bytes(ifinfomsg());
    b.string(IFLA.IFNAME, name);
  });
/** `ip link add veth0 type veth peer name veth1` (no NLA_F_NESTED on the peer, as iproute2). */
const veth = (seq: number, name: string, peer: string) =>
  message(RTM.NEWLINK, ADD, seq, (b) => {
    b.bytes(ifinfomsg());
    b.string(IFLA.IFNAME, name);
    b.nest(IFLA.LINKINFO, (n) => {
      n.string(IFLA_INFO.KIND, 'veth');
      n.nest(IFLA_INFO.DATA, (d) => {
        d.beginNest(1, false).bytes(ifinfomsg());
        d.string(IFLA.IFNAME, peer);
        d.endNest();
      });
    });
  });

const add = (seq: number, r: RouteSpec) => routeMessage(RTM.NEWROUTE, ADD, seq, r);
const del = (seq: number, r: RouteSpec) => routeMessage(RTM.DELROUTE, REQ_ACK, seq, r);
/** `ip route add DST/LEN dev DEV` (scope link, as iproute2 picks for a route without gateway). */
const devRoute = (seq: number, dst: string, len: number, oif: number, more: RouteSpec = {}) =>
  add(seq, { dst, len, oif, scope: SCOPE_LINK, ...more });
/** The two connected-route stand-ins most scenarios start from. */
const CONNECTED = [
  ...ifbUp(0xf0001, 'ifb0'),
  ...ifbUp(0xf0003, 'ifb1'),
  devRoute(0xf0005, '198.51.100.0', 24, IFB0),
  devRoute(0xf0006, '192.0.2.0', 24, IFB1),
];

/** `ip route get [fibmatch] DST [oif N]`. */
const get = (seq: number, dst: string, flags = 0, oif?: number) =>
  message(RTM.GETROUTE, NLM_F.REQUEST, seq, (b) => {
    b.bytes(rtmsg({ family: AF.INET, dstLen: 32, flags }));
    b.attr(RTA.DST, ipv4Bytes(dst));
    if (oif !== undefined) b.u32(RTA.OIF, oif);
  });
/** `ip route show table all` and filtered forms. */
const dump = (seq: number, fields: Parameters<typeof rtmsg>[0] = {}, attrs?: Attrs) =>
  message(RTM.GETROUTE, DUMP, seq, (b) => {
    b.bytes(rtmsg({ family: AF.INET, ...fields }));
    attrs?.(b);
  });

export const scenarios: Scenario[] = [
  {
    name: 'route-add-dev-and-gateway',
    description:
      "ip route add 198.51.100.0/24 dev ifb0 (scope link), then a gateway route through it: both RTM_NEWROUTE notifications (NLM_F_EXCL|NLM_F_CREATE, the requester's seq), then the dump.",
    socket: LISTEN,
    setup: ifbUp(0xf0001, 'ifb0'),
    steps: [
      { title: 'ip route add 198.51.100.0/24 dev ifb0', send: devRoute(1, '198.51.100.0', 24, IFB0) },
      {
        title: 'ip route add 203.0.113.0/24 via 198.51.100.2',
        send: add(2, { dst: '203.0.113.0', len: 24, gw: '198.51.100.2' }),
      },
      { title: 'ip route add default via 198.51.100.1', send: add(3, { len: 0, gw: '198.51.100.1' }) },
      { title: 'ip route show', send: dump(4) },
    ],
    state: ['routes'],
  },
  {
    name: 'route-gateway-unreachable',
    description:
      'A gateway no route reaches: ENETUNREACH "Nexthop has invalid gateway" (fib_check_nh_v4_gw); behind a blackhole route too, whose universe scope the link-scope gateway lookup skips.',
    socket: SOCKET,
    setup: [...CONNECTED, add(0xf0010, { dst: '172.16.0.0', len: 12, type: RTN.BLACKHOLE })],
    steps: [
      { title: 'via 10.1.1.1: no route', send: add(1, { dst: '10.0.0.0', len: 8, gw: '10.1.1.1' }) },
      { title: 'via 172.16.0.1: only a blackhole', send: add(2, { dst: '10.0.0.0', len: 8, gw: '172.16.0.1' }) },
      {
        title: 'via 192.0.2.1 dev ifb0: wrong device',
        send: add(3, { dst: '10.0.0.0', len: 8, gw: '192.0.2.1', oif: IFB0 }),
      },
      { title: 'via 192.0.2.1 dev ifb1', send: add(4, { dst: '10.0.0.0', len: 8, gw: '192.0.2.1', oif: IFB1 }) },
    ],
    state: ['routes'],
  },
  {
    name: 'route-exists-excl',
    description:
      'ipv4_rt_add: adding a prefix that exists, with another gateway, dev only or as unreachable, gets EEXIST (iproute2 sends NLM_F_EXCL).',
    socket: SOCKET,
    setup: [...CONNECTED, add(0xf0010, { dst: '172.16.104.0', len: 24, gw: '198.51.100.2' })],
    steps: [
      { title: 'via 192.0.2.2', send: add(1, { dst: '172.16.104.0', len: 24, gw: '192.0.2.2' }) },
      { title: 'dev ifb1', send: devRoute(2, '172.16.104.0', 24, IFB1) },
      { title: 'unreachable', send: add(3, { dst: '172.16.104.0', len: 24, type: RTN.UNREACHABLE }) },
    ],
    state: ['routes'],
  },
  {
    name: 'route-prepend',
    description:
      'ipv4_rt_add: ip route prepend (NLM_F_CREATE) puts a second route first, no ECMP merge; the notification carries NLM_F_CREATE alone.',
    socket: LISTEN,
    setup: [...CONNECTED, add(0xf0010, { dst: '172.16.104.0', len: 24, gw: '198.51.100.2' })],
    steps: [
      {
        title: 'ip route prepend … via 192.0.2.2',
        send: routeMessage(RTM.NEWROUTE, PREPEND, 1, { dst: '172.16.104.0', len: 24, gw: '192.0.2.2' }),
      },
      {
        title: 'the same again: EEXIST',
        send: routeMessage(RTM.NEWROUTE, PREPEND, 2, { dst: '172.16.104.0', len: 24, gw: '192.0.2.2' }),
      },
    ],
    state: ['routes'],
  },
  {
    name: 'route-append',
    description:
      'ipv4_rt_add: ip route append (NLM_F_CREATE|NLM_F_APPEND) lists the new route after the existing ones, also dev-only and onto an unreachable route.',
    socket: LISTEN,
    setup: [
      ...CONNECTED,
      add(0xf0010, { dst: '172.16.104.0', len: 24, gw: '198.51.100.2' }),
      add(0xf0011, { dst: '172.16.105.0', len: 24, type: RTN.UNREACHABLE }),
    ],
    steps: [
      {
        title: 'append via 192.0.2.2',
        send: routeMessage(RTM.NEWROUTE, APPEND, 1, { dst: '172.16.104.0', len: 24, gw: '192.0.2.2' }),
      },
      {
        title: 'append dev ifb1',
        send: routeMessage(RTM.NEWROUTE, APPEND, 2, { dst: '172.16.104.0', len: 24, oif: IFB1, scope: SCOPE_LINK }),
      },
      {
        title: 'append onto unreachable',
        send: routeMessage(RTM.NEWROUTE, APPEND, 3, { dst: '172.16.105.0', len: 24, gw: '192.0.2.2' }),
      },
    ],
    state: ['routes'],
  },
  {
    name: 'route-replace',
    description:
      'ipv4_rt_replace_single: ip route replace leaves exactly one route with the new nexthop, then with the unreachable type; the notification carries NLM_F_REPLACE.',
    socket: LISTEN,
    setup: [...CONNECTED, add(0xf0010, { dst: '172.16.104.0', len: 24, gw: '198.51.100.2' })],
    steps: [
      {
        title: 'replace via 192.0.2.2',
        send: routeMessage(RTM.NEWROUTE, REPLACE, 1, { dst: '172.16.104.0', len: 24, gw: '192.0.2.2' }),
      },
      {
        title: 'replace by itself',
        send: routeMessage(RTM.NEWROUTE, REPLACE, 2, { dst: '172.16.104.0', len: 24, gw: '192.0.2.2' }),
      },
      {
        title: 'replace unreachable',
        send: routeMessage(RTM.NEWROUTE, REPLACE, 3, { dst: '172.16.104.0', len: 24, type: RTN.UNREACHABLE }),
      },
      {
        title: 'replace a new prefix: created',
        send: routeMessage(RTM.NEWROUTE, REPLACE, 4, { dst: '172.16.106.0', len: 24, gw: '192.0.2.2' }),
      },
    ],
    state: ['routes'],
  },
  {
    name: 'route-replace-failures',
    description:
      'ipv4_rt_replace_*: ip route change on a missing prefix (REPLACE without CREATE) is ENOENT; a replace with an unreachable gateway fails and leaves the route as it was.',
    socket: SOCKET,
    setup: [...CONNECTED, add(0xf0010, { dst: '172.16.104.0', len: 24, gw: '198.51.100.2' })],
    steps: [
      {
        title: 'ip route change 172.16.105.0/24',
        send: routeMessage(RTM.NEWROUTE, CHANGE, 1, { dst: '172.16.105.0', len: 24, gw: '192.0.2.2' }),
      },
      {
        title: 'replace via 10.9.9.9',
        send: routeMessage(RTM.NEWROUTE, REPLACE, 2, { dst: '172.16.104.0', len: 24, gw: '10.9.9.9' }),
      },
      {
        title: 'replace with a multipath whose 2nd nexthop is invalid',
        send: routeMessage(RTM.NEWROUTE, REPLACE, 3, {
          dst: '172.16.104.0',
          len: 24,
          nexthops: [
            { gw: '192.0.2.2', oif: IFB1 },
            { gw: '10.9.9.9', oif: IFB0 },
          ],
        }),
      },
    ],
    state: ['routes'],
  },
  {
    name: 'route-metrics',
    description:
      'ipv4_rt_add: the same prefix with metric 512 and 256 coexist (ordered by metric); ip route del … metric 512 removes only that one.',
    socket: LISTEN,
    setup: CONNECTED,
    steps: [
      { title: 'metric 512', send: add(1, { dst: '172.16.104.0', len: 24, gw: '198.51.100.2', metric: 512 }) },
      { title: 'metric 256', send: add(2, { dst: '172.16.104.0', len: 24, gw: '198.51.100.2', metric: 256 }) },
      { title: 'del metric 512', send: del(3, { dst: '172.16.104.0', len: 24, metric: 512 }) },
    ],
    state: ['routes'],
  },
  {
    name: 'route-delete',
    description:
      'ip route del: by prefix; by gateway; ESRCH for a missing route, a mismatched gateway, and a missing table ("FIB table does not exist").',
    socket: LISTEN,
    setup: [
      ...CONNECTED,
      add(0xf0010, { dst: '172.16.104.0', len: 24, gw: '198.51.100.2' }),
      add(0xf0011, { dst: '172.16.105.0', len: 24, gw: '192.0.2.2' }),
    ],
    steps: [
      { title: 'del 10.0.0.0/8: none', send: del(1, { dst: '10.0.0.0', len: 8 }) },
      {
        title: 'del 172.16.104.0/24 via 192.0.2.2: other gateway',
        send: del(2, { dst: '172.16.104.0', len: 24, gw: '192.0.2.2' }),
      },
      {
        title: 'del 172.16.104.0/24 via 198.51.100.2',
        send: del(3, { dst: '172.16.104.0', len: 24, gw: '198.51.100.2' }),
      },
      { title: 'del 172.16.105.0/24', send: del(4, { dst: '172.16.105.0', len: 24 }) },
      { title: 'del in table 1000', send: del(5, { dst: '172.16.105.0', len: 24, table: 1000 }) },
    ],
    state: ['routes'],
  },
  {
    name: 'route-types',
    description:
      'blackhole, unreachable and prohibit routes (no device); a device with one is EINVAL; ip route get fibmatch through them answers EINVAL, EHOSTUNREACH, EACCES.',
    socket: SOCKET,
    setup: ifbUp(0xf0001, 'ifb0'),
    steps: [
      { title: 'blackhole 10.1.0.0/16', send: add(1, { dst: '10.1.0.0', len: 16, type: RTN.BLACKHOLE }) },
      { title: 'unreachable 10.2.0.0/16', send: add(2, { dst: '10.2.0.0', len: 16, type: RTN.UNREACHABLE }) },
      { title: 'prohibit 10.3.0.0/16', send: add(3, { dst: '10.3.0.0', len: 16, type: RTN.PROHIBIT }) },
      { title: 'blackhole dev ifb0', send: add(4, { dst: '10.4.0.0', len: 16, type: RTN.BLACKHOLE, oif: IFB0 }) },
      { title: 'get fibmatch 10.1.0.1', send: get(5, '10.1.0.1', RTM_F_FIB_MATCH) },
      { title: 'get fibmatch 10.2.0.1', send: get(6, '10.2.0.1', RTM_F_FIB_MATCH) },
      { title: 'get fibmatch 10.3.0.1', send: get(7, '10.3.0.1', RTM_F_FIB_MATCH) },
      { title: 'ip route show', send: dump(8) },
    ],
  },
  {
    name: 'route-tables',
    description:
      'RTA_TABLE 1000 creates the table (rtm_table RT_TABLE_COMPAT in answers); dumps by table with strict checking are NLM_F_DUMP_FILTERED; a missing table is ENOENT "ipv4: FIB table does not exist".',
    socket: STRICT,
    setup: ifbUp(0xf0001, 'ifb0'),
    steps: [
      { title: 'ip route add 10.0.0.0/8 dev ifb0 table 1000', send: devRoute(1, '10.0.0.0', 8, IFB0, { table: 1000 }) },
      { title: 'ip route add 10.0.0.0/8 dev ifb0 table 100', send: devRoute(2, '10.0.0.0', 8, IFB0, { table: 100 }) },
      { title: 'ip route show table 1000', send: dump(3, {}, (b) => b.u32(RTA.TABLE, 1000)) },
      { title: 'ip route show table 100 (rtm_table)', send: dump(4, { table: 100 }) },
      { title: 'ip route show table 77', send: dump(5, { table: 77 }) },
      { title: 'ip route show table all', send: dump(6) },
    ],
    state: ['routes'],
  },
  {
    name: 'route-device-errors',
    description:
      'ENODEV for a missing device and for a unicast route with neither device nor gateway; ENETDOWN "Device for nexthop is not up" for a down device.',
    socket: SOCKET,
    setup: [...ifbUp(0xf0001, 'ifb0'), linkSet(0xf0003, 'ifb0', false)],
    steps: [
      { title: 'dev 99', send: devRoute(1, '10.0.0.0', 8, 99) },
      { title: 'neither dev nor via', send: add(2, { dst: '10.0.0.0', len: 8 }) },
      { title: 'dev ifb0 (down)', send: devRoute(3, '10.0.0.0', 8, IFB0) },
    ],
  },
  {
    name: 'route-onlink',
    description:
      'onlink gateways: "Nexthop device required for onlink" (ENODEV), "Nexthop has invalid scope" (scope link), "Nexthop device is not up" (ENETDOWN); "Nexthop has invalid gateway" while no local table exists (__inet_dev_addr_type says broadcast), accepted once one does.',
    socket: SOCKET,
    setup: [...ifbUp(0xf0001, 'ifb0'), ...ifbUp(0xf0003, 'ifb1'), linkSet(0xf0005, 'ifb1', false)],
    steps: [
      { title: 'onlink without dev', send: add(1, { dst: '10.0.0.0', len: 8, gw: '192.0.2.1', flags: RTNH_F_ONLINK }) },
      {
        title: 'onlink scope link',
        send: add(2, { dst: '10.0.0.0', len: 8, gw: '192.0.2.1', oif: IFB0, scope: SCOPE_LINK, flags: RTNH_F_ONLINK }),
      },
      {
        title: 'onlink dev ifb1 (down)',
        send: add(3, { dst: '10.0.0.0', len: 8, gw: '192.0.2.1', oif: IFB1, flags: RTNH_F_ONLINK }),
      },
      {
        title: 'onlink dev ifb0: no local table yet',
        send: add(4, { dst: '10.0.0.0', len: 8, gw: '192.0.2.1', oif: IFB0, flags: RTNH_F_ONLINK }),
      },
      { title: 'a route in table local creates it', send: devRoute(5, '10.255.0.0', 16, IFB0, { table: 255 }) },
      {
        title: 'onlink dev ifb0',
        send: add(6, { dst: '10.0.0.0', len: 8, gw: '192.0.2.1', oif: IFB0, flags: RTNH_F_ONLINK }),
      },
    ],
    state: ['routes'],
  },
  {
    name: 'route-invalid',
    description:
      "EINVAL with the kernel's extack: prefix length, bits beyond the prefix, ECN bits in tos, route type, scope, a host-scope route with a gateway, a device on a blackhole, prefsrc not local.",
    socket: SOCKET,
    setup: CONNECTED,
    steps: [
      { title: '/33', send: devRoute(1, '10.0.0.0', 33, IFB0) },
      { title: '10.0.0.1/8', send: devRoute(2, '10.0.0.1', 8, IFB0) },
      { title: 'dsfield 0x01', send: devRoute(3, '10.0.0.0', 8, IFB0, { tos: 1 }) },
      { title: 'type 12', send: add(4, { dst: '10.0.0.0', len: 8, type: 12 }) },
      { title: 'local with scope universe', send: add(5, { dst: '10.0.0.0', len: 8, type: RTN.LOCAL, oif: IFB0 }) },
      {
        title: 'scope host via a gateway',
        send: add(6, { dst: '10.0.0.0', len: 8, scope: SCOPE_HOST, gw: '198.51.100.2' }),
      },
      { title: 'type unspec', send: add(7, { dst: '10.0.0.0', len: 8, type: 0, oif: IFB0 }) },
      { title: 'prefsrc 192.0.2.77', send: devRoute(8, '10.0.0.0', 8, IFB0, {}) },
      {
        title: 'prefsrc not a local address',
        send: routeMessage(RTM.NEWROUTE, ADD, 9, { dst: '10.9.0.0', len: 16, oif: IFB0, scope: SCOPE_LINK }, (b) =>
          b.attr(RTA.PREFSRC, ipv4Bytes('192.0.2.77')),
        ),
      },
    ],
    state: ['routes'],
  },
  {
    name: 'route-link-down',
    description:
      'fib_down_unicast_test: a device going down takes its routes and those through it, with no RTM_DELROUTE; they do not come back on up.',
    socket: LISTEN,
    setup: [...CONNECTED, add(0xf0010, { dst: '172.16.104.0', len: 24, gw: '198.51.100.2' })],
    steps: [
      { title: 'ip link set ifb0 down', send: linkSet(1, 'ifb0', false) },
      { title: 'ip route show', send: dump(2) },
      { title: 'ip link set ifb0 up', send: linkSet(3, 'ifb0', true) },
      { title: 'ip route show', send: dump(4) },
    ],
    state: ['routes'],
  },
  {
    name: 'route-link-delete',
    description: 'fib_unreg_unicast_test: deleting the device removes its routes; ip route get fibmatch then fails.',
    socket: SOCKET,
    setup: [...CONNECTED],
    steps: [
      { title: 'get fibmatch 198.51.100.2', send: get(1, '198.51.100.2', RTM_F_FIB_MATCH) },
      { title: 'ip link del ifb0', send: linkDel(2, 'ifb0') },
      { title: 'get fibmatch 198.51.100.2', send: get(3, '198.51.100.2', RTM_F_FIB_MATCH) },
    ],
    state: ['routes'],
  },
  {
    name: 'route-multipath',
    description: 'ipv4_rt_add: a two-nexthop route (RTA_MULTIPATH, weight 1 each), then the same add again: EEXIST.',
    socket: LISTEN,
    setup: CONNECTED,
    steps: [
      {
        title: 'nexthop via 198.51.100.2 nexthop via 192.0.2.2',
        send: add(1, {
          dst: '203.0.113.0',
          len: 24,
          nexthops: [
            { gw: '198.51.100.2', oif: IFB0 },
            { gw: '192.0.2.2', oif: IFB1 },
          ],
        }),
      },
      {
        title: 'again',
        send: add(2, {
          dst: '203.0.113.0',
          len: 24,
          nexthops: [
            { gw: '198.51.100.2', oif: IFB0 },
            { gw: '192.0.2.2', oif: IFB1 },
          ],
        }),
      },
      { title: 'get fibmatch 203.0.113.1', send: get(3, '203.0.113.1', RTM_F_FIB_MATCH) },
    ],
    state: ['routes'],
  },
  {
    name: 'route-multipath-device-down',
    description:
      'fib_down_multipath_test: one nexthop device down keeps the route with a dead, linkdown nexthop; fibmatch with oif of the down device fails, of the up one succeeds; both down removes it.',
    socket: SOCKET,
    setup: [
      ...CONNECTED,
      add(0xf0010, {
        dst: '203.0.113.0',
        len: 24,
        nexthops: [
          { gw: '198.51.100.2', oif: IFB0 },
          { gw: '192.0.2.2', oif: IFB1 },
        ],
      }),
    ],
    steps: [
      { title: 'ip link set ifb0 down', send: linkSet(1, 'ifb0', false) },
      { title: 'ip route show', send: dump(2) },
      { title: 'fibmatch oif ifb0', send: get(3, '203.0.113.1', RTM_F_FIB_MATCH, IFB0) },
      { title: 'fibmatch oif ifb1', send: get(4, '203.0.113.1', RTM_F_FIB_MATCH, IFB1) },
      { title: 'ip link set ifb1 down', send: linkSet(5, 'ifb1', false) },
    ],
    state: ['routes'],
  },
  {
    name: 'route-multipath-device-deleted',
    description: 'fib_unreg_multipath_test: deleting one nexthop device removes the IPv4 multipath route entirely.',
    socket: SOCKET,
    setup: [
      ...CONNECTED,
      add(0xf0010, {
        dst: '203.0.113.0',
        len: 24,
        nexthops: [
          { gw: '198.51.100.2', oif: IFB0 },
          { gw: '192.0.2.2', oif: IFB1 },
        ],
      }),
    ],
    steps: [
      { title: 'ip link del ifb0', send: linkDel(1, 'ifb0') },
      { title: 'get fibmatch 203.0.113.1', send: get(2, '203.0.113.1', RTM_F_FIB_MATCH) },
    ],
    state: ['routes'],
  },
  {
    name: 'route-get-fibmatch',
    description:
      'ip route get fibmatch: the longest match (default route, /24, /32 host route); no route: ENETUNREACH.',
    socket: SOCKET,
    setup: [...CONNECTED, add(0xf0010, { len: 0, gw: '198.51.100.1' }), devRoute(0xf0011, '192.0.2.77', 32, IFB0)],
    steps: [
      { title: 'fibmatch 8.8.8.8', send: get(1, '8.8.8.8', RTM_F_FIB_MATCH) },
      { title: 'fibmatch 192.0.2.7', send: get(2, '192.0.2.7', RTM_F_FIB_MATCH) },
      { title: 'fibmatch 192.0.2.77', send: get(3, '192.0.2.77', RTM_F_FIB_MATCH) },
      { title: 'del default', send: del(4, { len: 0 }) },
      { title: 'fibmatch 8.8.8.8: none', send: get(5, '8.8.8.8', RTM_F_FIB_MATCH) },
    ],
  },
  {
    name: 'route-dump-filters',
    description:
      'Strict route dumps filtered by protocol, type and oif (NLM_F_DUMP_FILTERED), an oif that does not exist (ENODEV), and the strict errors: header values, flags, an unsupported attribute.',
    socket: STRICT,
    setup: [
      ...CONNECTED,
      add(0xf0010, { dst: '10.2.0.0', len: 16, type: RTN.UNREACHABLE }),
      add(0xf0011, { dst: '10.3.0.0', len: 16, gw: '192.0.2.2', protocol: 4 }),
    ],
    steps: [
      { title: 'proto static', send: dump(1, { protocol: 4 }) },
      { title: 'type unreachable', send: dump(2, { type: RTN.UNREACHABLE }) },
      { title: 'oif ifb1', send: dump(3, {}, (b) => b.u32(RTA.OIF, IFB1)) },
      { title: 'oif 99', send: dump(4, {}, (b) => b.u32(RTA.OIF, 99)) },
      { title: 'rtm_dst_len 8', send: dump(5, { dstLen: 8 }) },
      { title: 'rtm_flags 1', send: dump(6, { flags: 1 }) },
      { title: 'RTA_GATEWAY', send: dump(7, {}, (b) => b.attr(RTA.GATEWAY, ipv4Bytes('192.0.2.2'))) },
    ],
  },
  {
    name: 'route-veth-linkdown',
    description:
      'fib_carrier_unicast_test: a route on a veth end whose peer is down is flagged linkdown (RTNH_F_LINKDOWN); the flag goes when the peer comes up.',
    socket: SOCKET,
    setup: [veth(0xf0001, 'veth0', 'veth1'), linkSet(0xf0002, 'veth0', true)],
    steps: [
      { title: 'ip route add 198.51.100.0/24 dev veth0', send: devRoute(1, '198.51.100.0', 24, IFB0) },
      { title: 'ip route show', send: dump(2) },
      { title: 'ip link set veth1 up', send: linkSet(3, 'veth1', true) },
      { title: 'ip route show', send: dump(4) },
    ],
  },
  {
    name: 'route-getroute-strict-errors',
    description:
      'Strict RTM_GETROUTE doit validation: header values, unsupported rtm_flags, an unsupported attribute, RTA_DST without rtm_dst_len.',
    socket: STRICT,
    setup: CONNECTED,
    steps: [
      {
        title: 'rtm_table 254',
        send: message(RTM.GETROUTE, NLM_F.REQUEST, 1, (b) =>
          b.bytes(rtmsg({ family: AF.INET, dstLen: 32, table: MAIN })).attr(RTA.DST, ipv4Bytes('192.0.2.1')),
        ),
      },
      { title: 'rtm_flags 0x4', send: get(2, '192.0.2.1', 0x4) },
      {
        title: 'RTA_GATEWAY',
        send: message(RTM.GETROUTE, NLM_F.REQUEST, 3, (b) =>
          b
            .bytes(rtmsg({ family: AF.INET, dstLen: 32 }))
            .attr(RTA.DST, ipv4Bytes('192.0.2.1'))
            .attr(RTA.GATEWAY, ipv4Bytes('192.0.2.1')),
        ),
      },
      {
        title: 'RTA_DST, dst_len 0',
        send: message(RTM.GETROUTE, NLM_F.REQUEST, 4, (b) =>
          b.bytes(rtmsg({ family: AF.INET })).attr(RTA.DST, ipv4Bytes('192.0.2.1')),
        ),
      },
      { title: 'fibmatch 192.0.2.1', send: get(5, '192.0.2.1', RTM_F_FIB_MATCH) },
    ],
  },
];
