/**
 * Namespaces in link requests: moving a device with IFLA_NET_NS_FD (`ip link set dev X netns
 * NS`), creating one in another namespace, naming a namespace by its id (IFLA_TARGET_NETNSID, which
 * the first move allocates), and the errors of each. Every scenario has a second namespace open as
 * fd 3 (PEER_NS_FD); its devices are compared through GETLINK with IFLA_TARGET_NETNSID 0.
 */
import { IFF, IFLA, IFLA_INFO, NLM_F, type NlMsgBuilder, RTM, RTNLGRP } from '@rtnlkit/core';
import { addIfbMessage, ifinfomsg, linkMessage } from '../harness/build';
import { PEER_NS_FD, type Scenario } from '../harness/types';

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;
const ADD = REQ_ACK | NLM_F.CREATE | NLM_F.EXCL;
/** The id init's side gives the peer namespace on its first move there (`peernet2id_alloc`: 0). */
const PEER_ID = 0;

const link = linkMessage;
const addIfb = addIfbMessage;
const toPeer = (b: NlMsgBuilder) => b.u32(IFLA.NET_NS_FD, PEER_NS_FD);
const inPeer = (b: NlMsgBuilder) => b.s32(IFLA.TARGET_NETNSID, PEER_ID);
/** A link dump of the peer namespace (by its id). */
const dumpPeer = (seq: number) => link(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, seq, {}, inPeer);

const socket = { admin: true, options: ['NETLINK_EXT_ACK'] } as const;

/** `VETH_INFO_PEER`. */
const VETH_INFO_PEER = 1;
/** `ip link add NAME type veth peer name PEER [peer attributes]`: the peer as iproute2 writes it. */
const addVeth = (seq: number, name: string, peerName: string, peerAttrs: (b: NlMsgBuilder) => void = () => {}) =>
  link(RTM.NEWLINK, ADD, seq, {}, (b) => {
    b.string(IFLA.IFNAME, name);
    b.nest(IFLA.LINKINFO, (n) => {
      n.string(IFLA_INFO.KIND, 'veth');
      n.nest(IFLA_INFO.DATA, (d) => {
        d.beginNest(VETH_INFO_PEER, false).bytes(ifinfomsg());
        d.string(IFLA.IFNAME, peerName);
        peerAttrs(d);
        d.endNest();
      });
    });
  });

