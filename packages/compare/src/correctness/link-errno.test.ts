/**
 * Every link row of the kernel's errno table (kernel-rtnl.md §2.6), under every strategy: the
 * errno and extack Linux 6.18 answers, no lockdep report, no handler fault, and nothing changed
 * by a refused request. (The rows are also checked against Linux itself, in conformance.)
 */
import {
  NlMsgBuilder as Builder,
  Errno,
  encodeIfInfoMsg,
  IFLA,
  IFLA_INFO,
  LockEnv,
  NETLINK_OPT,
  NLM_F,
  NLMSG,
  type NlMsgBuilder,
  RTM,
  RTM_MAX,
  Rtnetlink,
  runTask,
} from '@rtnlkit/core';
import { decodeDatagram } from '@rtnlkit/core/testing';
import { linkSubsystem, linkTable, netnsOf, nsFiles, peernet2idAlloc, rtnlAfRegister } from '@rtnlkit/subsystems';
import { describe, expect, it } from 'vitest';
import { STRATEGY_VARIANTS } from '../strategies';

/** The peer namespace's descriptor in the requesting "process", and its id in init_net. */
const PEER_FD = 3;
const PEER_ID = 0;
/** An address family with af ops that cannot set anything (no `set_link_af`). */
const AF_NOSET = 200;

interface ErrnoCase {
  /** The row of §2.6 and the case. */
  readonly name: string;
  readonly request: Uint8Array;
  readonly errno: number;
  readonly extack?: string;
  /** Sent from a socket without admin rights. */
  readonly unprivileged?: boolean;
  /** A dump: the error comes in NLMSG_DONE. */
  readonly dump?: boolean;
}

let seq = 1;
function req(
  type: number,
  flags: number,
  fields: { index?: number; family?: number } = {},
  attrs?: (b: NlMsgBuilder) => void,
): Uint8Array {
  const b = new Builder(type, NLM_F.REQUEST | NLM_F.ACK | flags, seq++, 0);
  b.bytes(encodeIfInfoMsg({ family: fields.family ?? 0, index: fields.index ?? 0 }));
  attrs?.(b);
  return b.finish().slice();
}
const name = (n: string) => (b: NlMsgBuilder) => b.string(IFLA.IFNAME, n);
const kind = (k: string) => (b: NlMsgBuilder) => b.nest(IFLA.LINKINFO, (n) => n.string(IFLA_INFO.KIND, k));
const both =
  (...fs: ((b: NlMsgBuilder) => void)[]) =>
  (b: NlMsgBuilder) => {
    for (const f of fs) f(b);
  };
const ADD = NLM_F.CREATE | NLM_F.EXCL;

