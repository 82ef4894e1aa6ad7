/**
 * NEW, DEL and SET requests need CAP_NET_ADMIN in the socket's namespace. Linux checks it in
 * `rtnetlink_rcv_msg` before it looks for a handler, so a socket without the capability gets
 * EPERM for every modifying type, registered or not, and GET stays open to everyone. The
 * requests here are real ones (what `ip link add`, `ip addr add`, `ip route add` send): none gets
 * as far as its handler.
 */
import { AF, IFF, IFLA, IFLA_INFO, NLM_F, RTA, RTM, RTN } from '@rtnlkit/core';
import { ifaddrmsg, ifinfomsg, message, rtmsg } from '../harness/build';
import type { Scenario } from '../harness/types';

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;
const CREATE = REQ_ACK | NLM_F.CREATE | NLM_F.EXCL;
const LO = 1;
const RT_TABLE_MAIN = 254;

/** `ip link add veth0 type veth peer name veth1` */
const newVeth = (seq: number) =>
  message(RTM.NEWLINK, CREATE, seq, (b) =>
    b
      .bytes(ifinfomsg())
      .string(IFLA.IFNAME, 'veth0')
      .nest(IFLA.LINKINFO, (info) =>
        info.string(IFLA_INFO.KIND, 'veth').nest(IFLA_INFO.DATA, (data) =>
          // VETH_INFO_PEER: an ifinfomsg and the peer's attributes
          data.nest(1, (peer) => peer.bytes(ifinfomsg()).string(IFLA.IFNAME, 'veth1')),
        ),
      ),
  );

/** `ip link set lo up` */
const setLoUp = (type: number, flags: number, seq: number) =>
  message(type, flags, seq, ifinfomsg({ index: LO, flags: IFF.UP, change: IFF.UP }));

/** `ip addr add|del 127.0.0.2/8 dev lo` */
const address = (type: number, flags: number, seq: number) =>
  message(type, flags, seq, (b) =>
    b
      .bytes(ifaddrmsg({ family: AF.INET, prefixlen: 8, index: LO }))
      .ipv4(2 /* IFA_LOCAL */, '127.0.0.2')
      .ipv4(1 /* IFA_ADDRESS */, '127.0.0.2'),
  );

/** `ip route add|del 198.51.100.0/24 dev lo` */
const route = (type: number, flags: number, seq: number) =>
  message(type, flags, seq, (b) =>
    b
      .bytes(rtmsg({ family: AF.INET, dstLen: 24, table: RT_TABLE_MAIN, protocol: 3, scope: 253, type: RTN.UNICAST }))
      .ipv4(RTA.DST, '198.51.100.0')
      .u32(RTA.OIF, LO),
  );

export const scenarios: Scenario[] = [
  {
    name: 'eperm-link-requests',
    description: 'RTM_NEWLINK, RTM_DELLINK and RTM_SETLINK without CAP_NET_ADMIN: EPERM, the request echoed whole.',
    socket: { admin: false },
    steps: [
      { title: 'RTM_NEWLINK veth0/veth1', send: newVeth(1) },
      { title: 'RTM_DELLINK lo', send: message(RTM.DELLINK, REQ_ACK, 2, ifinfomsg({ index: LO })) },
      { title: 'RTM_SETLINK lo up', send: setLoUp(RTM.SETLINK, REQ_ACK, 3) },
      { title: 'RTM_NEWLINK lo up (no ACK asked)', send: setLoUp(RTM.NEWLINK, NLM_F.REQUEST, 4) },
    ],
  },
  {
    name: 'eperm-address-requests',
    description: 'RTM_NEWADDR and RTM_DELADDR without CAP_NET_ADMIN: EPERM.',
    socket: { admin: false },
    steps: [
      { title: 'RTM_NEWADDR 127.0.0.2/8 lo', send: address(RTM.NEWADDR, CREATE, 1) },
      { title: 'RTM_DELADDR 127.0.0.2/8 lo', send: address(RTM.DELADDR, REQ_ACK, 2) },
    ],
  },
  {
    name: 'eperm-route-requests',
    description: 'RTM_NEWROUTE and RTM_DELROUTE without CAP_NET_ADMIN: EPERM.',
    socket: { admin: false },
    steps: [
      { title: 'RTM_NEWROUTE 198.51.100.0/24 dev lo', send: route(RTM.NEWROUTE, CREATE, 1) },
      { title: 'RTM_DELROUTE 198.51.100.0/24 dev lo', send: route(RTM.DELROUTE, REQ_ACK, 2) },
    ],
  },
  {
    name: 'eperm-before-handler-lookup',
    description:
      'The permission check comes before the handler lookup: unregistered SET, NEW and DEL types get EPERM, not EOPNOTSUPP, without CAP_NET_ADMIN; GET types get EOPNOTSUPP.',
    socket: { admin: false },
    steps: [
      { title: 'type 23 (SET kind)', send: message(23, REQ_ACK, 1, ifinfomsg()) },
      { title: 'type 123 = RTM_MAX (SET kind)', send: message(123, REQ_ACK, 2, ifinfomsg()) },
      { title: 'type 52 (NEW kind)', send: message(52, REQ_ACK, 3, ifinfomsg()) },
      { title: 'type 53 (DEL kind) with NLM_F_BULK', send: message(53, REQ_ACK | NLM_F.BULK, 4, ifinfomsg()) },
      { title: 'type 54 (GET kind)', send: message(54, REQ_ACK, 5, ifinfomsg()) },
    ],
  },
  {
    name: 'eperm-ignores-family',
    description: 'EPERM does not depend on the family byte: AF_INET, AF_BRIDGE and an out-of-range family all get it.',
    socket: { admin: false },
    steps: [
      { title: 'RTM_NEWLINK AF_INET', send: message(RTM.NEWLINK, REQ_ACK, 1, ifinfomsg({ family: AF.INET })) },
      { title: 'RTM_SETLINK AF_BRIDGE', send: message(RTM.SETLINK, REQ_ACK, 2, ifinfomsg({ family: AF.BRIDGE })) },
      { title: 'RTM_DELROUTE family 200', send: message(RTM.DELROUTE, REQ_ACK, 3, rtmsg({ family: 200 })) },
    ],
  },
];
