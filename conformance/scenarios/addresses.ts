/**
 * IPv4 addresses (net/ipv4/devinet.c): RTM_NEWADDR / RTM_DELADDR and their errno rows of the
 * kernel's table (kernel-rtnl.md §2.6), secondaries, labels, peers, lifetimes, NLM_F_REPLACE, the
 * RTM_GETADDR dump with and without its ifindex filter, and the RTNLGRP_IPV4_IFADDR
 * notifications (netlink-ecosystem.md §2.3, row 26 and the address rows of 18–21).
 *
 * The routes addresses make are compared in address-routes.ts; these scenarios look at the
 * addresses alone. Every scenario works on `ifb0` (ifindex 2), created in setup: this kernel has
 * no dummy.
 */
import { AF, IFA, IFA_F, IFLA, IFLA_INFO, ipv4Bytes, NLM_F, type NlMsgBuilder, RTM, RTNLGRP } from '@rtnlkit/core';
import { type AddrSpec, addrAttrs, ifaddrmsg, ifinfomsg, message } from '../harness/build';
import type { Scenario } from '../harness/types';

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;
const EXCL = REQ_ACK | NLM_F.CREATE | NLM_F.EXCL;
const REPLACE = REQ_ACK | NLM_F.CREATE | NLM_F.REPLACE;
const IFB = 2;
const EXT_ACK = ['NETLINK_EXT_ACK'] as const;
const GROUPS = [RTNLGRP.IPV4_IFADDR];

const ifb0 = message(RTM.NEWLINK, EXCL, 0xf0001, (b) => {
  b.bytes(ifinfomsg());
  b.string(IFLA.IFNAME, 'ifb0');
  b.nest(IFLA.LINKINFO, (n) => n.string(IFLA_INFO.KIND, 'ifb'));
});

/** `ip addr add` (CREATE | EXCL), or any other flags. */
const add = (seq: number, a: AddrSpec, flags = EXCL) => message(RTM.NEWADDR, flags, seq, addrAttrs(a));
/** `ip addr del`. */
const del = (seq: number, a: AddrSpec) => message(RTM.DELADDR, REQ_ACK, seq, addrAttrs(a));
/** An AF_INET address dump with `fields` in its header and `attrs` after it. */
const dump = (seq: number, fields: Parameters<typeof ifaddrmsg>[0] = {}, attrs: (b: NlMsgBuilder) => void = () => {}) =>
  message(RTM.GETADDR, NLM_F.REQUEST | NLM_F.DUMP, seq, (b) => {
    b.bytes(ifaddrmsg({ family: AF.INET, ...fields }));
    attrs(b);
  });

/** `ip link set` of IFLA_AF_SPEC { AF_INET { IFLA_INET_CONF { id: value … } } } on ifb0. */
const inetConf = (seq: number, values: [number, number][]) =>
  message(RTM.SETLINK, REQ_ACK, seq, (b) => {
    b.bytes(ifinfomsg({ index: IFB }));
    b.beginNest(IFLA.AF_SPEC, false).beginNest(AF.INET, false).beginNest(1, false);
    for (const [id, value] of values) b.u32(id, value);
    b.endNest().endNest().endNest();
  });

/** RTM_GETNETCONF (82) for AF_INET with NETCONFA_IFINDEX (and NETCONFA_FORWARDING). */
const netconf = (seq: number, flags: number, ifindex?: number, forwarding = false) =>
  message(82, flags, seq, (b) => {
    b.bytes(Uint8Array.of(AF.INET, 0, 0, 0));
    if (ifindex !== undefined) b.s32(1, ifindex);
    if (forwarding) b.s32(2, 1);
  });

