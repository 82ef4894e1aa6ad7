/**
 * Link kinds with more than a device: veth pairs (VETH_INFO_PEER, carriers, deleting one end),
 * bridge ports (IFLA_MASTER in RTM_SETLINK and RTM_NEWLINK, what a port changes on the bridge),
 * macvlan on a veth (IFLA_LINK, mode, mtu, the lower's state and deletion), link dumps filtered
 * by master and kind, and dummy, which this kernel does not have. Each ends with a dump of every
 * link.
 *
 * Linux applies carrier changes to the operstate in its link watch, from a kernel worker, soon
 * or up to a second after the request, and rtnetlink has no way to wait for it: the operstate
 * (and IFF_RUNNING) of a device that is up after a carrier change is timing. So scenarios end
 * with such devices down (reported DOWN whatever the link watch did), and compare carriers and
 * their change counts, which Linux updates at once; the unit tests check the settled operstates.
 */
import { IFF, IFLA, IFLA_INFO, NLM_F, type NlMsgBuilder, RTM, RTNLGRP } from '@rtnlkit/core';
import { ifinfomsg, message } from '../harness/build';
import type { Scenario } from '../harness/types';

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;
/** What `ip link add` sends. */
const ADD = REQ_ACK | NLM_F.CREATE | NLM_F.EXCL;
const SOCKET = { admin: true, options: ['NETLINK_EXT_ACK'] } as const;
/** `VETH_INFO_PEER`. */
const VETH_INFO_PEER = 1;
/** `IFLA_MACVLAN_MODE` and the modes. */
const IFLA_MACVLAN_MODE = 1;
const MACVLAN_MODE_VEPA = 2;
const MACVLAN_MODE_BRIDGE = 4;

type Attrs = (b: NlMsgBuilder) => void;
type Fields = Parameters<typeof ifinfomsg>[0];

/** IFLA_LINKINFO with a kind and, optionally, IFLA_INFO_DATA. */
const linkinfo =
  (kindName: string, data?: Attrs): Attrs =>
  (b) =>
    b.nest(IFLA.LINKINFO, (n) => {
      n.string(IFLA_INFO.KIND, kindName);
      if (data) n.nest(IFLA_INFO.DATA, data);
    });

/** VETH_INFO_PEER: an ifinfomsg, then the peer's attributes (as iproute2 writes it: no NLA_F_NESTED). */
const peer =
  (fields: Fields, attrs?: Attrs): Attrs =>
  (d) => {
    d.beginNest(VETH_INFO_PEER, false).bytes(ifinfomsg(fields));
    attrs?.(d);
    d.endNest();
  };
const peerNamed = (name: string, attrs?: Attrs) =>
  peer({}, (p) => {
    attrs?.(p);
    p.string(IFLA.IFNAME, name);
  });

const newlink = (seq: number, flags: number, fields: Fields, attrs: Attrs) =>
  message(RTM.NEWLINK, flags, seq, (b) => {
    b.bytes(ifinfomsg(fields));
    attrs(b);
  });

/** `ip link add NAME [extra] type KIND [data]`. */
const add = (seq: number, name: string, kindName: string, extra?: Attrs, data?: Attrs, fields: Fields = {}) =>
  newlink(seq, ADD, fields, (b) => {
    b.string(IFLA.IFNAME, name);
    extra?.(b);
    linkinfo(kindName, data)(b);
  });

/** `ip link add NAME type veth peer name PEER`. */
const veth = (seq: number, name: string, peerName: string, extra?: Attrs) =>
  add(seq, name, 'veth', extra, peerNamed(peerName));

/** A fixed, valid unicast address (bridge ports need deterministic addresses to compare). */
const mac =
  (last: number): Attrs =>
  (b) =>
    b.attr(IFLA.ADDRESS, new Uint8Array([0x02, 0, 0, 0, 0, last]));
/** `ip link add NAME address 02:00:00:00:00:A type veth peer name PEER address 02:00:00:00:00:B`. */
const vethWithMacs = (seq: number, name: string, a: number, peerName: string, b: number) =>
  add(seq, name, 'veth', mac(a), peerNamed(peerName, mac(b)));

