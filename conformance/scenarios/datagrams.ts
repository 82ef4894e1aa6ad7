/**
 * How `netlink_rcv_skb` walks one datagram: every message in order, each answered on its own
 * (one datagram per answer); the walk stops silently at a header shorter than 16 bytes or one
 * whose length runs past the end of the datagram; a length that is not a multiple of 4 is
 * stepped over with its padding, and the echo keeps the request's own length.
 */
import { NLM_F, NLMSG, RTM } from '@rtnlkit/core';
import { ifinfomsg, message, truncated, withLength } from '../harness/build';
import type { Scenario } from '../harness/types';

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;
const noop = (seq: number) => message(NLMSG.NOOP, REQ_ACK, seq);

export const scenarios: Scenario[] = [
  {
    name: 'batch-answered-in-order',
    description:
      'Four messages in one datagram are answered in order, each in its own datagram; the one without ACK that succeeds stays silent.',
    socket: { admin: true },
    steps: [
      {
        title: 'NOOP, type 124, bare GETLINK without ACK, type 23',
        send: [
          noop(1),
          message(124, REQ_ACK, 2, ifinfomsg()),
          message(RTM.GETLINK, NLM_F.REQUEST, 3),
          message(23, REQ_ACK, 4, ifinfomsg()),
        ],
      },
    ],
  },
  {
    name: 'batch-mixed-permissions',
    description: 'In one datagram from a non-admin socket: an EPERM does not stop the messages after it.',
    socket: { admin: false },
    steps: [
      {
        title: 'RTM_NEWLINK, type 54, RTM_DELADDR, NOOP',
        send: [
          message(RTM.NEWLINK, REQ_ACK, 1, ifinfomsg()),
          message(54, REQ_ACK, 2, ifinfomsg()),
          message(RTM.DELADDR, NLM_F.REQUEST, 3, new Uint8Array(8)),
          noop(4),
        ],
      },
    ],
  },
  {
    name: 'batch-second-length-past-end',
    description: 'The second message claims 64 bytes but only 16 remain: only the first is answered.',
    socket: { admin: true },
    steps: [
      { title: 'NOOP, then a header with nlmsg_len 64', send: [noop(1), withLength(message(124, REQ_ACK, 2), 64)] },
    ],
  },
  {
    name: 'batch-first-length-past-end',
    description:
      'A first message whose length runs past the end stops the walk at once: nothing at all is answered, not even the well-formed NOOP after it.',
    socket: { admin: true },
    steps: [
      {
        title: 'nlmsg_len 200 in a 48-byte datagram',
        send: [withLength(message(124, REQ_ACK, 1, ifinfomsg()), 200), noop(2)],
      },
      { title: 'NOOP, to show the socket answers', send: noop(3) },
    ],
  },
  {
    name: 'header-shorter-than-nlmsghdr',
    description: 'nlmsg_len below 16, or fewer than 16 bytes left, ends the walk silently.',
    socket: { admin: true },
    steps: [
      { title: 'one message with nlmsg_len 8', send: withLength(message(124, REQ_ACK, 1), 8) },
      { title: 'NOOP, then nlmsg_len 0', send: [noop(2), withLength(message(124, REQ_ACK, 3), 0)] },
      { title: 'NOOP, then 12 stray bytes', send: [noop(4), truncated(message(124, REQ_ACK, 5), 12)] },
      { title: 'a 12-byte datagram', send: truncated(noop(6), 12) },
    ],
  },
  {
    name: 'unaligned-length',
    description:
      'nlmsg_len 17: the error echoes exactly 17 bytes of request (padded in the reply), and the walk steps over the padding to the next message.',
    socket: { admin: true },
    steps: [
      {
        title: 'type 124, nlmsg_len 17, alone (17-byte datagram)',
        send: truncated(withLength(message(124, REQ_ACK, 1, new Uint8Array([0x2a])), 17), 17),
      },
      {
        title: 'type 124, nlmsg_len 17, then a NOOP',
        send: [withLength(message(124, REQ_ACK, 2, new Uint8Array([0x2a])), 17), noop(3)],
      },
      {
        title: 'NOOP, nlmsg_len 18, then type 23',
        send: [
          withLength(message(NLMSG.NOOP, REQ_ACK, 4, new Uint8Array([1, 2])), 18),
          message(23, REQ_ACK, 5, ifinfomsg()),
        ],
      },
    ],
  },
];
