/**
 * Addresses and routes together: the routes the kernel adds and removes for an address
 * (`fib_inetaddr_event` → `fib_add_ifaddr` / `fib_del_ifaddr`, proto kernel), what a device going
 * down, up or away does to them (`fib_netdev_event`), promotion of secondaries, the prefix
 * route's metric following IFA_RT_PRIORITY, and routes whose prefsrc or device loses its address.
 * The scenarios of netlink-ecosystem.md §2.3 rows 1, 3, 5, 6, 18–21 and 23 (without VRF), on ifb
 * and veth devices (this kernel has no dummy).
 *
 * Every listening socket joins RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV4_ROUTE, so the order of an
 * RTM_NEWADDR before the RTM_NEWROUTEs it causes is compared too.
 */
import { AF, IFA_F, IFF, IFLA, IFLA_INFO, ipv4Bytes, NLM_F, RT_SCOPE, RTA, RTM, RTNLGRP } from '@rtnlkit/core';
import {
  type AddrSpec,
  addIfbMessage,
  addrAttrs,
  linkMessage,
  message,
  type RouteSpec,
  routeMessage,
  rtmsg,
} from '../harness/build';
import type { Scenario } from '../harness/types';

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;
const EXCL = REQ_ACK | NLM_F.CREATE | NLM_F.EXCL;
const REPLACE = REQ_ACK | NLM_F.CREATE | NLM_F.REPLACE;
const LISTEN = {
  admin: true,
  options: ['NETLINK_EXT_ACK'],
  groups: [RTNLGRP.IPV4_IFADDR, RTNLGRP.IPV4_ROUTE],
} as const;
const SOCKET = { admin: true, options: ['NETLINK_EXT_ACK'] } as const;
/** ifindexes in a fresh namespace: lo is 1, then the setup's devices in order. */
const LO = 1;
const IFB0 = 2;
const IFB1 = 3;
/** `IPV4_DEVCONF_PROMOTE_SECONDARIES`. */
const PROMOTE_SECONDARIES = 20;
const RTM_F_FIB_MATCH = 0x2000;

/** `ip link add NAME type ifb` + `ip link set NAME up`. */
const ifbUp = (seq: number, name: string): Uint8Array[] => [addIfbMessage(seq, name), linkSet(seq + 1, name, true)];
const linkSet = (seq: number, name: string, up: boolean) =>
  linkMessage(RTM.SETLINK, REQ_ACK, seq, { flags: up ? IFF.UP : 0, change: IFF.UP }, (b) =>
    b.string(IFLA.IFNAME, name),
  );
const linkDel = (seq: number, name: string) =>
  linkMessage(RTM.DELLINK, REQ_ACK, seq, {}, (b) => b.string(IFLA.IFNAME, name));
/** `ip link add veth0 type veth peer name veth1` (both down). */
const veth = (seq: number, name: string, peer: string) =>
  linkMessage(RTM.NEWLINK, EXCL, seq, {}, (b) => {
    b.string(IFLA.IFNAME, name);
    b.nest(IFLA.LINKINFO, (n) => {
      n.string(IFLA_INFO.KIND, 'veth');
      n.nest(IFLA_INFO.DATA, (d) => {
        d.beginNest(1, false).bytes(new Uint8Array(16));
        d.string(IFLA.IFNAME, peer);
        d.endNest();
      });
    });
  });
/** `ip link set dev INDEX promote_secondaries 1` through IFLA_AF_SPEC[AF_INET][IFLA_INET_CONF]. */
const promoteSecondaries = (seq: number, index: number) =>
  linkMessage(RTM.SETLINK, REQ_ACK, seq, { index }, (b) => {
    b.beginNest(IFLA.AF_SPEC, false).beginNest(AF.INET, false).beginNest(1, false);
    b.u32(PROMOTE_SECONDARIES, 1);
    b.endNest().endNest().endNest();
  });

