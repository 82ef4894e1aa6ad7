/**
 * Link errors of the kernel's errno table (kernel-rtnl.md §2.6) not covered by the other groups:
 * IFLA_MAP / IFLA_PROTINFO on creation, namespace selectors GETLINK refuses, a `%d` pattern that
 * runs out of units.
 */
import { IFLA, NLM_F, RTM } from '@rtnlkit/core';
import { addIfbMessage, linkMessage } from '../harness/build';
import type { Scenario } from '../harness/types';

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;

const link = linkMessage;
const addIfb = addIfbMessage;

/** A 13-byte prefix: units 0–99 fit in IFNAMSIZ - 1 bytes, unit 100 does not. */
const LONG = 'abcdefghijklm';

export const scenarios: Scenario[] = [
  {
    name: 'newlink-map-protinfo',
    description:
      'ip link add with IFLA_MAP or IFLA_PROTINFO: EOPNOTSUPP without an extack (__rtnl_newlink), but only once no device matched and NLM_F_CREATE is set (without it: ENODEV).',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'] },
    steps: [
      { title: 'add ifb0 with IFLA_MAP', send: addIfb(1, 'ifb0', (b) => b.attr(IFLA.MAP, new Uint8Array(32))) },
      { title: 'add ifb0 with IFLA_PROTINFO', send: addIfb(2, 'ifb0', (b) => b.nest(IFLA.PROTINFO, () => {})) },
      {
        title: 'NEWLINK ifb0 with IFLA_MAP, no CREATE',
        send: link(RTM.NEWLINK, REQ_ACK, 3, {}, (b) =>
          b.string(IFLA.IFNAME, 'ifb0').attr(IFLA.MAP, new Uint8Array(32)),
        ),
      },
    ],
    state: ['links'],
  },
  {
    name: 'getlink-netns-selectors',
    description:
      'RTM_GETLINK names a namespace only by IFLA_TARGET_NETNSID: IFLA_NET_NS_PID or IFLA_NET_NS_FD is EOPNOTSUPP "specified netns attribute not supported" (rtnl_ensure_unique_netns).',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'] },
    steps: [
      {
        title: 'GETLINK lo with IFLA_NET_NS_PID',
        send: link(RTM.GETLINK, REQ_ACK, 1, { index: 1 }, (b) => b.u32(IFLA.NET_NS_PID, 1)),
      },
      {
        title: 'GETLINK lo with IFLA_NET_NS_FD',
        send: link(RTM.GETLINK, REQ_ACK, 2, { index: 1 }, (b) => b.u32(IFLA.NET_NS_FD, 0)),
      },
    ],
  },
  {
    name: 'dellink-group',
    description:
      'ip link del group N (IFLA_GROUP without a device): EPERM for group 0, ENODEV for an empty group, EOPNOTSUPP while lo is in it, otherwise every device of the group goes, without an echo of the request.',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'], groups: [1] },
    setup: [
      addIfb(100, 'ifb0', (b) => b.u32(IFLA.GROUP, 5)),
      addIfb(101, 'ifb1', (b) => b.u32(IFLA.GROUP, 5)),
      addIfb(102, 'ifb2', (b) => b.u32(IFLA.GROUP, 6)),
      link(RTM.SETLINK, REQ_ACK, 103, { index: 1 }, (b) => b.u32(IFLA.GROUP, 6)),
    ],
    steps: [
      { title: 'ip link del group 0', send: link(RTM.DELLINK, REQ_ACK, 1, {}, (b) => b.u32(IFLA.GROUP, 0)) },
      { title: 'ip link del group 7', send: link(RTM.DELLINK, REQ_ACK, 2, {}, (b) => b.u32(IFLA.GROUP, 7)) },
      { title: 'ip link del group 6 (lo in it)', send: link(RTM.DELLINK, REQ_ACK, 3, {}, (b) => b.u32(IFLA.GROUP, 6)) },
      {
        title: 'ip link del group 5',
        send: link(RTM.DELLINK, REQ_ACK | NLM_F.ECHO, 4, {}, (b) => b.u32(IFLA.GROUP, 5)),
      },
    ],
    state: ['links'],
  },
  {
    name: 'newlink-pattern-exhausted',
    description: `A ${LONG}%d pattern after units 0 to 99 are taken: unit 100 does not fit in 15 bytes, its truncated name is in use, so ENFILE (dev_alloc_name "ran out of possible slots").`,
    socket: { admin: true, options: ['NETLINK_EXT_ACK'] },
    setup: Array.from({ length: 100 }, (_, i) => addIfb(100 + i, `${LONG}%d`)),
    steps: [{ title: `add ${LONG}%d`, send: addIfb(1, `${LONG}%d`) }],
  },
];
