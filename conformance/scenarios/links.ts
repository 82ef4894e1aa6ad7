/**
 * Links (RTM_GETLINK): what a fresh namespace holds (lo alone, down, ifindex 1), looked up by
 * index and by name, the errors of a lookup that finds nothing, and how link dumps are answered
 * and checked. rtnlkit's side is the link subsystem of @rtnlkit/subsystems.
 */
import { IFLA, NLM_F, RTM } from '@rtnlkit/core';
import { linkTable } from '@rtnlkit/subsystems';
import { ifinfomsg, message } from '../harness/build';
import type { Scenario } from '../harness/types';

const REQ = NLM_F.REQUEST;
const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;
const DUMP = NLM_F.REQUEST | NLM_F.DUMP;
/** RTEXT_FILTER_VF, as `ip link show` asks. */
const RTEXT_FILTER_VF = 1;

const ipLinkShow = (seq: number) =>
  message(RTM.GETLINK, DUMP, seq, (b) => b.bytes(ifinfomsg()).u32(IFLA.EXT_MASK, RTEXT_FILTER_VF));

export const scenarios: Scenario[] = [
  {
    name: 'link-dump-loopback',
    description:
      'A link dump of a fresh namespace (`ip link show`): lo alone, ifindex 1, ARPHRD_LOOPBACK, down (IFF_LOOPBACK only, operstate DOWN), then NLMSG_DONE in a pass of its own (DUMP_SPLIT_NLM_DONE).',
    socket: { admin: false, options: ['NETLINK_EXT_ACK', 'NETLINK_GET_STRICT_CHK'] },
    steps: [
      { title: 'ip link show', send: ipLinkShow(1) },
      { title: 'plain ifinfomsg dump', send: message(RTM.GETLINK, DUMP, 2, ifinfomsg()) },
    ],
  },
  {
    name: 'link-dump-legacy-requests',
    description:
      'Without strict checking a link dump accepts an rtgenmsg-only request (iproute2 before 3.9) and ignores an index in the header.',
    socket: { admin: false },
    steps: [
      { title: 'rtgenmsg dump', send: message(RTM.GETLINK, DUMP, 1, new Uint8Array(1)) },
      { title: 'dump with ifi_index 1', send: message(RTM.GETLINK, DUMP, 2, ifinfomsg({ index: 1 })) },
    ],
  },
  {
    name: 'link-dump-strict-errors',
    description:
      'With NETLINK_GET_STRICT_CHK a link dump request with an index, header values or an unsupported attribute ends at once: NLMSG_DONE with EINVAL and the extack naming the problem.',
    socket: { admin: false, options: ['NETLINK_EXT_ACK', 'NETLINK_GET_STRICT_CHK'] },
    steps: [
      { title: 'dump with ifi_index 1', send: message(RTM.GETLINK, DUMP, 1, ifinfomsg({ index: 1 })) },
      { title: 'dump with ifi_flags', send: message(RTM.GETLINK, DUMP, 2, ifinfomsg({ flags: 1 })) },
      {
        title: 'dump with IFLA_MTU',
        send: message(RTM.GETLINK, DUMP, 3, (b) => b.bytes(ifinfomsg()).u32(IFLA.MTU, 1500)),
      },
    ],
  },
  {
    name: 'getlink-lo',
    description: 'RTM_GETLINK of lo by index and by name: one RTM_NEWLINK, then the ACK when asked for.',
    socket: { admin: false, options: ['NETLINK_EXT_ACK'] },
    steps: [
      { title: 'lo by index', send: message(RTM.GETLINK, REQ, 1, ifinfomsg({ index: 1 })) },
      {
        title: 'lo by name',
        send: message(RTM.GETLINK, REQ, 2, (b) => b.bytes(ifinfomsg()).string(IFLA.IFNAME, 'lo')),
      },
      { title: 'lo by index, with ACK', send: message(RTM.GETLINK, REQ_ACK, 3, ifinfomsg({ index: 1 })) },
    ],
  },
  {
    name: 'getlink-enodev',
    description:
      'RTM_GETLINK of an index or a name that does not exist: ENODEV; with neither an index nor a name: EINVAL.',
    socket: { admin: false, options: ['NETLINK_EXT_ACK'] },
    steps: [
      { title: 'unknown index', send: message(RTM.GETLINK, REQ_ACK, 1, ifinfomsg({ index: 99 })) },
      {
        title: 'unknown name',
        send: message(RTM.GETLINK, REQ_ACK, 2, (b) => b.bytes(ifinfomsg()).string(IFLA.IFNAME, 'nosuchdev')),
      },
      { title: 'neither index nor name', send: message(RTM.GETLINK, REQ_ACK, 3, ifinfomsg()) },
    ],
  },
  {
    name: 'getlink-strict-errors',
    description:
      'With NETLINK_GET_STRICT_CHK, RTM_GETLINK rejects header values and attributes other than IFNAME, ALT_IFNAME, EXT_MASK and TARGET_NETNSID: EINVAL with an extack.',
    socket: { admin: false, options: ['NETLINK_EXT_ACK', 'NETLINK_GET_STRICT_CHK'] },
    steps: [
      { title: 'ifi_flags set', send: message(RTM.GETLINK, REQ_ACK, 1, ifinfomsg({ index: 1, flags: 1 })) },
      {
        title: 'IFLA_MTU',
        send: message(RTM.GETLINK, REQ_ACK, 2, (b) => b.bytes(ifinfomsg({ index: 1 })).u32(IFLA.MTU, 1500)),
      },
      { title: 'short header', send: message(RTM.GETLINK, REQ_ACK, 3, new Uint8Array(4)) },
    ],
  },
  {
    name: 'link-alias',
    description: 'A device with an alias reports IFLA_IFALIAS, after IFLA_CARRIER.',
    socket: { admin: false },
    ipSetup: ['link set lo alias loopback-alias'],
    rtnlkitSetup: (world) => {
      const lo = linkTable(world.rtnl.initNet).getByName('lo');
      if (lo) lo.alias = 'loopback-alias';
    },
    steps: [{ title: 'lo by index', send: message(RTM.GETLINK, REQ, 1, ifinfomsg({ index: 1 })) }],
  },
  {
    name: 'link-dump-busy',
    description:
      'Two link dumps in one datagram: the first sends lo and keeps its NLMSG_DONE for the next pass (DUMP_SPLIT_NLM_DONE), so the second finds a dump running and gets EBUSY, before the first dump ends.',
    socket: { admin: false },
    steps: [
      {
        title: 'two ip link show in one datagram',
        send: [message(RTM.GETLINK, DUMP, 1, ifinfomsg()), message(RTM.GETLINK, DUMP | NLM_F.ACK, 2, ifinfomsg())],
      },
    ],
  },
];
