/**
 * When `netlink_rcv_skb` acknowledges: only messages with NLM_F_REQUEST and a type from
 * NLMSG_MIN_TYPE up reach rtnetlink; the others are skipped but still acknowledged when they ask;
 * an error is always answered, a success only with NLM_F_ACK. What the ACK carries: the request's
 * header always, its payload only for an error and only without NETLINK_CAP_ACK (NLM_F_CAPPED
 * otherwise), extack TLVs only with NETLINK_EXT_ACK and only when there is something to say.
 */
import { NLM_F, NLMSG, RTM } from '@rtnlkit/core';
import { ifinfomsg, message } from '../harness/build';
import type { Scenario } from '../harness/types';

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;

export const scenarios: Scenario[] = [
  {
    name: 'ack-without-request-flag',
    description:
      'A message without NLM_F_REQUEST is not handled, only acknowledged (ACK 0) if it asks: no EPERM for a NEWLINK from a non-admin socket, no EOPNOTSUPP for type 124.',
    socket: { admin: false },
    steps: [
      { title: 'RTM_NEWLINK, ACK only', send: message(RTM.NEWLINK, NLM_F.ACK, 1, ifinfomsg()) },
      { title: 'type 124, ACK only', send: message(124, NLM_F.ACK, 2, ifinfomsg()) },
      { title: 'RTM_DELLINK, no flags at all', send: message(RTM.DELLINK, 0, 3, ifinfomsg({ index: 1 })) },
    ],
  },
  {
    name: 'control-messages-acked',
    description:
      'Types below NLMSG_MIN_TYPE (NOOP, ERROR, DONE, OVERRUN, 15) are skipped and acknowledged with 0 when they ask, without one otherwise.',
    socket: { admin: true },
    steps: [
      { title: 'NLMSG_NOOP', send: message(NLMSG.NOOP, REQ_ACK, 1) },
      { title: 'NLMSG_ERROR', send: message(NLMSG.ERROR, REQ_ACK, 2, new Uint8Array(20)) },
      { title: 'NLMSG_DONE', send: message(NLMSG.DONE, REQ_ACK, 3, new Uint8Array(4)) },
      { title: 'NLMSG_OVERRUN', send: message(NLMSG.OVERRUN, REQ_ACK, 4) },
      { title: 'type 15', send: message(15, REQ_ACK, 5, ifinfomsg()) },
      { title: 'type 0', send: message(0, REQ_ACK, 6) },
      { title: 'NLMSG_NOOP without ACK', send: message(NLMSG.NOOP, NLM_F.REQUEST, 7) },
    ],
  },
  {
    name: 'no-ack-no-reply',
    description: 'Messages that succeed, or are skipped, without NLM_F_ACK get no answer at all.',
    socket: { admin: false },
    steps: [
      { title: 'NLMSG_NOOP, REQUEST only', send: message(NLMSG.NOOP, NLM_F.REQUEST, 1) },
      { title: 'RTM_NEWLINK without REQUEST or ACK', send: message(RTM.NEWLINK, 0, 2, ifinfomsg()) },
      { title: 'RTM_NEWLINK, bare header, REQUEST only', send: message(RTM.NEWLINK, NLM_F.REQUEST, 3) },
      { title: 'NLMSG_NOOP with ACK, to show the socket answers', send: message(NLMSG.NOOP, REQ_ACK, 4) },
    ],
  },
  {
    name: 'short-payload-ignored-admin',
    description:
      'A request whose payload is shorter than rtgenmsg (a bare 16-byte header) is accepted and ignored: ACK 0 for a GET, NEW or DEL of a registered or unregistered type.',
    socket: { admin: true },
    steps: [
      { title: 'RTM_GETLINK, bare header', send: message(RTM.GETLINK, REQ_ACK, 1) },
      { title: 'RTM_NEWLINK, bare header', send: message(RTM.NEWLINK, REQ_ACK, 2) },
      { title: 'RTM_GETROUTE dump, bare header', send: message(RTM.GETROUTE, REQ_ACK | NLM_F.DUMP, 3) },
      { title: 'type 23, bare header', send: message(23, REQ_ACK, 4) },
    ],
  },
  {
    name: 'short-payload-before-permission',
    description:
      'The length check comes before the permission check: a bare RTM_NEWLINK or RTM_DELROUTE header from a non-admin socket gets ACK 0, not EPERM; type 124 still gets EOPNOTSUPP.',
    socket: { admin: false },
    steps: [
      { title: 'RTM_NEWLINK, bare header', send: message(RTM.NEWLINK, REQ_ACK, 1) },
      { title: 'RTM_DELROUTE, bare header', send: message(RTM.DELROUTE, REQ_ACK, 2) },
      { title: 'type 124, bare header', send: message(124, REQ_ACK, 3) },
    ],
  },
  {
    name: 'error-echoes-whole-request',
    description: 'Without NETLINK_CAP_ACK an error echoes the whole request, attributes included, and no NLM_F_CAPPED.',
    socket: { admin: false },
    steps: [
      {
        title: 'RTM_NEWLINK with IFLA_IFNAME and IFLA_MTU',
        send: message(RTM.NEWLINK, REQ_ACK | NLM_F.CREATE, 1, (b) =>
          b.bytes(ifinfomsg()).string(3 /* IFLA_IFNAME */, 'ifb9').u32(4 /* IFLA_MTU */, 1400),
        ),
      },
      { title: 'type 124 with 40 bytes of payload', send: message(124, REQ_ACK, 2, new Uint8Array(40).fill(0xab)) },
    ],
  },
  {
    name: 'cap-ack-caps-error-echo',
    description:
      "With NETLINK_CAP_ACK an error echoes only the request header, with NLM_F_CAPPED; the echoed nlmsg_len stays the request's.",
    socket: { admin: false, options: ['NETLINK_CAP_ACK'] },
    steps: [
      {
        title: 'RTM_NEWLINK with IFLA_IFNAME',
        send: message(RTM.NEWLINK, REQ_ACK | NLM_F.CREATE, 1, (b) => b.bytes(ifinfomsg()).string(3, 'ifb9')),
      },
      { title: 'type 124', send: message(124, REQ_ACK, 2, ifinfomsg()) },
      { title: 'NLMSG_NOOP with ACK', send: message(NLMSG.NOOP, REQ_ACK, 3) },
    ],
  },
  {
    name: 'success-ack-always-capped',
    description:
      'An ACK for a success never echoes the payload, with or without NETLINK_CAP_ACK: NLM_F_CAPPED, header only.',
    socket: { admin: true },
    steps: [
      { title: 'NLMSG_NOOP with a payload', send: message(NLMSG.NOOP, REQ_ACK, 1, new Uint8Array(24).fill(7)) },
      { title: 'RTM_GETLINK bare header', send: message(RTM.GETLINK, REQ_ACK, 2) },
    ],
  },
  {
    name: 'ext-ack-without-message',
    description:
      "NETLINK_EXT_ACK adds TLVs only when there is something to say: the dispatcher's own EPERM and EOPNOTSUPP carry no message, so no NLM_F_ACK_TLVS.",
    socket: { admin: false, options: ['NETLINK_EXT_ACK', 'NETLINK_CAP_ACK', 'NETLINK_GET_STRICT_CHK'] },
    steps: [
      { title: 'RTM_NEWLINK (EPERM)', send: message(RTM.NEWLINK, REQ_ACK, 1, ifinfomsg()) },
      { title: 'type 124 (EOPNOTSUPP)', send: message(124, REQ_ACK, 2, ifinfomsg()) },
      { title: 'type 54 dump (EOPNOTSUPP)', send: message(54, NLM_F.REQUEST | NLM_F.DUMP, 3, ifinfomsg()) },
      { title: 'NLMSG_NOOP (ACK 0)', send: message(NLMSG.NOOP, REQ_ACK, 4) },
    ],
  },
  {
    name: 'echo-flag-on-errors',
    description:
      'NLM_F_ECHO changes nothing for a request that fails before its handler: one NLMSG_ERROR, the flag echoed.',
    socket: { admin: false },
    steps: [
      {
        title: 'RTM_NEWADDR with ECHO (EPERM)',
        send: message(RTM.NEWADDR, REQ_ACK | NLM_F.ECHO, 1, new Uint8Array(8)),
      },
      { title: 'type 124 with ECHO, no ACK', send: message(124, NLM_F.REQUEST | NLM_F.ECHO, 2, ifinfomsg()) },
    ],
  },
];
