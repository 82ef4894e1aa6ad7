/**
 * RTM_NEWLINK and RTM_DELLINK with link kinds: `ip link add` of ifb and bridge, a NEWLINK that
 * finds an existing device, an unknown kind, and deletions. Each scenario ends with a dump of
 * every link, so the whole state is compared.
 */
import { IFF, IFLA, IFLA_INFO, NLM_F, type NlMsgBuilder, RTM, RTNLGRP } from '@rtnlkit/core';
import { ifinfomsg, message } from '../harness/build';
import type { Scenario } from '../harness/types';

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;
/** What `ip link add` sends. */
const ADD = REQ_ACK | NLM_F.CREATE | NLM_F.EXCL;

const newlink = (
  seq: number,
  flags: number,
  fields: Parameters<typeof ifinfomsg>[0],
  attrs: (b: NlMsgBuilder) => void = () => {},
) =>
  message(RTM.NEWLINK, flags, seq, (b) => {
    b.bytes(ifinfomsg(fields));
    attrs(b);
  });

const kind = (name: string) => (b: NlMsgBuilder) => b.nest(IFLA.LINKINFO, (n) => n.string(IFLA_INFO.KIND, name));
const ipLinkAdd = (seq: number, ifname: string, kindName: string, extra?: (b: NlMsgBuilder) => void) =>
  newlink(seq, ADD, {}, (b) => {
    b.string(IFLA.IFNAME, ifname);
    extra?.(b);
    kind(kindName)(b);
  });
const dellink = (seq: number, fields: Parameters<typeof ifinfomsg>[0], attrs: (b: NlMsgBuilder) => void = () => {}) =>
  message(RTM.DELLINK, REQ_ACK, seq, (b) => {
    b.bytes(ifinfomsg(fields));
    attrs(b);
  });

