/**
 * Message types the dispatcher has no handler for: above RTM_MAX (refused before anything else,
 * whoever asks), and inside the range but never registered by Linux (refused at the handler
 * lookup, after the permission check).
 */
import { NLM_F, RTM } from '@rtnlkit/core';
import { ifinfomsg, message } from '../harness/build';
import type { Scenario } from '../harness/types';

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;

export const scenarios: Scenario[] = [
  {
    name: 'type-above-rtm-max',
    description: 'Types above RTM_MAX (123) get EOPNOTSUPP before the payload is even looked at.',
    socket: { admin: true },
    steps: [
      { title: 'type 124', send: message(124, REQ_ACK, 1, ifinfomsg()) },
      { title: 'type 200', send: message(200, REQ_ACK, 2, ifinfomsg()) },
      { title: 'type 0xffff', send: message(0xffff, REQ_ACK, 3, ifinfomsg()) },
      { title: 'type 124, bare header', send: message(124, REQ_ACK, 4) },
    ],
  },
  {
    name: 'type-above-rtm-max-unprivileged',
    description:
      'The RTM_MAX check comes before the permission check: a socket without CAP_NET_ADMIN gets EOPNOTSUPP, not EPERM, even for a "SET" type.',
    socket: { admin: false },
    steps: [
      { title: 'type 124 (NEW kind)', send: message(124, REQ_ACK, 1, ifinfomsg()) },
      { title: 'type 127 (SET kind)', send: message(127, REQ_ACK, 2, ifinfomsg()) },
    ],
  },
  {
    name: 'unregistered-set-types',
    description: 'Types 23, 27, 31 (SET kind, no handler in Linux) from an admin socket: EOPNOTSUPP from the lookup.',
    socket: { admin: true },
    steps: [
      { title: 'type 23', send: message(23, REQ_ACK, 1, ifinfomsg()) },
      { title: 'type 27', send: message(27, REQ_ACK, 2, ifinfomsg()) },
      { title: 'type 31', send: message(31, REQ_ACK, 3, ifinfomsg()) },
    ],
  },
  {
    name: 'unregistered-get-types',
    description:
      'GET-kind types Linux has no handler for, as doit and as dump, from a socket without privileges: EOPNOTSUPP.',
    socket: { admin: false },
    steps: [
      { title: 'type 54 doit', send: message(54, REQ_ACK, 1, ifinfomsg()) },
      { title: 'type 54 dump', send: message(54, REQ_ACK | NLM_F.DUMP, 2, ifinfomsg()) },
      { title: 'type 70 dump', send: message(70, NLM_F.REQUEST | NLM_F.DUMP, 3, ifinfomsg()) },
      { title: 'type 98 doit, no ACK asked', send: message(98, NLM_F.REQUEST, 4, ifinfomsg()) },
    ],
  },
  {
    name: 'unregistered-new-del-types',
    description:
      'NEW and DEL kinds that Linux only sends as notifications (RTM_NEWPREFIX 52, RTM_NEWNDUSEROPT 68) or never (53): EOPNOTSUPP for an admin.',
    socket: { admin: true },
    steps: [
      { title: 'type 52 (RTM_NEWPREFIX)', send: message(52, REQ_ACK, 1, ifinfomsg()) },
      { title: 'type 53', send: message(53, REQ_ACK | NLM_F.BULK, 2, ifinfomsg()) },
      { title: 'type 68 (RTM_NEWNDUSEROPT)', send: message(68, REQ_ACK, 3, ifinfomsg()) },
    ],
  },
  {
    name: 'rtm-max-itself',
    description:
      'Type 123 = RTM_MAX is inside the range (a SET kind without handler): EOPNOTSUPP for an admin, EPERM not reached.',
    socket: { admin: true },
    steps: [{ title: 'type 123', send: message(123, REQ_ACK, 1, ifinfomsg()) }],
  },
  {
    name: 'getmulticast-unspec',
    description: `RTM_GETMULTICAST (${RTM.GETMULTICAST}) is registered for IPv6 only: an AF_UNSPEC dump finds no handler.`,
    socket: { admin: false },
    steps: [{ title: 'AF_UNSPEC dump', send: message(RTM.GETMULTICAST, NLM_F.REQUEST | NLM_F.DUMP, 1, ifinfomsg()) }],
  },
];