/** The world every case starts from: lo and ifb0 (ifindex 2) in init_net, `peer` as fd 3 and id 0. */
const CASES: ErrnoCase[] = [
  // Unprivileged sender: any NEW/DEL/SET kind is EPERM (GET kinds are allowed).
  {
    name: 'EPERM: NEWLINK without admin rights',
    request: req(RTM.NEWLINK, ADD, {}, both(name('x'), kind('ifb'))),
    errno: Errno.EPERM,
    unprivileged: true,
  },
  {
    name: 'EPERM: SETLINK without admin rights',
    request: req(RTM.SETLINK, 0, { index: 2 }),
    errno: Errno.EPERM,
    unprivileged: true,
  },
  {
    name: 'EPERM: DELLINK without admin rights',
    request: req(RTM.DELLINK, 0, { index: 2 }),
    errno: Errno.EPERM,
    unprivileged: true,
  },
  {
    name: 'GET is allowed without admin rights',
    request: req(RTM.GETLINK, 0, { index: 2 }),
    errno: 0,
    unprivileged: true,
  },
  // Target netns.
  {
    name: 'EINVAL: GETLINK with an unknown IFLA_TARGET_NETNSID',
    request: req(RTM.GETLINK, 0, { index: 1 }, (b) => b.s32(IFLA.TARGET_NETNSID, 9)),
    errno: Errno.EINVAL,
  },
  {
    name: 'EACCES: GETLINK by IFLA_TARGET_NETNSID without admin rights',
    request: req(RTM.GETLINK, 0, { index: 1 }, (b) => b.s32(IFLA.TARGET_NETNSID, PEER_ID)),
    errno: Errno.EACCES,
    unprivileged: true,
  },
  {
    name: 'EINVAL: link dump with an unknown IFLA_TARGET_NETNSID',
    request: req(RTM.GETLINK, NLM_F.DUMP, {}, (b) => b.s32(IFLA.TARGET_NETNSID, 9)),
    errno: Errno.EINVAL,
    extack: 'Invalid target network namespace id',
    dump: true,
  },
  {
    name: 'EINVAL: SETLINK with an unknown IFLA_TARGET_NETNSID',
    request: req(RTM.SETLINK, 0, { index: 2 }, (b) => b.s32(IFLA.TARGET_NETNSID, 9)),
    errno: Errno.EINVAL,
  },
  // Unknown message type / no handler, bulk delete.
  { name: 'EOPNOTSUPP: nlmsg_type above RTM_MAX', request: req(RTM_MAX + 1, 0), errno: Errno.EOPNOTSUPP },
  { name: 'EOPNOTSUPP: a type without a handler (RTM_NEWNEIGH)', request: req(28, 0), errno: Errno.EOPNOTSUPP },
  {
    name: 'EOPNOTSUPP: NLM_F_BULK on DELLINK',
    request: req(RTM.DELLINK, NLM_F.BULK, { index: 2 }),
    errno: Errno.EOPNOTSUPP,
    extack: 'Bulk delete is not supported',
  },
  // Kinds and names.
  {
    name: 'EOPNOTSUPP: unknown kind',
    request: req(RTM.NEWLINK, ADD, {}, both(name('x0'), kind('nosuchkind'))),
    errno: Errno.EOPNOTSUPP,
    extack: 'Unknown device type',
  },
  {
    name: 'EEXIST: ip link add of a name in use (CREATE|EXCL)',
    request: req(RTM.NEWLINK, ADD, {}, both(name('ifb0'), kind('ifb'))),
    errno: Errno.EEXIST,
  },
  {
    name: 'EEXIST: rename to a name in use',
    request: req(RTM.SETLINK, 0, { index: 2 }, name('lo')),
    errno: Errno.EEXIST,
  },
  {
    name: 'EINVAL: rename to an invalid name',
    request: req(RTM.SETLINK, 0, { index: 2 }, name('a/b')),
    errno: Errno.EINVAL,
  },
  {
    name: 'EINVAL: create with an invalid name',
    request: req(RTM.NEWLINK, ADD, {}, both(name('..'), kind('ifb'))),
    errno: Errno.EINVAL,
  },
  {
    name: 'EOPNOTSUPP: NEWLINK with NLM_F_REPLACE on an existing device',
    request: req(RTM.NEWLINK, NLM_F.REPLACE, {}, name('ifb0')),
    errno: Errno.EOPNOTSUPP,
  },
  {
    name: 'EOPNOTSUPP: create with IFLA_MAP',
    request: req(
      RTM.NEWLINK,
      ADD,
      {},
      both(name('x1'), (b) => b.attr(IFLA.MAP, new Uint8Array(32)), kind('ifb')),
    ),
    errno: Errno.EOPNOTSUPP,
  },
  {
    name: 'EOPNOTSUPP: create with IFLA_PROTINFO',
    request: req(
      RTM.NEWLINK,
      ADD,
      {},
      both(name('x1'), (b) => b.nest(IFLA.PROTINFO, () => {}), kind('ifb')),
    ),
    errno: Errno.EOPNOTSUPP,
  },
  // Missing device.
  { name: 'ENODEV: SETLINK of a missing ifindex', request: req(RTM.SETLINK, 0, { index: 77 }), errno: Errno.ENODEV },
  { name: 'ENODEV: GETLINK of a missing name', request: req(RTM.GETLINK, 0, {}, name('nope')), errno: Errno.ENODEV },
  { name: 'ENODEV: DELLINK of a missing ifindex', request: req(RTM.DELLINK, 0, { index: 77 }), errno: Errno.ENODEV },
  {
    name: 'ENODEV: NEWLINK without CREATE of a missing name',
    request: req(RTM.NEWLINK, 0, {}, name('nope')),
    errno: Errno.ENODEV,
  },
  { name: 'EINVAL: SETLINK with neither index nor name', request: req(RTM.SETLINK, 0), errno: Errno.EINVAL },
  { name: 'EINVAL: GETLINK with neither index nor name', request: req(RTM.GETLINK, 0), errno: Errno.EINVAL },
  { name: 'EINVAL: DELLINK with neither index nor name', request: req(RTM.DELLINK, 0), errno: Errno.EINVAL },
  {
    name: 'EPERM: DELLINK of group 0',
    request: req(RTM.DELLINK, 0, {}, (b) => b.u32(IFLA.GROUP, 0)),
    errno: Errno.EPERM,
  },
  {
    name: 'EINVAL: negative ifindex on NEWLINK',
    request: req(RTM.NEWLINK, ADD, { index: -1 }, both(name('x2'), kind('ifb'))),
    errno: Errno.EINVAL,
    extack: "ifindex can't be negative",
  },
  // Namespace selectors.
  {
    name: 'EINVAL: two netns selectors',
    request: req(RTM.SETLINK, 0, { index: 2 }, (b) => b.u32(IFLA.NET_NS_FD, PEER_FD).s32(IFLA.TARGET_NETNSID, PEER_ID)),
    errno: Errno.EINVAL,
    extack: 'multiple netns identifying attributes specified',
  },
  {
    name: 'EOPNOTSUPP: GETLINK with IFLA_NET_NS_PID',
    request: req(RTM.GETLINK, 0, { index: 1 }, (b) => b.u32(IFLA.NET_NS_PID, 1)),
    errno: Errno.EOPNOTSUPP,
    extack: 'specified netns attribute not supported',
  },
  {
    name: 'EOPNOTSUPP: DELLINK with IFLA_NET_NS_FD',
    request: req(RTM.DELLINK, 0, { index: 2 }, (b) => b.u32(IFLA.NET_NS_FD, PEER_FD)),
    errno: Errno.EOPNOTSUPP,
    extack: 'specified netns attribute not supported',
  },
  {
    name: 'EINVAL: unknown IFLA_LINK_NETNSID',
    request: req(
      RTM.NEWLINK,
      ADD,
      {},
      both(name('x3'), (b) => b.s32(IFLA.LINK_NETNSID, 9), kind('ifb')),
    ),
    errno: Errno.EINVAL,
    extack: 'Unknown network namespace id',
  },
  // Queue counts.
  {
    name: 'EINVAL: IFLA_NUM_TX_QUEUES 0',
    request: req(
      RTM.NEWLINK,
      ADD,
      {},
      both(name('x4'), (b) => b.u32(IFLA.NUM_TX_QUEUES, 0), kind('ifb')),
    ),
    errno: Errno.EINVAL,
    extack: 'Invalid number of transmit queues',
  },
  {
    name: 'EINVAL: IFLA_NUM_RX_QUEUES 4097',
    request: req(
      RTM.NEWLINK,
      ADD,
      {},
      both(name('x5'), (b) => b.u32(IFLA.NUM_RX_QUEUES, 4097), kind('ifb')),
    ),
    errno: Errno.EINVAL,
    extack: 'Invalid number of receive queues',
  },
  // af ops.
  {
    name: 'EAFNOSUPPORT: IFLA_AF_SPEC of an unknown family',
    request: req(RTM.SETLINK, 0, { index: 2 }, (b) => b.nest(IFLA.AF_SPEC, (n) => n.nest(201, () => {}))),
    errno: Errno.EAFNOSUPPORT,
  },
  {
    name: 'EOPNOTSUPP: IFLA_AF_SPEC of a family without set_link_af',
    request: req(RTM.SETLINK, 0, { index: 2 }, (b) => b.nest(IFLA.AF_SPEC, (n) => n.nest(AF_NOSET, () => {}))),
    errno: Errno.EOPNOTSUPP,
  },
];