export const scenarios: Scenario[] = [
  {
    name: 'newlink-veth-peer-netns',
    description:
      "ip link add veth0 type veth peer name veth1 netns NS: veth1 is created there; veth0 reports IFLA_LINK_NETNSID (0, allocated by its announcement) and its peer's ifindex, and the peer, seen by IFLA_TARGET_NETNSID, names init_net by the id init_net gives itself.",
    socket: { ...socket, groups: [RTNLGRP.LINK] },
    peerNamespace: true,
    steps: [
      { title: 'ip link add veth0 type veth peer name veth1 netns 3', send: addVeth(1, 'veth0', 'veth1', toPeer) },
      { title: 'ip -target-nsid 0 link show', send: dumpPeer(2) },
      { title: 'ip link show veth0', send: link(RTM.GETLINK, REQ_ACK, 3, {}, (b) => b.string(IFLA.IFNAME, 'veth0')) },
    ],
    state: ['links'],
  },
  {
    name: 'veth-peer-netns-move-and-delete',
    description:
      'A veth pair in init_net, one end moved to NS: the other end now names it by id; deleting the moved end by IFLA_TARGET_NETNSID takes both.',
    socket,
    peerNamespace: true,
    setup: [addVeth(100, 'veth0', 'veth1')],
    steps: [
      {
        title: 'ip link set veth1 netns 3',
        send: link(RTM.SETLINK, REQ_ACK, 1, {}, (b) => b.string(IFLA.IFNAME, 'veth1').u32(IFLA.NET_NS_FD, PEER_NS_FD)),
      },
      { title: 'ip link show veth0', send: link(RTM.GETLINK, REQ_ACK, 2, {}, (b) => b.string(IFLA.IFNAME, 'veth0')) },
      { title: 'ip -target-nsid 0 link show', send: dumpPeer(3) },
      {
        title: 'ip -target-nsid 0 link del veth1',
        send: link(RTM.DELLINK, REQ_ACK, 4, {}, (b) =>
          b.string(IFLA.IFNAME, 'veth1').s32(IFLA.TARGET_NETNSID, PEER_ID),
        ),
      },
      { title: 'ip -target-nsid 0 link show', send: dumpPeer(5) },
    ],
    state: ['links'],
  },
  {
    name: 'setlink-netns-move',
    description:
      'ip link set ifb0 netns NS: the device leaves (same ifindex there), the namespace gets id 0, and a dump by IFLA_TARGET_NETNSID 0 shows it there, with the id in every message.',
    socket,
    peerNamespace: true,
    setup: [addIfb(100, 'ifb0')],
    steps: [
      { title: 'ip link set ifb0 netns 3', send: link(RTM.SETLINK, REQ_ACK, 1, { index: 2 }, toPeer) },
      {
        title: 'ip link show ifb0 (gone)',
        send: link(RTM.GETLINK, REQ_ACK, 2, {}, (b) => b.string(IFLA.IFNAME, 'ifb0')),
      },
      { title: 'ip -target-nsid 0 link show', send: dumpPeer(3) },
      {
        title: 'ip link show ifb0 by target nsid',
        send: link(RTM.GETLINK, REQ_ACK, 4, {}, (b) => b.string(IFLA.IFNAME, 'ifb0').s32(IFLA.TARGET_NETNSID, 0)),
      },
    ],
    state: ['links'],
  },
  {
    name: 'setlink-netns-move-notifications',
    description:
      "RTNLGRP_LINK in the old namespace while an ifb that is up moves away: the close's RTM_NEWLINK, then an RTM_DELLINK carrying IFLA_NEW_NETNSID and IFLA_NEW_IFINDEX.",
    socket: { ...socket, groups: [RTNLGRP.LINK] },
    peerNamespace: true,
    setup: [addIfb(100, 'ifb0'), link(RTM.SETLINK, REQ_ACK, 101, { index: 2, flags: IFF.UP, change: IFF.UP })],
    steps: [{ title: 'ip link set ifb0 netns 3', send: link(RTM.SETLINK, REQ_ACK, 1, { index: 2 }, toPeer) }],
    state: ['links'],
  },
  {
    name: 'setlink-netns-name-clash',
    description:
      "Moving ifb0 where an ifb0 exists: EEXIST with the kernel's extack; with IFLA_IFNAME ifb%d it moves as ifb1 and do_setlink's rename with the same pattern makes it ifb2.",
    socket,
    peerNamespace: true,
    setup: [addIfb(100, 'ifb0', toPeer), addIfb(101, 'ifb0')],
    steps: [
      { title: 'ip link set ifb0 netns 3', send: link(RTM.SETLINK, REQ_ACK, 1, { index: 2 }, toPeer) },
      {
        title: 'ip link set ifb0 netns 3 name ifb%d',
        send: link(RTM.SETLINK, REQ_ACK, 2, { index: 3 }, (b) =>
          b.string(IFLA.IFNAME, 'ifb%d').u32(IFLA.NET_NS_FD, PEER_NS_FD),
        ),
      },
      { title: 'ip -target-nsid 0 link show', send: dumpPeer(3) },
    ],
    state: ['links'],
  },
  {
    name: 'setlink-netns-errors',
    description:
      'What a move refuses before changing anything: lo (netns local), a closed descriptor (EBADF), two selectors, an unknown namespace id, an ifindex taken there; each leaves the device where it was.',
    socket,
    peerNamespace: true,
    setup: [addIfb(100, 'ifb0')],
    steps: [
      { title: 'ip link set lo netns 3', send: link(RTM.SETLINK, REQ_ACK, 1, { index: 1 }, toPeer) },
      {
        title: 'IFLA_NET_NS_FD 42',
        send: link(RTM.SETLINK, REQ_ACK, 2, { index: 2 }, (b) => b.u32(IFLA.NET_NS_FD, 42)),
      },
      {
        title: 'IFLA_NET_NS_FD and IFLA_TARGET_NETNSID',
        send: link(RTM.SETLINK, REQ_ACK, 3, { index: 2 }, (b) =>
          b.u32(IFLA.NET_NS_FD, PEER_NS_FD).s32(IFLA.TARGET_NETNSID, 0),
        ),
      },
      {
        title: 'IFLA_TARGET_NETNSID 7 (unknown)',
        send: link(RTM.SETLINK, REQ_ACK, 4, { index: 2 }, (b) => b.s32(IFLA.TARGET_NETNSID, 7)),
      },
      {
        title: 'IFLA_NEW_IFINDEX 1 (lo there)',
        send: link(RTM.SETLINK, REQ_ACK, 5, { index: 2 }, (b) =>
          b.u32(IFLA.NET_NS_FD, PEER_NS_FD).s32(IFLA.NEW_IFINDEX, 1),
        ),
      },
      {
        title: 'IFLA_NEW_IFINDEX 9',
        send: link(RTM.SETLINK, REQ_ACK, 6, { index: 2 }, (b) =>
          b.u32(IFLA.NET_NS_FD, PEER_NS_FD).s32(IFLA.NEW_IFINDEX, 9),
        ),
      },
      { title: 'ip -target-nsid 0 link show', send: dumpPeer(7) },
    ],
    state: ['links'],
  },
  {
    name: 'newlink-netns-fd',
    description:
      'ip link add ifb1 netns NS type ifb creates the device there (ifindex 2 of that namespace); a dump by an id nobody assigned yet is refused with "Invalid target network namespace id".',
    socket,
    peerNamespace: true,
    steps: [
      { title: 'ip -target-nsid 0 link show (no id yet)', send: dumpPeer(1) },
      { title: 'ip link add ifb1 netns 3 type ifb', send: addIfb(2, 'ifb1', toPeer) },
      { title: 'ip link add ifb2 type ifb', send: addIfb(3, 'ifb2') },
      { title: 'ip link set ifb2 netns 3', send: link(RTM.SETLINK, REQ_ACK, 4, { index: 2 }, toPeer) },
      { title: 'ip -target-nsid 0 link show', send: dumpPeer(5) },
    ],
    state: ['links'],
  },
  {
    name: 'dellink-target-netnsid',
    description:
      'ip -target-nsid 0 link del: deletes in the namespace the id names; by IFLA_NET_NS_FD it is EOPNOTSUPP "specified netns attribute not supported"; an IFLA_LINK_NETNSID nobody assigned is EINVAL "Unknown network namespace id".',
    socket,
    peerNamespace: true,
    setup: [addIfb(100, 'ifb0'), link(RTM.SETLINK, REQ_ACK, 101, { index: 2 }, toPeer)],
    steps: [
      {
        title: 'DELLINK ifb0 by IFLA_NET_NS_FD',
        send: link(RTM.DELLINK, REQ_ACK, 1, {}, (b) => b.string(IFLA.IFNAME, 'ifb0').u32(IFLA.NET_NS_FD, PEER_NS_FD)),
      },
      {
        title: 'ip -target-nsid 0 link del ifb0',
        send: link(RTM.DELLINK, REQ_ACK, 2, {}, (b) => b.string(IFLA.IFNAME, 'ifb0').s32(IFLA.TARGET_NETNSID, 0)),
      },
      { title: 'ip -target-nsid 0 link show', send: dumpPeer(3) },
      { title: 'NEWLINK with IFLA_LINK_NETNSID 5', send: addIfb(4, 'ifb9', (b) => b.s32(IFLA.LINK_NETNSID, 5)) },
    ],
    state: ['links'],
  },
];