/** `ip link set NAME [fields] [attrs]` (by name). */
const set = (seq: number, name: string, fields: Fields = {}, attrs?: Attrs) =>
  message(RTM.SETLINK, REQ_ACK, seq, (b) => {
    b.bytes(ifinfomsg(fields));
    b.string(IFLA.IFNAME, name);
    attrs?.(b);
  });
const up = (seq: number, name: string) => set(seq, name, { flags: IFF.UP, change: IFF.UP });
const down = (seq: number, name: string) => set(seq, name, { flags: 0, change: IFF.UP });
const master = (seq: number, name: string, ifindex: number) => set(seq, name, {}, (b) => b.u32(IFLA.MASTER, ifindex));
const del = (seq: number, name: string) =>
  message(RTM.DELLINK, REQ_ACK, seq, (b) => b.bytes(ifinfomsg()).string(IFLA.IFNAME, name));
/** `ip link add NAME link LOWER type macvlan [mode MODE]`. */
const macvlan = (seq: number, name: string, lower: number, mode?: number, extra?: Attrs) =>
  add(
    seq,
    name,
    'macvlan',
    (b) => {
      b.u32(IFLA.LINK, lower);
      extra?.(b);
    },
    mode === undefined ? undefined : (d) => d.u32(IFLA_MACVLAN_MODE, mode),
  );
const dump = (seq: number, attrs: Attrs) =>
  message(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, seq, (b) => {
    b.bytes(ifinfomsg());
    attrs(b);
  });