/** A fresh instance under `variant` with the starting state of {@link CASES}. */
async function world(create: () => import('@rtnlkit/core').LockStrategy) {
  const env = new LockEnv({ lockdep: true });
  const rtnl = new Rtnetlink({ strategy: create(), env });
  await rtnl.install(linkSubsystem());
  const peer = await runTask('ip-netns-add', (task) => netnsOf(rtnl).create('peer', task));
  nsFiles(rtnl).bindFd(PEER_FD, peer);
  expect(peernet2idAlloc(rtnl.initNet, peer)).toBe(PEER_ID);
  await rtnlAfRegister(rtnl, { family: AF_NOSET });
  const admin = rtnl.socket({ admin: true });
  expect((await ask(admin, req(RTM.NEWLINK, ADD, {}, both(name('ifb0'), kind('ifb'))))).errno).toBe(0);
  admin.close();
  return { rtnl, env, peer };
}

/** Sends `request` and reads until its NLMSG_ERROR (or, for a dump, its NLMSG_DONE). */
async function ask(socket: import('@rtnlkit/core').NetlinkSocket, request: Uint8Array) {
  const wanted = new DataView(request.buffer, request.byteOffset).getUint32(8, true);
  await socket.send(request);
  for (;;) {
    for (const m of decodeDatagram(await socket.recv())) {
      if (m.header.seq !== wanted) continue;
      if (m.header.type === NLMSG.ERROR) return { errno: m.errno ?? -1, extack: m.extack };
      if (m.header.type === NLMSG.DONE) return { errno: m.doneErrno ?? -1, extack: m.extack };
    }
  }
}

const snapshot = (rtnl: Rtnetlink) =>
  netnsOf(rtnl).nets.map((net) =>
    linkTable(net)
      .devices()
      .map((d) => `${net.name}:${d.name}(${d.ifindex}) mtu ${d.mtu} flags ${d.flags}`),
  );

describe.each(STRATEGY_VARIANTS)('link errnos of kernel-rtnl.md §2.6 under $name', ({ create }) => {
  it.each(CASES)('$name', async (c) => {
    const { rtnl, env } = await world(create);
    const before = snapshot(rtnl);
    const socket = rtnl.socket({ admin: !c.unprivileged });
    socket.setOption(NETLINK_OPT.EXT_ACK, true);
    const answer = await ask(socket, c.request);
    expect(answer.errno).toBe(c.errno);
    if (c.errno !== 0) expect(answer.extack).toBe(c.extack);
    expect(snapshot(rtnl)).toEqual(before);
    expect(env.lockdep?.reports ?? []).toEqual([]);
    expect(rtnl.faults).toEqual([]);
    socket.close();
  });
});

it('covers the table: one or more cases for each link row', () => {
  const rows = ['EPERM', 'EACCES', 'EOPNOTSUPP', 'EEXIST', 'ENODEV', 'EINVAL', 'EAFNOSUPPORT'];
  for (const row of rows) expect(CASES.some((c) => c.name.startsWith(`${row}:`))).toBe(true);
});