export const scenarios: Scenario[] = [
  {
    name: 'newlink-ifb',
    description: 'ip link add ifb0 type ifb: ifindex 2, NOARP, txqlen 32, a random address; then by the pattern ifb%d.',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'] },
    steps: [
      { title: 'ip link add ifb0 type ifb', send: ipLinkAdd(1, 'ifb0', 'ifb') },
      {
        title: 'ifb%d, mtu 9000, txqlen 100, group 5',
        send: ipLinkAdd(2, 'ifb%d', 'ifb', (b) => b.u32(IFLA.MTU, 9000).u32(IFLA.TXQLEN, 100).u32(IFLA.GROUP, 5)),
      },
    ],
    state: ['links'],
  },
  {
    name: 'newlink-bridge',
    description: 'ip link add br0 type bridge: a bridge without ports, down.',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'] },
    steps: [{ title: 'ip link add br0 type bridge', send: ipLinkAdd(1, 'br0', 'bridge') }],
    state: ['links'],
  },
  {
    name: 'newlink-ifb-up-notifications',
    description:
      "RTNLGRP_LINK while an ifb is created up (ifi_flags IFF_UP), changed, and deleted: the first RTM_NEWLINK (change ~0) carries the request's sequence number and port, the RTM_DELLINK too, after the close's RTM_NEWLINK.",
    socket: { admin: true, options: ['NETLINK_EXT_ACK'], groups: [RTNLGRP.LINK] },
    steps: [
      {
        title: 'ip link add ifb0 up type ifb',
        send: newlink(1, ADD, { flags: IFF.UP, change: IFF.UP }, (b) => {
          b.string(IFLA.IFNAME, 'ifb0');
          kind('ifb')(b);
        }),
      },
      {
        title: 'NEWLINK without CREATE: mtu 1400',
        send: newlink(2, REQ_ACK, {}, (b) => b.string(IFLA.IFNAME, 'ifb0').u32(IFLA.MTU, 1400)),
      },
      { title: 'ip link del ifb0', send: dellink(3, {}, (b) => b.string(IFLA.IFNAME, 'ifb0')) },
    ],
    state: ['links'],
  },
  {
    name: 'newlink-echo',
    description: 'NLM_F_ECHO on ip link add and ip link del, without listening to RTNLGRP_LINK.',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'] },
    steps: [
      {
        title: 'ip link add ifb0 type ifb, echo',
        send: newlink(1, ADD | NLM_F.ECHO, {}, (b) =>
          b.string(IFLA.IFNAME, 'ifb0').nest(IFLA.LINKINFO, (n) => n.string(IFLA_INFO.KIND, 'ifb')),
        ),
      },
      {
        title: 'ip link del ifb0, echo',
        send: message(RTM.DELLINK, REQ_ACK | NLM_F.ECHO, 2, (b) => b.bytes(ifinfomsg()).string(IFLA.IFNAME, 'ifb0')),
      },
    ],
    state: ['links'],
  },
  {
    name: 'newlink-errors',
    description:
      'RTM_NEWLINK errors: CREATE|EXCL on an existing name (EEXIST), REPLACE on an existing device (EOPNOTSUPP), an unknown kind ("Unknown device type"), no CREATE for a missing device (ENODEV), a negative index, a bad mtu for the kind.',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'] },
    steps: [
      { title: 'ip link add ifb0 type ifb', send: ipLinkAdd(1, 'ifb0', 'ifb') },
      { title: 'again: EEXIST', send: ipLinkAdd(2, 'ifb0', 'ifb') },
      { title: 'lo with CREATE|EXCL: EEXIST', send: ipLinkAdd(3, 'lo', 'ifb') },
      { title: 'REPLACE on lo', send: newlink(4, REQ_ACK | NLM_F.REPLACE, { index: 1 }) },
      { title: 'unknown kind', send: ipLinkAdd(5, 'x0', 'nosuchkind') },
      { title: 'CREATE without a kind', send: newlink(6, ADD, {}, (b) => b.string(IFLA.IFNAME, 'x1')) },
      { title: 'no CREATE, missing name', send: newlink(7, REQ_ACK, {}, (b) => b.string(IFLA.IFNAME, 'x2')) },
      { title: 'no CREATE, missing index', send: newlink(8, REQ_ACK, { index: 77 }) },
      { title: 'negative index', send: newlink(9, ADD, { index: -2 }, kind('ifb')) },
      { title: 'bridge with mtu 67', send: ipLinkAdd(10, 'br0', 'bridge', (b) => b.u32(IFLA.MTU, 67)) },
      {
        title: 'NEWLINK lo without flags: a SETLINK',
        send: newlink(11, REQ_ACK, { index: 1 }, (b) => b.u32(IFLA.GROUP, 2)),
      },
    ],
    state: ['links'],
  },
  {
    name: 'dellink',
    description:
      'ip link del of an ifb by index and a bridge by name; ENODEV for an unknown index or name, EINVAL for neither, EOPNOTSUPP for lo (no rtnl_link_ops).',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'] },
    steps: [
      { title: 'ip link add ifb0 type ifb', send: ipLinkAdd(1, 'ifb0', 'ifb') },
      { title: 'ip link add br0 type bridge', send: ipLinkAdd(2, 'br0', 'bridge') },
      { title: 'ip link add ifb1 type ifb', send: ipLinkAdd(3, 'ifb1', 'ifb') },
      { title: 'del ifb0 by index', send: dellink(4, { index: 2 }) },
      { title: 'del br0 by name', send: dellink(5, {}, (b) => b.string(IFLA.IFNAME, 'br0')) },
      { title: 'del index 2 again', send: dellink(6, { index: 2 }) },
      { title: 'del unknown name', send: dellink(7, {}, (b) => b.string(IFLA.IFNAME, 'nosuchdev')) },
      { title: 'del with neither', send: dellink(8, {}) },
      { title: 'del lo', send: dellink(9, { index: 1 }) },
      { title: 'ip link add ifb2 type ifb: ifindex 5', send: ipLinkAdd(10, 'ifb2', 'ifb') },
    ],
    state: ['links'],
  },
  {
    name: 'link-dump-kind-filter',
    description:
      'ip link show type ifb / type bridge: a dump with IFLA_LINKINFO naming a kind lists only its devices, flagged NLM_F_DUMP_FILTERED; an unknown kind filters nothing and is not flagged.',
    socket: { admin: false },
    setup: [ipLinkAdd(0xf0001, 'ifb0', 'ifb'), ipLinkAdd(0xf0002, 'br0', 'bridge'), ipLinkAdd(0xf0003, 'ifb1', 'ifb')],
    steps: [
      {
        title: 'type ifb',
        send: message(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, 1, (b) => kind('ifb')(b.bytes(ifinfomsg()))),
      },
      {
        title: 'type bridge',
        send: message(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, 2, (b) => kind('bridge')(b.bytes(ifinfomsg()))),
      },
      {
        title: 'type nosuchkind',
        send: message(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, 3, (b) => kind('nosuchkind')(b.bytes(ifinfomsg()))),
      },
    ],
  },
  {
    name: 'setlink-rename',
    description:
      'ip link set ifb0 name wan0 (IFLA_IFNAME with an index): renamed while down; EEXIST for a name in use, EINVAL for an invalid one, and a rename while up works (Linux 6.18); a notification listener sees the NETDEV_CHANGENAME RTM_NEWLINK.',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'], groups: [RTNLGRP.LINK] },
    setup: [ipLinkAdd(0xf0001, 'ifb0', 'ifb')],
    steps: [
      {
        title: 'rename to wan0',
        send: message(RTM.SETLINK, REQ_ACK, 1, (b) => b.bytes(ifinfomsg({ index: 2 })).string(IFLA.IFNAME, 'wan0')),
      },
      {
        title: 'rename to lo',
        send: message(RTM.SETLINK, REQ_ACK, 2, (b) => b.bytes(ifinfomsg({ index: 2 })).string(IFLA.IFNAME, 'lo')),
      },
      {
        title: 'rename to a/b',
        send: message(RTM.SETLINK, REQ_ACK, 3, (b) => b.bytes(ifinfomsg({ index: 2 })).string(IFLA.IFNAME, 'a/b')),
      },
      { title: 'up', send: message(RTM.SETLINK, REQ_ACK, 4, ifinfomsg({ index: 2, flags: IFF.UP, change: IFF.UP })) },
      {
        title: 'rename while up',
        send: message(RTM.SETLINK, REQ_ACK, 5, (b) => b.bytes(ifinfomsg({ index: 2 })).string(IFLA.IFNAME, 'wan1')),
      },
    ],
    state: ['links'],
  },
];