/** `ip addr add LOCAL/LEN [brd +] dev …` (ifb0 unless `index`). */
const addrAdd = (seq: number, a: AddrSpec, flags = EXCL) => message(RTM.NEWADDR, flags, seq, addrAttrs(a));
const addrDel = (seq: number, a: AddrSpec) => message(RTM.DELADDR, REQ_ACK, seq, addrAttrs(a));
const routeAdd = (seq: number, r: RouteSpec) => routeMessage(RTM.NEWROUTE, EXCL, seq, r);
/** `ip route get [fibmatch] DST`. */
const routeGet = (seq: number, dst: string, flags = 0) =>
  message(RTM.GETROUTE, NLM_F.REQUEST, seq, (b) => {
    b.bytes(rtmsg({ family: AF.INET, dstLen: 32, flags }));
    b.attr(RTA.DST, ipv4Bytes(dst));
  });
/** `ip route show table all`. */
const routeDump = (seq: number) => message(RTM.GETROUTE, NLM_F.REQUEST | NLM_F.DUMP, seq, rtmsg({ family: AF.INET }));

export const scenarios: Scenario[] = [
  {
    name: 'addr-route-side-effects',
    description:
      'ip addr add 198.51.100.1/24 brd + on an up device: RTM_NEWADDR first, then RTM_NEWROUTE for the local /32, the subnet broadcast and the prefix route (proto kernel, src the address); del removes them with RTM_DELROUTE each.',
    socket: LISTEN,
    setup: ifbUp(0xf0001, 'ifb0'),
    steps: [
      {
        title: 'ip addr add 198.51.100.1/24 brd + dev ifb0',
        send: addrAdd(1, { local: '198.51.100.1', broadcast: '198.51.100.255' }),
      },
      { title: 'ip route show table all', send: routeDump(2) },
      { title: 'ip addr del 198.51.100.1/24 dev ifb0', send: addrDel(3, { local: '198.51.100.1' }) },
    ],
    state: ['addresses', 'routes'],
  },
  {
    name: 'addr-route-two-devices',
    description:
      'ipv4_addr_metric_test: the same subnet on two devices gives two kernel prefix routes, scope link, each with its own src; the subnet broadcast is shared in table local.',
    socket: LISTEN,
    setup: [...ifbUp(0xf0001, 'ifb0'), ...ifbUp(0xf0003, 'ifb1')],
    steps: [
      { title: 'add 172.16.104.1/24 dev ifb0', send: addrAdd(1, { local: '172.16.104.1' }) },
      { title: 'add 172.16.104.2/24 dev ifb1', send: addrAdd(2, { local: '172.16.104.2', index: IFB1 }) },
      { title: 'del 172.16.104.1/24 dev ifb0', send: addrDel(3, { local: '172.16.104.1' }) },
    ],
    state: ['addresses', 'routes'],
  },
  {
    name: 'addr-route-metric',
    description:
      'ipv4_addr_metric_test: an address with metric 257 gives its prefix route metric 257; `ip addr change … metric 259` (NLM_F_REPLACE) moves the route (new one added before the old one goes); `ip addr del` takes it away.',
    socket: LISTEN,
    setup: ifbUp(0xf0001, 'ifb0'),
    steps: [
      { title: 'add 172.16.104.1/24 metric 257', send: addrAdd(1, { local: '172.16.104.1', rtPriority: 257 }) },
      {
        title: 'change 172.16.104.1/24 metric 259',
        send: addrAdd(2, { local: '172.16.104.1', rtPriority: 259 }, REPLACE),
      },
      { title: 'ip route show table all', send: routeDump(3) },
      { title: 'del 172.16.104.1/24', send: addrDel(4, { local: '172.16.104.1' }) },
    ],
    state: ['addresses', 'routes'],
  },
  {
    name: 'addr-route-down-up',
    description:
      'ipv4_addr_metric_test / fib_down_unicast_test: link down removes the prefix and broadcast routes without RTM_DELROUTE (the local /32 stays); link up adds them again, with the metric the address has.',
    socket: LISTEN,
    setup: [...ifbUp(0xf0001, 'ifb0'), addrAdd(0xf0003, { local: '172.16.104.2', rtPriority: 259 })],
    steps: [
      { title: 'ip link set ifb0 down', send: linkSet(1, 'ifb0', false) },
      { title: 'ip route show table all (down)', send: routeDump(2) },
      { title: 'ip route get fibmatch 172.16.104.9', send: routeGet(3, '172.16.104.9', RTM_F_FIB_MATCH) },
      { title: 'ip link set ifb0 up', send: linkSet(4, 'ifb0', true) },
    ],
    state: ['addresses', 'routes'],
  },
  {
    name: 'addr-route-peer',
    description:
      'ipv4_addr_metric_test: 172.16.104.1/32 peer 172.16.104.2 metric 260 gives a host route to the peer with that metric; `change … peer 172.16.104.3 metric 261` is another address (another peer), with its own route.',
    socket: LISTEN,
    setup: ifbUp(0xf0001, 'ifb0'),
    steps: [
      {
        title: 'add 172.16.104.1/32 peer 172.16.104.2 metric 260',
        send: addrAdd(1, { local: '172.16.104.1', address: '172.16.104.2', prefixlen: 32, rtPriority: 260 }),
      },
      {
        title: 'change 172.16.104.1/32 peer 172.16.104.3 metric 261',
        send: addrAdd(2, { local: '172.16.104.1', address: '172.16.104.3', prefixlen: 32, rtPriority: 261 }, REPLACE),
      },
    ],
    state: ['addresses', 'routes'],
  },
  {
    name: 'addr-route-prefsrc-flush',
    description:
      'ipv4_del_addr_test without VRF: deleting an address flushes the routes of table main whose prefsrc it was (no RTM_DELROUTE for them), and keeps routes with another src; a route in another table keeps its src.',
    socket: LISTEN,
    setup: [
      ...ifbUp(0xf0001, 'ifb0'),
      addrAdd(0xf0003, { local: '172.16.104.11' }),
      addrAdd(0xf0004, { local: '172.16.104.12' }),
      routeAdd(0xf0005, { dst: '172.16.105.0', len: 24, gw: '172.16.104.2' }),
    ],
    steps: [
      {
        title: 'route add 172.16.106.0/24 via 172.16.104.2 src 172.16.104.11',
        send: routeMessage(RTM.NEWROUTE, EXCL, 1, { dst: '172.16.106.0', len: 24, gw: '172.16.104.2' }, (b) =>
          b.attr(RTA.PREFSRC, ipv4Bytes('172.16.104.11')),
        ),
      },
      {
        title: 'route add 172.16.107.0/24 via 172.16.104.2 src 172.16.104.12',
        send: routeMessage(RTM.NEWROUTE, EXCL, 2, { dst: '172.16.107.0', len: 24, gw: '172.16.104.2' }, (b) =>
          b.attr(RTA.PREFSRC, ipv4Bytes('172.16.104.12')),
        ),
      },
      {
        title: 'route add 172.16.108.0/24 via 172.16.104.2 src 172.16.104.11 table 300',
        send: routeMessage(
          RTM.NEWROUTE,
          EXCL,
          3,
          { dst: '172.16.108.0', len: 24, gw: '172.16.104.2', table: 300 },
          (b) => b.attr(RTA.PREFSRC, ipv4Bytes('172.16.104.11')),
        ),
      },
      { title: 'ip addr del 172.16.104.11/24', send: addrDel(4, { local: '172.16.104.11' }) },
    ],
    state: ['addresses', 'routes'],
  },
  {
    name: 'addr-route-secondary',
    description:
      "A secondary's routes carry its primary as src (local /32 in table local; no prefix route of its own); deleting the primary without promote_secondaries takes the secondary and every route of the subnet.",
    socket: LISTEN,
    setup: [...ifbUp(0xf0001, 'ifb0'), addrAdd(0xf0003, { local: '10.0.0.1', broadcast: '10.0.0.255' })],
    steps: [
      { title: 'add 10.0.0.2/24 brd +', send: addrAdd(1, { local: '10.0.0.2', broadcast: '10.0.0.255' }) },
      { title: 'ip route show table all', send: routeDump(2) },
      { title: 'del 10.0.0.1/24', send: addrDel(3, { local: '10.0.0.1' }) },
    ],
    state: ['addresses', 'routes'],
  },
  {
    name: 'addr-route-promote',
    description:
      "promote_secondaries: deleting the primary promotes the first secondary; the subnet routes come back with the promoted address as src, and the remaining secondary's local route is re-added with it (removed and added again outside the inetaddr chain, as __inet_del_ifa does).",
    socket: LISTEN,
    setup: [
      ...ifbUp(0xf0001, 'ifb0'),
      promoteSecondaries(0xf0003, IFB0),
      addrAdd(0xf0004, { local: '10.0.0.1', broadcast: '10.0.0.255' }),
      addrAdd(0xf0005, { local: '10.0.0.2', broadcast: '10.0.0.255' }),
      addrAdd(0xf0006, { local: '10.0.0.3', broadcast: '10.0.0.255' }),
    ],
    steps: [{ title: 'del 10.0.0.1/24', send: addrDel(1, { local: '10.0.0.1' }) }],
    state: ['addresses', 'routes'],
  },
  {
    name: 'addr-route-last-address',
    description:
      "fib_inetaddr_event: when a device's last address goes, IP is off on it: every route through it is flushed (a dev route and a gateway route too), without RTM_DELROUTE for them.",
    socket: LISTEN,
    setup: [
      ...ifbUp(0xf0001, 'ifb0'),
      ...ifbUp(0xf0003, 'ifb1'),
      addrAdd(0xf0005, { local: '198.51.100.1' }),
      addrAdd(0xf0006, { local: '192.0.2.1', index: IFB1 }),
      routeAdd(0xf0007, { dst: '10.0.0.0', len: 8, oif: IFB0, scope: RT_SCOPE.LINK }),
      routeAdd(0xf0008, { dst: '203.0.113.0', len: 24, gw: '198.51.100.2' }),
      routeAdd(0xf0009, { dst: '203.0.114.0', len: 24, gw: '192.0.2.2' }),
    ],
    steps: [
      { title: 'del 198.51.100.1/24 dev ifb0', send: addrDel(1, { local: '198.51.100.1' }) },
      { title: 'ip route show table all', send: routeDump(2) },
    ],
    state: ['addresses', 'routes'],
  },
  {
    name: 'addr-route-two-addresses-one-goes',
    description:
      "Two primaries on one device: deleting one keeps the device's other routes (a dev route stays: IP is still on), and the subnet broadcast of the remaining subnet.",
    socket: LISTEN,
    setup: [
      ...ifbUp(0xf0001, 'ifb0'),
      addrAdd(0xf0003, { local: '198.51.100.1' }),
      addrAdd(0xf0004, { local: '192.0.2.1' }),
      routeAdd(0xf0005, { dst: '10.0.0.0', len: 8, oif: IFB0, scope: RT_SCOPE.LINK }),
    ],
    steps: [{ title: 'del 198.51.100.1/24', send: addrDel(1, { local: '198.51.100.1' }) }],
    state: ['addresses', 'routes'],
  },
  {
    name: 'addr-route-unregister',
    description:
      "fib_unreg_unicast_test: the connected route answers `ip route get fibmatch`; after `ip link del` it is gone (ENETUNREACH), with RTM_DELADDR and the local routes' RTM_DELROUTEs.",
    socket: LISTEN,
    setup: [...ifbUp(0xf0001, 'ifb0'), addrAdd(0xf0003, { local: '198.51.100.1' })],
    steps: [
      { title: 'get fibmatch 198.51.100.2', send: routeGet(1, '198.51.100.2', RTM_F_FIB_MATCH) },
      { title: 'ip link del ifb0', send: linkDel(2, 'ifb0') },
      { title: 'get fibmatch 198.51.100.2 again', send: routeGet(3, '198.51.100.2', RTM_F_FIB_MATCH) },
    ],
    state: ['addresses', 'routes'],
  },
  {
    name: 'addr-route-device-down-first',
    description:
      'An address added while its device is down has only its local route; bringing the device up adds the broadcast and prefix routes (fib_netdev_event NETDEV_UP walks the addresses).',
    socket: LISTEN,
    setup: [addIfbMessage(0xf0001, 'ifb0')],
    steps: [
      {
        title: 'add 198.51.100.1/24 brd + (down)',
        send: addrAdd(1, { local: '198.51.100.1', broadcast: '198.51.100.255' }),
      },
      { title: 'ip route show table all', send: routeDump(2) },
      { title: 'ip link set ifb0 up', send: linkSet(3, 'ifb0', true) },
    ],
    state: ['addresses', 'routes'],
  },
  {
    name: 'addr-route-noprefixroute',
    description:
      'IFA_F_NOPREFIXROUTE: no prefix route, but the local and broadcast routes; /32 and /31 addresses add no subnet broadcast; a /32 whose prefix is itself no prefix route.',
    socket: LISTEN,
    setup: ifbUp(0xf0001, 'ifb0'),
    steps: [
      {
        title: 'add 198.51.100.1/24 noprefixroute',
        send: addrAdd(1, { local: '198.51.100.1', ifaFlags: IFA_F.NOPREFIXROUTE }),
      },
      { title: 'add 192.0.2.9/32', send: addrAdd(2, { local: '192.0.2.9', prefixlen: 32 }) },
      { title: 'add 203.0.113.1/31', send: addrAdd(3, { local: '203.0.113.1', prefixlen: 31 }) },
    ],
    state: ['addresses', 'routes'],
  },
  {
    name: 'addr-route-loopback',
    description:
      'ip link set lo up: 127.0.0.1/8 appears with its routes in table local (a local 127.0.0.0/8 route, scope host, rather than a unicast prefix route); an address on lo makes another local prefix route.',
    socket: LISTEN,
    steps: [
      { title: 'ip link set lo up', send: linkSet(1, 'lo', true) },
      { title: 'add 10.9.9.9/24 dev lo', send: addrAdd(2, { local: '10.9.9.9', index: LO }) },
    ],
    state: ['addresses', 'routes'],
  },
  {
    name: 'addr-route-carrier',
    description:
      'fib_carrier tests on a veth whose peer is down (no carrier): an address added gets a prefix route flagged linkdown; its local route is not flagged; when the peer comes up the flag goes.',
    socket: LISTEN,
    setup: [veth(0xf0001, 'veth0', 'veth1'), linkSet(0xf0002, 'veth0', true)],
    steps: [
      { title: 'add 198.51.100.1/24 dev veth0', send: addrAdd(1, { local: '198.51.100.1' }) },
      { title: 'ip route show table all (no carrier)', send: routeDump(2) },
      { title: 'ip link set veth1 up', send: linkSet(3, 'veth1', true) },
    ],
    state: ['addresses', 'routes'],
  },
  {
    name: 'addr-route-gateway-through-address',
    description:
      'A gateway is reachable only through the prefix route an address added: the route via it is accepted; once the address goes the gateway is unreachable again (ENETUNREACH "Nexthop has invalid gateway").',
    socket: SOCKET,
    setup: ifbUp(0xf0001, 'ifb0'),
    steps: [
      {
        title: 'via 198.51.100.2 before any address',
        send: routeAdd(1, { dst: '10.0.0.0', len: 8, gw: '198.51.100.2' }),
      },
      { title: 'add 198.51.100.1/24', send: addrAdd(2, { local: '198.51.100.1' }) },
      { title: 'via 198.51.100.2', send: routeAdd(3, { dst: '10.0.0.0', len: 8, gw: '198.51.100.2' }) },
      { title: 'del 198.51.100.1/24', send: addrDel(4, { local: '198.51.100.1' }) },
      { title: 'via 198.51.100.2 again', send: routeAdd(5, { dst: '10.0.0.0', len: 8, gw: '198.51.100.2' }) },
    ],
    state: ['addresses', 'routes'],
  },
];
