/**
 * Every IPv4 address row of the kernel's errno table (kernel-rtnl.md §2.6), under every strategy:
 * the errno and extack Linux 6.18 answers, no lockdep report, no handler fault, and nothing
 * changed by a refused request. (The same rows are checked against Linux in conformance,
 * scenarios/addresses.ts.)
 */
import {
  AF,
  NlMsgBuilder as Builder,
  Errno,
  encodeIfAddrMsg,
  encodeIfInfoMsg,
  IFA,
  IFLA,
  IFLA_INFO,
  ipv4Bytes,
  LockEnv,
  NETLINK_OPT,
  NLM_F,
  NLMSG,
  type NlMsgBuilder,
  NOTIFY_DONE,
  notifierFromErrno,
  RTM,
  Rtnetlink,
} from '@rtnlkit/core';
import { decodeDatagram } from '@rtnlkit/core/testing';
import {
  devinetSubsystem,
  inDevGet,
  ipv4String,
  linkSubsystem,
  linkTable,
  registerInetaddrValidatorNotifier,
} from '@rtnlkit/subsystems';
import { describe, expect, it } from 'vitest';
import { STRATEGY_VARIANTS } from '../strategies';

interface ErrnoCase {
  /** The row of §2.6 and the case. */
  readonly name: string;
  readonly request: Uint8Array;
  readonly errno: number;
  readonly extack?: string;
  readonly unprivileged?: boolean;
  /** The state after the request, when it is not the state before (a success). */
  readonly after?: readonly string[];
}

let seq = 1;
interface Addr {
  local?: string;
  address?: string;
  prefixlen?: number;
  scope?: number;
  index?: number;
  label?: string;
  cacheinfo?: [number, number];
}
function addr(type: number, flags: number, a: Addr): Uint8Array {
  const b = new Builder(type, NLM_F.REQUEST | NLM_F.ACK | flags, seq++, 0);
  b.bytes(encodeIfAddrMsg({ family: AF.INET, prefixlen: a.prefixlen ?? 24, scope: a.scope ?? 0, index: a.index ?? 2 }));
  if (a.local) b.attr(IFA.LOCAL, ipv4Bytes(a.local));
  if (a.address) b.attr(IFA.ADDRESS, ipv4Bytes(a.address));
  if (a.label) b.string(IFA.LABEL, a.label);
  if (a.cacheinfo) {
    const ci = new Uint8Array(16);
    new DataView(ci.buffer).setUint32(0, a.cacheinfo[0], true);
    new DataView(ci.buffer).setUint32(4, a.cacheinfo[1], true);
    b.attr(IFA.CACHEINFO, ci);
  }
  return b.finish().slice();
}
const ADD = NLM_F.CREATE | NLM_F.EXCL;
/** The state every case starts from: ifb0 (ifindex 2) with 10.0.0.1/24; ifb1 (3) with no in_device; 10.9.9.9 is vetoed. */
const BEFORE = ['ifb0 10.0.0.1/24'];