export const scenarios: Scenario[] = [
  {
    name: 'veth-pair',
    description:
      'ip link add veth0 type veth peer name veth1: the peer is registered first (ifindex 2), both down with their carrier off (one carrier change each), IFLA_LINK naming each other, one queue per possible CPU each way.',
    socket: SOCKET,
    steps: [{ title: 'ip link add veth0 type veth peer name veth1', send: veth(1, 'veth0', 'veth1') }],
    state: ['links'],
  },
  {
    name: 'veth-pair-names',
    description:
      'Without VETH_INFO_PEER the peer is named veth%d (whatever IFLA_IFNAME says) and takes its attributes from the request; without names both are veth%d; a peer ifinfomsg without a name is veth%d too; queue counts and mtu from the peer attributes.',
    socket: SOCKET,
    steps: [
      { title: 'ip link add a0 mtu 1400 type veth', send: add(1, 'a0', 'veth', (b) => b.u32(IFLA.MTU, 1400)) },
      { title: 'NEWLINK type veth, no name', send: newlink(2, ADD, {}, linkinfo('veth')) },
      {
        title: 'ip link add b0 type veth peer mtu 9000 numtxqueues 3 numrxqueues 5',
        send: add(
          3,
          'b0',
          'veth',
          undefined,
          peer({}, (p) => p.u32(IFLA.MTU, 9000).u32(IFLA.NUM_TX_QUEUES, 3).u32(IFLA.NUM_RX_QUEUES, 5)),
        ),
      },
    ],
    state: ['links'],
  },
  {
    name: 'veth-peer-ifindex',
    description:
      "The peer's ifi_index is used only when the request gives the device's own index too (veth_newlink: dev->ifindex != 0); an index in use is EBUSY and leaves nothing behind.",
    socket: SOCKET,
    steps: [
      {
        title: 'ip link add veth0 index 10 type veth peer name veth1 index 20',
        send: add(
          1,
          'veth0',
          'veth',
          undefined,
          peer({ index: 20 }, (p) => p.string(IFLA.IFNAME, 'veth1')),
          {
            index: 10,
          },
        ),
      },
      {
        title: 'ip link add veth2 type veth peer name veth3 index 30: peer index ignored',
        send: add(
          2,
          'veth2',
          'veth',
          undefined,
          peer({ index: 30 }, (p) => p.string(IFLA.IFNAME, 'veth3')),
        ),
      },
      {
        title: 'peer index 10 in use: EBUSY',
        send: add(
          3,
          'veth4',
          'veth',
          undefined,
          peer({ index: 10 }, (p) => p.string(IFLA.IFNAME, 'veth5')),
          {
            index: 40,
          },
        ),
      },
      {
        title: 'device index 20 in use: EBUSY, the peer goes again',
        send: add(
          4,
          'veth6',
          'veth',
          undefined,
          peer({ index: 41 }, (p) => p.string(IFLA.IFNAME, 'veth7')),
          {
            index: 20,
          },
        ),
      },
    ],
    state: ['links'],
  },
  {
    name: 'veth-carrier',
    description:
      "veth_open turns both carriers on only when the peer is up too, veth_close turns both off: one end up and down again (no carrier change), then both up (one change up each) and both down (one more down each, after the one of creation). The devices end down: the operstate of a running one settles in Linux's asynchronous link watch (unit tests check it).",
    socket: SOCKET,
    setup: [veth(0xf0001, 'veth0', 'veth1')],
    steps: [
      { title: 'ip link set veth0 up: no carrier', send: up(1, 'veth0') },
      { title: 'ip link set veth0 down', send: down(2, 'veth0') },
      { title: 'ip link set veth1 up: no carrier', send: up(3, 'veth1') },
      { title: 'ip link set veth0 up: both carriers on', send: up(4, 'veth0') },
      { title: 'ip link set veth1 down: both off', send: down(5, 'veth1') },
      { title: 'ip link set veth0 down', send: down(6, 'veth0') },
    ],
    state: ['links'],
  },
  {
    name: 'veth-delete-one-end',
    description:
      'Deleting either end of a veth pair deletes both (veth_dellink), by name or by the index of the peer; the other pair stays.',
    socket: SOCKET,
    setup: [veth(0xf0001, 'veth0', 'veth1'), veth(0xf0002, 'veth2', 'veth3'), veth(0xf0003, 'veth4', 'veth5')],
    steps: [
      { title: 'ip link del veth0', send: del(1, 'veth0') },
      {
        title: 'ip link del dev index 4 (veth3, the peer of veth2)',
        send: message(RTM.DELLINK, REQ_ACK, 2, ifinfomsg({ index: 4 })),
      },
      { title: 'ip link del veth1: gone with veth0', send: del(3, 'veth1') },
    ],
    state: ['links'],
  },
  {
    name: 'veth-errors',
    description:
      'veth errors: a peer named like the device (EEXIST after the peer was registered, then removed), a negative peer index ("ifindex can\'t be negative" on the attribute), a peer mtu out of range, a peer asked to come up before it has its own peer (ENOTCONN), a VETH_INFO_PEER shorter than an ifinfomsg, a bad mtu for the device.',
    socket: SOCKET,
    steps: [
      { title: 'ip link add a type veth peer name a', send: veth(1, 'a', 'a') },
      {
        title: 'peer ifi_index -1',
        send: add(
          2,
          'b',
          'veth',
          undefined,
          peer({ index: -1 }, (p) => p.string(IFLA.IFNAME, 'c')),
        ),
      },
      {
        title: 'peer mtu 67',
        send: add(
          3,
          'b',
          'veth',
          undefined,
          peerNamed('c', (p) => p.u32(IFLA.MTU, 67)),
        ),
      },
      {
        title: 'peer up',
        send: add(
          4,
          'b',
          'veth',
          undefined,
          peer({ flags: IFF.UP, change: IFF.UP }, (p) => p.string(IFLA.IFNAME, 'c')),
        ),
      },
      {
        title: 'VETH_INFO_PEER of 4 bytes',
        send: add(5, 'b', 'veth', undefined, (d) => d.attr(VETH_INFO_PEER, new Uint8Array(4))),
      },
      { title: 'mtu 65536', send: veth(6, 'b', 'c', (b) => b.u32(IFLA.MTU, 65536)) },
    ],
    state: ['links'],
  },
  {
    name: 'bridge-ports',
    description:
      "ip link set veth0 master br0, then veth1: each port gets promiscuity and allmulti, IFLA_MASTER and the bridge's slave kind; the bridge takes the smallest port address and the smallest port mtu.",
    socket: SOCKET,
    setup: [
      add(0xf0001, 'br0', 'bridge'),
      vethWithMacs(0xf0002, 'veth0', 0x22, 'veth1', 0x11),
      set(0xf0003, 'veth0', {}, (b) => b.u32(IFLA.MTU, 1400)),
    ],
    steps: [
      { title: 'ip link set veth0 master br0', send: master(1, 'veth0', 2) },
      { title: 'ip link set veth1 master br0', send: master(2, 'veth1', 2) },
      { title: 'again: nothing to do', send: master(3, 'veth1', 2) },
    ],
    state: ['links'],
  },
  {
    name: 'bridge-nomaster',
    description:
      'ip link set veth0 nomaster (IFLA_MASTER 0): the port gives back promiscuity and allmulti; the bridge goes back to mtu 1500 and, without ports, to a zero address and no carrier; releasing a device without a master does nothing.',
    socket: SOCKET,
    setup: [
      add(0xf0001, 'br0', 'bridge'),
      vethWithMacs(0xf0002, 'veth0', 0x22, 'veth1', 0x11),
      set(0xf0003, 'veth0', {}, (b) => b.u32(IFLA.MTU, 1400)),
      master(0xf0004, 'veth0', 2),
    ],
    steps: [
      { title: 'ip link set veth0 nomaster', send: master(1, 'veth0', 0) },
      { title: 'ip link set veth1 nomaster', send: master(2, 'veth1', 0) },
    ],
    state: ['links'],
  },
  {
    name: 'bridge-delete-port',
    description: 'Deleting a port (a veth end, so both ends go) releases it from the bridge.',
    socket: SOCKET,
    setup: [
      add(0xf0001, 'br0', 'bridge'),
      vethWithMacs(0xf0002, 'veth0', 0x22, 'veth1', 0x11),
      vethWithMacs(0xf0003, 'veth2', 0x44, 'veth3', 0x33),
      master(0xf0004, 'veth0', 2),
      master(0xf0005, 'veth2', 2),
    ],
    steps: [{ title: 'ip link del veth1', send: del(1, 'veth1') }],
    state: ['links'],
  },
  {
    name: 'bridge-delete-with-ports',
    description: 'Deleting a bridge releases its ports first (br_dev_delete): they stay, without master.',
    socket: SOCKET,
    setup: [
      add(0xf0001, 'br0', 'bridge'),
      vethWithMacs(0xf0002, 'veth0', 0x22, 'veth1', 0x11),
      master(0xf0003, 'veth0', 2),
      master(0xf0004, 'veth1', 2),
    ],
    steps: [{ title: 'ip link del br0', send: del(1, 'br0') }],
    state: ['links'],
  },
  {
    name: 'bridge-master-errors',
    description:
      'IFLA_MASTER errors: no such device (EINVAL), a master that is not a bridge (EOPNOTSUPP), a bridge into a bridge or itself (ELOOP, "Can not enslave a bridge to a bridge"), lo (EINVAL), a macvlan lower (EBUSY: it has an rx handler).',
    socket: SOCKET,
    setup: [
      add(0xf0001, 'br0', 'bridge'),
      add(0xf0002, 'ifb0', 'ifb'),
      veth(0xf0003, 'veth0', 'veth1'),
      add(0xf0004, 'br1', 'bridge'),
      macvlan(0xf0005, 'mv0', 4),
    ],
    steps: [
      { title: 'master 99', send: master(1, 'veth0', 99) },
      { title: 'master ifb0', send: master(2, 'veth0', 3) },
      { title: 'br0 master br0', send: master(3, 'br0', 2) },
      { title: 'br1 master br0', send: master(4, 'br1', 2) },
      { title: 'lo master br0', send: master(5, 'lo', 2) },
      { title: 'veth1 (a macvlan lower) master br0', send: master(6, 'veth1', 2) },
      { title: 'mv0 master br0: fine', send: master(7, 'mv0', 2) },
    ],
    state: ['links'],
  },
  {
    name: 'bridge-port-carrier',
    description:
      "A port whose veth pair is up joins a bridge that is down: the bridge's new address reruns the port state selection, and with no forwarding port it loses its carrier (one carrier change). The veth pair ends down (a running device's operstate settles in Linux's asynchronous link watch), and a bridge that is up is not compared for the same reason.",
    socket: SOCKET,
    setup: [
      add(0xf0001, 'br0', 'bridge'),
      vethWithMacs(0xf0002, 'veth0', 0x22, 'veth1', 0x11),
      up(0xf0003, 'veth0'),
      up(0xf0004, 'veth1'),
    ],
    steps: [
      { title: 'ip link set veth0 master br0', send: master(1, 'veth0', 2) },
      { title: 'ip link set veth1 down', send: down(2, 'veth1') },
      { title: 'ip link set veth0 down', send: down(3, 'veth0') },
    ],
    state: ['links'],
  },
  {
    name: 'newlink-master',
    description:
      'ip link add veth0 master br0 type veth peer name veth1: IFLA_MASTER in RTM_NEWLINK enslaves the new device after configuring it; a bad master removes the new pair again.',
    socket: SOCKET,
    setup: [add(0xf0001, 'br0', 'bridge')],
    steps: [
      {
        title: 'ip link add veth0 address 02:00:00:00:00:05 master br0 type veth peer name veth1',
        send: veth(1, 'veth0', 'veth1', (b) => {
          mac(5)(b);
          b.u32(IFLA.MASTER, 2);
        }),
      },
      {
        title: 'ip link add veth2 master 99 type veth peer name veth3: EINVAL',
        send: veth(2, 'veth2', 'veth3', (b) => b.u32(IFLA.MASTER, 99)),
      },
    ],
    state: ['links'],
  },
  {
    name: 'macvlan-on-veth',
    description:
      "ip link add mv0 link veth0 type macvlan mode bridge, and mv1 (vepa, mtu 1400): IFLA_LINK is the lower, mtu and its range from the lower, txqlen 0; an mtu above the lower's is EINVAL, at creation and later.",
    socket: SOCKET,
    setup: [veth(0xf0001, 'veth0', 'veth1'), set(0xf0002, 'veth0', {}, (b) => b.u32(IFLA.MTU, 9000))],
    steps: [
      { title: 'ip link add mv0 link veth0 type macvlan mode bridge', send: macvlan(1, 'mv0', 3, MACVLAN_MODE_BRIDGE) },
      {
        title: 'ip link add mv1 mtu 1400 link veth0 type macvlan mode vepa',
        send: macvlan(2, 'mv1', 3, MACVLAN_MODE_VEPA, (b) => b.u32(IFLA.MTU, 1400)),
      },
      { title: 'mtu 9001: EINVAL', send: macvlan(3, 'mv2', 3, undefined, (b) => b.u32(IFLA.MTU, 9001)) },
      { title: 'ip link set mv1 mtu 9001: EINVAL', send: set(4, 'mv1', {}, (b) => b.u32(IFLA.MTU, 9001)) },
      {
        title: 'ip link set veth0 mtu 1300: mv0 follows, mv1 too',
        send: set(5, 'veth0', {}, (b) => b.u32(IFLA.MTU, 1300)),
      },
      { title: 'macvlan on macvlan: on its lower', send: macvlan(6, 'mv3', 4) },
    ],
    state: ['links'],
  },
  {
    name: 'macvlan-lower-state',
    description:
      "A macvlan on a veth whose carrier is off takes that carrier when it registers (macvlan_init(): no carrier change counted) and its operstate at once (linkwatch_init_dev(): LOWERLAYERDOWN, shown once it is up). (How it follows its lower's later changes goes through Linux's asynchronous link watch and is checked by unit tests.)",
    socket: SOCKET,
    setup: [veth(0xf0001, 'veth0', 'veth1')],
    steps: [
      { title: 'ip link add mv0 link veth0 type macvlan', send: macvlan(1, 'mv0', 3) },
      { title: 'ip link set mv0 up', send: up(2, 'mv0') },
    ],
    state: ['links'],
  },
  {
    name: 'macvlan-delete-lower',
    description: 'Deleting the lower device (a veth end: both go) deletes its macvlans (macvlan_device_event).',
    socket: SOCKET,
    setup: [
      veth(0xf0001, 'veth0', 'veth1'),
      macvlan(0xf0002, 'mv0', 3),
      macvlan(0xf0003, 'mv1', 2),
      up(0xf0004, 'mv0'),
    ],
    steps: [{ title: 'ip link del veth1', send: del(1, 'veth1') }],
    state: ['links'],
  },
  {
    name: 'macvlan-errors',
    description:
      'macvlan errors: no IFLA_LINK (EINVAL), a lower that does not exist (ENODEV), an unknown mode (EINVAL), lo as the lower (EINVAL), a bridge port as the lower (EBUSY).',
    socket: SOCKET,
    setup: [add(0xf0001, 'br0', 'bridge'), veth(0xf0002, 'veth0', 'veth1'), master(0xf0003, 'veth0', 2)],
    steps: [
      { title: 'no link', send: add(1, 'mv0', 'macvlan') },
      { title: 'link 99', send: macvlan(2, 'mv0', 99) },
      { title: 'mode 3', send: macvlan(3, 'mv0', 3, 3) },
      { title: 'link lo', send: macvlan(4, 'mv0', 1) },
      { title: 'link veth0, a bridge port', send: macvlan(5, 'mv0', 4) },
    ],
    state: ['links'],
  },
  {
    name: 'link-dump-master-kind-filter',
    description:
      'ip link show master br0 / type veth / type macvlan: dumps filtered by IFLA_MASTER and by kind, flagged NLM_F_DUMP_FILTERED.',
    socket: { admin: false },
    setup: [
      add(0xf0001, 'br0', 'bridge'),
      vethWithMacs(0xf0002, 'veth0', 0x22, 'veth1', 0x11),
      master(0xf0003, 'veth0', 2),
      macvlan(0xf0004, 'mv0', 3),
    ],
    steps: [
      { title: 'master br0', send: dump(1, (b) => b.u32(IFLA.MASTER, 2)) },
      { title: 'type veth', send: dump(2, linkinfo('veth')) },
      { title: 'type macvlan', send: dump(3, linkinfo('macvlan')) },
    ],
  },
  {
    name: 'veth-notifications',
    description:
      "RTNLGRP_LINK while a veth pair is created and deleted: the peer's RTM_NEWLINK (no requester), then the device's (the request's sequence number); on deletion an RTM_DELLINK for each end.",
    socket: { admin: true, options: ['NETLINK_EXT_ACK'], groups: [RTNLGRP.LINK] },
    steps: [
      { title: 'ip link add veth0 type veth peer name veth1', send: veth(1, 'veth0', 'veth1') },
      { title: 'ip link del veth1', send: del(2, 'veth1') },
    ],
    state: ['links'],
  },
  {
    name: 'macvlan-notifications',
    description:
      'RTNLGRP_LINK while a macvlan is created on a veth and deleted: linking it above the lower (NETDEV_CHANGEUPPER) announces the lower again, before and after the macvlan.',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'], groups: [RTNLGRP.LINK] },
    setup: [veth(0xf0001, 'veth0', 'veth1')],
    steps: [
      { title: 'ip link add mv0 link veth0 type macvlan', send: macvlan(1, 'mv0', 3) },
      { title: 'ip link del mv0', send: del(2, 'mv0') },
    ],
    state: ['links'],
  },
  {
    name: 'dummy-unknown',
    description: 'ip link add dummy0 type dummy: this kernel has no dummy, so "Unknown device type" (EOPNOTSUPP).',
    socket: SOCKET,
    steps: [{ title: 'ip link add dummy0 type dummy', send: add(1, 'dummy0', 'dummy') }],
    state: ['links'],
  },
];