export const scenarios: Scenario[] = [
  {
    name: 'addr-add-delete',
    description:
      "ip addr add / del: RTM_NEWADDR then RTM_DELADDR to RTNLGRP_IPV4_IFADDR, carrying the request's sequence number and port id; the address is permanent (IFA_F_PERMANENT, lifetimes forever).",
    socket: { admin: true, options: EXT_ACK, groups: GROUPS },
    setup: [ifb0],
    steps: [
      { title: 'add 10.0.0.1/24 brd 10.0.0.255', send: add(1, { local: '10.0.0.1', broadcast: '10.0.0.255' }) },
      { title: 'dump', send: dump(2) },
      { title: 'del 10.0.0.1/24', send: del(3, { local: '10.0.0.1' }) },
    ],
    state: ['addresses'],
  },
  {
    name: 'addr-eexist',
    description:
      'Adding an address that exists: EEXIST "ipv4: Address already assigned" with NLM_F_EXCL, and also without NLM_F_REPLACE (NLM_F_CREATE alone, or no flag at all: CREATE is not required).',
    socket: { admin: true, options: EXT_ACK, groups: GROUPS },
    setup: [ifb0, add(0xf0002, { local: '10.0.0.1' })],
    steps: [
      { title: 'add again (CREATE|EXCL)', send: add(1, { local: '10.0.0.1' }) },
      { title: 'add again (CREATE)', send: add(2, { local: '10.0.0.1' }, REQ_ACK | NLM_F.CREATE) },
      { title: 'add another without CREATE', send: add(3, { local: '10.0.1.1' }, REQ_ACK) },
    ],
    state: ['addresses'],
  },
  {
    name: 'addr-replace',
    description:
      'ip addr replace of an existing address (CREATE|REPLACE): success, metric, proto and lifetimes updated, RTM_NEWADDR again (§2.3 row 26: proto 0x99 then 0x11; row 19: metric).',
    socket: { admin: true, options: EXT_ACK, groups: GROUPS },
    setup: [ifb0],
    steps: [
      {
        title: 'add 10.0.0.1/24 proto 0x99 metric 257',
        send: add(1, { local: '10.0.0.1', proto: 0x99, rtPriority: 257 }),
      },
      {
        title: 'replace proto 0x11 metric 259 lifetimes 100/200',
        send: add(2, { local: '10.0.0.1', proto: 0x11, rtPriority: 259, cacheinfo: [100, 200] }, REPLACE),
      },
      { title: 'replace a new one creates it', send: add(3, { local: '10.0.1.1' }, REPLACE) },
    ],
    state: ['addresses'],
  },
  {
    name: 'addr-not-found',
    description: 'ip addr del of an address the device does not have: EADDRNOTAVAIL "ipv4: Address not found".',
    socket: { admin: true, options: EXT_ACK, groups: GROUPS },
    setup: [ifb0, add(0xf0002, { local: '10.0.0.1' })],
    steps: [
      { title: 'del 10.0.0.2', send: del(1, { local: '10.0.0.2' }) },
      {
        title: 'del 10.0.0.1 by a wrong prefix length',
        send: del(2, { local: '10.0.0.1', address: '10.0.0.1', prefixlen: 16 }),
      },
      { title: 'del 10.0.0.1 by a wrong label', send: del(3, { local: '10.0.0.1', label: 'ifb0:x' }) },
    ],
    state: ['addresses'],
  },
  {
    name: 'addr-enodev',
    description: 'Address add and delete on an ifindex that does not exist: ENODEV "ipv4: Device not found".',
    socket: { admin: true, options: EXT_ACK },
    steps: [
      { title: 'add on ifindex 99', send: add(1, { local: '10.0.0.1', index: 99 }) },
      { title: 'del on ifindex 99', send: del(2, { local: '10.0.0.1', index: 99 }) },
    ],
  },
  {
    name: 'addr-invalid',
    description:
      'inet_validate_rtm: prefix length above 32, no IFA_LOCAL, a valid lifetime of 0 or a preferred one above it are EINVAL with their extack; IFA_LOCAL 0.0.0.0 succeeds and adds nothing.',
    socket: { admin: true, options: EXT_ACK, groups: GROUPS },
    setup: [ifb0],
    steps: [
      { title: 'prefix length 33', send: add(1, { local: '10.0.0.1', prefixlen: 33 }) },
      { title: 'no IFA_LOCAL', send: add(2, { address: '10.0.0.1' }) },
      { title: 'valid lifetime 0', send: add(3, { local: '10.0.0.1', cacheinfo: [0, 0] }) },
      { title: 'preferred above valid', send: add(4, { local: '10.0.0.1', cacheinfo: [20, 10] }) },
      { title: 'IFA_LOCAL 0.0.0.0', send: add(5, { local: '0.0.0.0' }) },
    ],
    state: ['addresses'],
  },
  {
    name: 'addr-scope-mismatch',
    description:
      'A second address of an existing subnet with another scope: EINVAL "ipv4: Invalid scope value"; with the same scope it becomes a secondary (IFA_F_SECONDARY).',
    socket: { admin: true, options: EXT_ACK, groups: GROUPS },
    setup: [ifb0, add(0xf0002, { local: '10.0.0.1' })],
    steps: [
      { title: 'add 10.0.0.2/24 scope link', send: add(1, { local: '10.0.0.2', scope: 253 }) },
      { title: 'add 10.0.0.2/24 scope global', send: add(2, { local: '10.0.0.2' }) },
    ],
    state: ['addresses'],
  },
  {
    name: 'addr-secondaries',
    description:
      'Secondaries: addresses in the subnet of a primary are listed after the primaries; deleting the primary (promote_secondaries off) removes its secondaries first, each with RTM_DELADDR.',
    socket: { admin: true, options: EXT_ACK, groups: GROUPS },
    setup: [ifb0],
    steps: [
      { title: 'add 10.0.0.1/24', send: add(1, { local: '10.0.0.1' }) },
      { title: 'add 10.0.0.2/24', send: add(2, { local: '10.0.0.2' }) },
      { title: 'add 10.0.1.1/24', send: add(3, { local: '10.0.1.1' }) },
      { title: 'add 10.0.0.3/24', send: add(4, { local: '10.0.0.3' }) },
      { title: 'add 10.0.0.4/16 (another mask: primary)', send: add(5, { local: '10.0.0.4', prefixlen: 16 }) },
      { title: 'dump', send: dump(6) },
      { title: 'del 10.0.0.1/24', send: del(7, { local: '10.0.0.1', address: '10.0.0.1' }) },
    ],
    state: ['addresses'],
  },
  {
    name: 'addr-scopes-order',
    description:
      'Primaries are ordered by scope (host, link, global … as inserted): __inet_insert_ifa puts a new primary after the last one of no wider scope.',
    socket: { admin: true, options: EXT_ACK },
    setup: [ifb0],
    steps: [
      { title: 'add 10.0.0.1/24 scope global', send: add(1, { local: '10.0.0.1' }) },
      { title: 'add 10.1.0.1/24 scope link', send: add(2, { local: '10.1.0.1', scope: 253 }) },
      { title: 'add 10.2.0.1/24 scope host', send: add(3, { local: '10.2.0.1', scope: 254 }) },
      { title: 'add 10.3.0.1/24 scope site', send: add(4, { local: '10.3.0.1', scope: 200 }) },
      { title: 'add 10.4.0.1/24 scope global', send: add(5, { local: '10.4.0.1' }) },
    ],
    state: ['addresses'],
  },
  {
    name: 'addr-labels',
    description:
      'IFA_LABEL: an alias label is kept and reported; delete by label alone. (A label of 16 bytes or more is refused by the policy: policy-errors.ts.)',
    socket: { admin: true, options: EXT_ACK, groups: GROUPS },
    setup: [ifb0],
    steps: [
      { title: 'add 10.0.0.1/24 label ifb0:web', send: add(1, { local: '10.0.0.1', label: 'ifb0:web' }) },
      { title: 'add 10.0.1.1/24 (label ifb0)', send: add(2, { local: '10.0.1.1' }) },
      { title: 'del by label ifb0:web', send: del(4, { label: 'ifb0:web' }) },
    ],
    state: ['addresses'],
  },
  {
    name: 'addr-peer',
    description:
      'A point-to-point address (IFA_ADDRESS is the peer): reported with both; deleted by its peer and prefix length (§2.3 row 21).',
    socket: { admin: true, options: EXT_ACK, groups: GROUPS },
    setup: [ifb0],
    steps: [
      {
        title: 'add 172.16.104.1/32 peer 172.16.104.2 metric 260',
        send: add(1, { local: '172.16.104.1', address: '172.16.104.2', prefixlen: 32, rtPriority: 260 }),
      },
      {
        title: 'change peer 172.16.104.3 (a new address: the peer differs)',
        send: add(2, { local: '172.16.104.1', address: '172.16.104.3', prefixlen: 32, rtPriority: 261 }, REPLACE),
      },
      { title: 'del peer 172.16.104.2/32', send: del(3, { address: '172.16.104.2', prefixlen: 32 }) },
    ],
    state: ['addresses'],
  },
  {
    name: 'addr-lifetimes',
    description:
      'IFA_CACHEINFO lifetimes: finite ones clear IFA_F_PERMANENT; a preferred lifetime of 0 is IFA_F_DEPRECATED at once; replace makes an address permanent again (timestamps hidden).',
    socket: { admin: true, options: EXT_ACK, groups: GROUPS },
    setup: [ifb0],
    steps: [
      { title: 'add 10.0.0.1/24 preferred 100 valid 200', send: add(1, { local: '10.0.0.1', cacheinfo: [100, 200] }) },
      { title: 'add 10.0.1.1/24 preferred 0 valid 300', send: add(2, { local: '10.0.1.1', cacheinfo: [0, 300] }) },
      {
        title: 'replace 10.0.0.1/24 forever',
        send: add(3, { local: '10.0.0.1', cacheinfo: [0xffffffff, 0xffffffff] }, REPLACE),
      },
    ],
    state: ['addresses'],
  },
  {
    name: 'addr-flags',
    description:
      "IFA_FLAGS overrides ifa_flags; IPv6-only flags (nodad, …) are dropped, IFA_F_SECONDARY and IFA_F_PERMANENT are the kernel's to set, noprefixroute is kept.",
    socket: { admin: true, options: EXT_ACK },
    setup: [ifb0],
    steps: [
      {
        title: 'add 10.0.0.1/24 with ifa_flags 0xff',
        send: add(1, { local: '10.0.0.1', flags: 0xff }),
      },
      {
        title: 'add 10.0.1.1/24 IFA_FLAGS noprefixroute|nodad|mngtmpaddr',
        send: add(2, {
          local: '10.0.1.1',
          flags: 0xff,
          ifaFlags: IFA_F.NOPREFIXROUTE | IFA_F.NODAD | IFA_F.MANAGETEMPADDR | IFA_F.SECONDARY,
        }),
      },
    ],
    state: ['addresses'],
  },
  {
    name: 'addr-echo',
    description: 'NLM_F_ECHO on ip addr add: the requester gets the RTM_NEWADDR too, before its ACK.',
    socket: { admin: true, options: EXT_ACK },
    setup: [ifb0],
    steps: [
      { title: 'add 10.0.0.1/24 with ECHO', send: add(1, { local: '10.0.0.1' }, EXCL | NLM_F.ECHO) },
      {
        title: 'del 10.0.0.1/24 with ECHO',
        send: message(RTM.DELADDR, REQ_ACK | NLM_F.ECHO, 2, addrAttrs({ local: '10.0.0.1' })),
      },
    ],
  },
  {
    name: 'addr-loopback-up',
    description: 'inetdev_event(NETDEV_UP) on lo: 127.0.0.1/8, scope host, label lo, announced on RTNLGRP_IPV4_IFADDR.',
    socket: { admin: true, options: EXT_ACK, groups: GROUPS },
    steps: [
      { title: 'dump (no address)', send: dump(1) },
      {
        title: 'ip link set lo up',
        send: message(RTM.NEWLINK, REQ_ACK, 2, ifinfomsg({ index: 1, flags: 1, change: 1 })),
      },
      { title: 'del 127.0.0.1/8', send: del(3, { local: '127.0.0.1', prefixlen: 8, index: 1 }) },
    ],
    state: ['addresses'],
  },
  {
    name: 'addr-device-deleted',
    description: 'Deleting a device deletes its addresses: RTM_DELADDR for each (inetdev_destroy).',
    socket: { admin: true, options: EXT_ACK, groups: GROUPS },
    setup: [ifb0, add(0xf0002, { local: '10.0.0.1' }), add(0xf0003, { local: '10.0.1.1', label: 'ifb0:1' })],
    steps: [{ title: 'ip link del ifb0', send: message(RTM.DELLINK, REQ_ACK, 1, ifinfomsg({ index: IFB })) }],
    state: ['addresses'],
  },
  {
    name: 'addr-dump-filter',
    description:
      'Strict address dumps: the ifindex filter (NLM_F_DUMP_FILTERED), a missing device (ENODEV in NLMSG_DONE), header values and attributes that are refused with their extack.',
    socket: { admin: true, options: ['NETLINK_EXT_ACK', 'NETLINK_GET_STRICT_CHK'] },
    setup: [
      ifb0,
      add(0xf0002, { local: '10.0.0.1' }),
      message(RTM.NEWLINK, REQ_ACK, 0xf0003, ifinfomsg({ index: 1, flags: 1, change: 1 })),
    ],
    steps: [
      { title: 'dump all', send: dump(1) },
      { title: 'dump ifindex 2', send: dump(2, { index: IFB }) },
      { title: 'dump ifindex 1', send: dump(3, { index: 1 }) },
      { title: 'dump ifindex 99', send: dump(4, { index: 99 }) },
      { title: 'dump with prefixlen 8', send: dump(5, { prefixlen: 8 }) },
      { title: 'dump with IFA_LOCAL', send: dump(6, {}, (b) => b.attr(IFA.LOCAL, ipv4Bytes('10.0.0.1'))) },
      {
        title: 'dump with a short header',
        send: message(RTM.GETADDR, NLM_F.REQUEST | NLM_F.DUMP, 7, (b) => b.bytes(new Uint8Array([AF.INET]))),
      },
    ],
  },
  {
    name: 'addr-dump-nonstrict',
    description: 'Without NETLINK_GET_STRICT_CHK the address dump ignores ifa_index and header values: every address.',
    socket: { admin: true, options: EXT_ACK },
    setup: [ifb0, add(0xf0002, { local: '10.0.0.1' }), add(0xf0003, { local: '10.0.1.1', label: 'ifb0:x' })],
    steps: [
      { title: 'dump ifindex 1', send: dump(1, { index: 1 }) },
      { title: 'dump prefixlen 8', send: dump(2, { prefixlen: 8 }) },
    ],
  },
  {
    name: 'addr-promote-secondaries',
    description:
      'promote_secondaries set through IFLA_AF_SPEC[AF_INET] (IFLA_INET_CONF): deleting the primary promotes the first secondary of its subnet (RTM_DELADDR, then RTM_NEWADDR of the promoted one, no longer IFA_F_SECONDARY); the others stay secondaries.',
    socket: { admin: true, options: EXT_ACK, groups: GROUPS },
    setup: [ifb0],
    steps: [
      { title: 'ip link set ifb0 promote_secondaries 1', send: inetConf(1, [[20, 1]]) },
      { title: 'add 10.0.0.1/24', send: add(2, { local: '10.0.0.1' }) },
      { title: 'add 10.0.0.2/24', send: add(3, { local: '10.0.0.2' }) },
      { title: 'add 10.0.1.1/24', send: add(4, { local: '10.0.1.1' }) },
      { title: 'add 10.0.0.3/24', send: add(5, { local: '10.0.0.3' }) },
      { title: 'del 10.0.0.1/24', send: del(6, { local: '10.0.0.1' }) },
    ],
    state: ['addresses', 'links'],
  },
  {
    name: 'inet-af-spec',
    description:
      'IFLA_AF_SPEC[AF_INET]: IFLA_INET_CONF values are set (forwarding, rp_filter, accept_redirects) and reported in link messages; an id of 0 or above IPV4_DEVCONF_MAX, or a value shorter than 4 bytes, is EINVAL before anything changes.',
    socket: { admin: true, options: EXT_ACK, groups: [RTNLGRP.LINK] },
    setup: [ifb0],
    steps: [
      {
        title: 'forwarding 1, rp_filter 2, accept_redirects 0',
        send: inetConf(1, [
          [1, 1],
          [8, 2],
          [4, 0],
        ]),
      },
      { title: 'id 0', send: inetConf(2, [[0, 1]]) },
      { title: 'id 34', send: inetConf(3, [[34, 1]]) },
      {
        title: 'a u8 value',
        send: message(RTM.SETLINK, REQ_ACK, 4, (b) => {
          b.bytes(ifinfomsg({ index: IFB }));
          b.u32(IFLA.MTU, 1400);
          b.beginNest(IFLA.AF_SPEC, false).beginNest(AF.INET, false).beginNest(1, false).u8(1, 0);
          b.endNest().endNest().endNest();
        }),
      },
    ],
    state: ['links'],
  },
  {
    name: 'netconf-get',
    description:
      'RTM_GETNETCONF doit (unlocked): a device, all (-1) and default (-2) answer RTM_NEWNETCONF with forwarding, rp_filter, mc_forwarding, bc_forwarding, proxy_neigh, ignore_routes_with_linkdown; a missing device ENODEV, no NETCONFA_IFINDEX EINVAL, another attribute with strict checking EINVAL.',
    socket: { admin: true, options: ['NETLINK_EXT_ACK', 'NETLINK_GET_STRICT_CHK'] },
    setup: [ifb0],
    steps: [
      {
        title: 'set ifb0 forwarding 1 rp_filter 1',
        send: inetConf(1, [
          [1, 1],
          [8, 1],
        ]),
      },
      { title: 'netconf ifb0', send: netconf(2, NLM_F.REQUEST | NLM_F.ACK, IFB) },
      { title: 'netconf all', send: netconf(3, NLM_F.REQUEST | NLM_F.ACK, -1) },
      { title: 'netconf default', send: netconf(4, NLM_F.REQUEST | NLM_F.ACK, -2) },
      { title: 'netconf ifindex 99', send: netconf(5, NLM_F.REQUEST | NLM_F.ACK, 99) },
      { title: 'netconf without an index', send: netconf(6, NLM_F.REQUEST | NLM_F.ACK) },
      { title: 'netconf with NETCONFA_FORWARDING', send: netconf(7, NLM_F.REQUEST | NLM_F.ACK, IFB, true) },
    ],
  },
  {
    name: 'netconf-dump',
    description:
      'RTM_GETNETCONF dump (unlocked): every device with IPv4, then all and default; with strict checking, data after the header is refused.',
    socket: { admin: true, options: ['NETLINK_EXT_ACK', 'NETLINK_GET_STRICT_CHK'] },
    setup: [ifb0],
    steps: [
      { title: 'dump', send: netconf(1, NLM_F.REQUEST | NLM_F.DUMP) },
      { title: 'dump with an attribute', send: netconf(2, NLM_F.REQUEST | NLM_F.DUMP, IFB) },
    ],
  },
  {
    name: 'addr-getaddr-doit',
    description: 'IPv4 has no RTM_GETADDR doit: a request without NLM_F_DUMP is EOPNOTSUPP.',
    socket: { admin: true, options: EXT_ACK },
    setup: [ifb0, add(0xf0002, { local: '10.0.0.1' })],
    steps: [
      { title: 'GETADDR without DUMP', send: message(RTM.GETADDR, REQ_ACK, 1, addrAttrs({ local: '10.0.0.1' })) },
    ],
  },
];