const CASES: ErrnoCase[] = [
  {
    name: 'EPERM: NEWADDR without admin rights',
    request: addr(RTM.NEWADDR, ADD, { local: '10.0.0.5' }),
    errno: Errno.EPERM,
    unprivileged: true,
  },
  {
    name: 'EPERM: DELADDR without admin rights',
    request: addr(RTM.DELADDR, 0, { local: '10.0.0.1' }),
    errno: Errno.EPERM,
    unprivileged: true,
  },
  {
    name: 'EEXIST: add an address that exists, NLM_F_EXCL',
    request: addr(RTM.NEWADDR, ADD, { local: '10.0.0.1' }),
    errno: Errno.EEXIST,
    extack: 'ipv4: Address already assigned',
  },
  {
    name: 'EEXIST: add an address that exists, without NLM_F_REPLACE',
    request: addr(RTM.NEWADDR, NLM_F.CREATE, { local: '10.0.0.1' }),
    errno: Errno.EEXIST,
    extack: 'ipv4: Address already assigned',
  },
  {
    name: 'OK: NLM_F_REPLACE without EXCL updates the existing address',
    request: addr(RTM.NEWADDR, NLM_F.CREATE | NLM_F.REPLACE, { local: '10.0.0.1' }),
    errno: 0,
    after: BEFORE,
  },
  {
    name: 'OK: NLM_F_CREATE missing: created anyway',
    request: addr(RTM.NEWADDR, 0, { local: '10.0.1.1' }),
    errno: 0,
    after: ['ifb0 10.0.0.1/24', 'ifb0 10.0.1.1/24'],
  },
  {
    name: 'OK: IFA_LOCAL 0.0.0.0 is silently ignored',
    request: addr(RTM.NEWADDR, ADD, { local: '0.0.0.0' }),
    errno: 0,
  },
  {
    name: 'EINVAL: prefix length above 32',
    request: addr(RTM.NEWADDR, ADD, { local: '10.0.1.1', prefixlen: 33 }),
    errno: Errno.EINVAL,
    extack: 'ipv4: Invalid prefix length',
  },
  {
    name: 'EINVAL: no IFA_LOCAL',
    request: addr(RTM.NEWADDR, ADD, { address: '10.0.1.1' }),
    errno: Errno.EINVAL,
    extack: 'ipv4: Local address is not supplied',
  },
  {
    name: 'EINVAL: valid lifetime 0',
    request: addr(RTM.NEWADDR, ADD, { local: '10.0.1.1', cacheinfo: [0, 0] }),
    errno: Errno.EINVAL,
    extack: 'ipv4: address lifetime invalid',
  },
  {
    name: 'EINVAL: preferred lifetime above the valid one',
    request: addr(RTM.NEWADDR, ADD, { local: '10.0.1.1', cacheinfo: [20, 10] }),
    errno: Errno.EINVAL,
    extack: 'ipv4: address lifetime invalid',
  },
  {
    name: 'EINVAL: same subnet, another scope',
    request: addr(RTM.NEWADDR, ADD, { local: '10.0.0.2', scope: 253 }),
    errno: Errno.EINVAL,
    extack: 'ipv4: Invalid scope value',
  },
  {
    name: 'EADDRINUSE: vetoed by the inetaddr validator chain (its errno and extack)',
    request: addr(RTM.NEWADDR, ADD, { local: '10.9.9.9' }),
    errno: Errno.EADDRINUSE,
    extack: 'vetoed by the test validator',
  },
  {
    name: 'EADDRNOTAVAIL: delete a missing address',
    request: addr(RTM.DELADDR, 0, { local: '10.0.0.2' }),
    errno: Errno.EADDRNOTAVAIL,
    extack: 'ipv4: Address not found',
  },
  {
    name: 'EADDRNOTAVAIL: delete with a label that does not match',
    request: addr(RTM.DELADDR, 0, { local: '10.0.0.1', label: 'ifb0:x' }),
    errno: Errno.EADDRNOTAVAIL,
    extack: 'ipv4: Address not found',
  },
  {
    name: 'ENODEV: add on a missing ifindex',
    request: addr(RTM.NEWADDR, ADD, { local: '10.0.1.1', index: 99 }),
    errno: Errno.ENODEV,
    extack: 'ipv4: Device not found',
  },
  {
    name: 'ENODEV: delete on a missing ifindex',
    request: addr(RTM.DELADDR, 0, { local: '10.0.0.1', index: 99 }),
    errno: Errno.ENODEV,
    extack: 'ipv4: Device not found',
  },
  {
    name: 'ENOBUFS: add on a device without in_device',
    request: addr(RTM.NEWADDR, ADD, { local: '10.0.1.1', index: 3 }),
    errno: Errno.ENOBUFS,
  },
  {
    name: 'ENODEV: delete on a device without in_device',
    request: addr(RTM.DELADDR, 0, { local: '10.0.1.1', index: 3 }),
    errno: Errno.ENODEV,
    extack: 'ipv4: Device not found',
  },
];

async function ask(socket: import('@rtnlkit/core').NetlinkSocket, request: Uint8Array) {
  const wanted = new DataView(request.buffer, request.byteOffset).getUint32(8, true);
  await socket.send(request);
  for (;;) {
    for (const m of decodeDatagram(await socket.recv())) {
      if (m.header.seq !== wanted) continue;
      if (m.header.type === NLMSG.ERROR) return { errno: m.errno ?? -1, extack: m.extack };
    }
  }
}

function link(name: string, extra: (b: NlMsgBuilder) => void = () => {}): Uint8Array {
  const b = new Builder(RTM.NEWLINK, NLM_F.REQUEST | NLM_F.ACK | ADD, seq++, 0);
  b.bytes(encodeIfInfoMsg({}));
  b.string(IFLA.IFNAME, name);
  extra(b);
  b.nest(IFLA.LINKINFO, (n) => n.string(IFLA_INFO.KIND, 'ifb'));
  return b.finish().slice();
}

async function world(create: () => import('@rtnlkit/core').LockStrategy) {
  const env = new LockEnv({ lockdep: true });
  const rtnl = new Rtnetlink({ strategy: create(), env });
  await rtnl.install(linkSubsystem());
  await rtnl.install(devinetSubsystem());
  const admin = rtnl.socket({ admin: true });
  expect((await ask(admin, link('ifb0'))).errno).toBe(0);
  // ifb1 with an MTU of 60: no IPv4 on it (inetdev_event destroys the in_device below 68).
  expect((await ask(admin, link('ifb1'))).errno).toBe(0);
  const setMtu = new Builder(RTM.SETLINK, NLM_F.REQUEST | NLM_F.ACK, seq++, 0)
    .bytes(encodeIfInfoMsg({ index: 3 }))
    .u32(IFLA.MTU, 60)
    .finish()
    .slice();
  expect((await ask(admin, setMtu)).errno).toBe(0);
  expect((await ask(admin, addr(RTM.NEWADDR, ADD, { local: '10.0.0.1' }))).errno).toBe(0);
  admin.close();
  registerInetaddrValidatorNotifier(rtnl, (_event, info) => {
    if (info.local !== 0x0a090909) return NOTIFY_DONE;
    info.extack = 'vetoed by the test validator';
    return notifierFromErrno(-Errno.EADDRINUSE);
  });
  return { rtnl, env };
}

const snapshot = (rtnl: Rtnetlink) =>
  linkTable(rtnl.initNet)
    .devices()
    .flatMap((d) => (inDevGet(d)?.ifaList ?? []).map((ifa) => `${d.name} ${ipv4String(ifa.local)}/${ifa.prefixlen}`));

describe.each(STRATEGY_VARIANTS)('IPv4 address errnos of kernel-rtnl.md §2.6 under $name', ({ create }) => {
  it.each(CASES)('$name', async (c) => {
    const { rtnl, env } = await world(create);
    expect(snapshot(rtnl)).toEqual(BEFORE);
    const ifb1 = linkTable(rtnl.initNet).getByIndex(3);
    expect(ifb1 && inDevGet(ifb1)).toBeUndefined();
    const socket = rtnl.socket({ admin: !c.unprivileged });
    socket.setOption(NETLINK_OPT.EXT_ACK, true);
    const answer = await ask(socket, c.request);
    expect(answer.errno).toBe(c.errno);
    expect(answer.extack).toBe(c.extack);
    expect(snapshot(rtnl)).toEqual(c.after ?? BEFORE);
    expect(env.lockdep?.reports ?? []).toEqual([]);
    expect(rtnl.faults).toEqual([]);
    socket.close();
  });
});

it('covers the table: one or more cases for each address row', () => {
  const rows = ['EPERM', 'EEXIST', 'OK', 'EINVAL', 'EADDRINUSE', 'EADDRNOTAVAIL', 'ENODEV', 'ENOBUFS'];
  for (const row of rows) expect(CASES.some((c) => c.name.startsWith(`${row}:`))).toBe(true);
});
