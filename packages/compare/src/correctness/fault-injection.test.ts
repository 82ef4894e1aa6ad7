/**
 * Fault injection (issue 10), under every strategy: each request kind below is run once counting
 * the fault points it passes (`FaultInjector`, the model's `fail-nth`), then replayed from the same
 * starting state (a fresh world built the same way on a virtual clock) once per point, failing
 * exactly that point. After each replay:
 * - the answer is NLMSG_ERROR with the injected errno and the state equals the state before the
 *   request, or, for RTM_SETLINK, the documented `do_setlink()` partial change: the attributes
 *   before the failing one applied (the state a request with only those attributes leaves);
 * - or the point is one whose error the kernel ignores (`ndo_stop`, a route `fib_magic()` adds for
 *   a new address): the answer is success and the state is the successful request's (for
 *   `fib_magic()`, the kernel's own partial change: the address and every other route, without
 *   the route whose insert failed);
 * - no leak: no lock held (the requester's held-lock stack is empty, lockdep reports nothing, and
 *   a request taking every lock class completes), `dev_unreg_count` is 0 (every unlisted device
 *   was freed), every listed device has the reference holders it had, every cached `fib_info` is
 *   held by exactly the aliases using it;
 * - no handler fault (`rtnl.faults` empty): a failure is an errno answer, never an exception.
 * It prints, per request kind, the points found, the points failed, partial states (answers that
 * match none of the above) and leaks; all must be 0 but the first two.
 *
 * The second suite aborts at each wait point instead (see below); together they cover every
 * point of these handlers where an await can fail or be abandoned.
 */
import {
  AF,
  NlMsgBuilder as Builder,
  Errno,
  encodeIfAddrMsg,
  encodeIfInfoMsg,
  encodeRtMsg,
  FaultInjector,
  IFA,
  IFF,
  IFLA,
  IFLA_INFO,
  ipv4Bytes,
  LockEnv,
  type LockStrategy,
  type NetlinkSocket,
  NLM_F,
  NLMSG,
  type NlMsgBuilder,
  RTA,
  RTM,
  RTN,
  RTNLGRP,
  Rtnetlink,
  SeededRandom,
  Task,
  VirtualClock,
} from '@rtnlkit/core';
import { decodeDatagram } from '@rtnlkit/core/testing';
import {
  bridgePorts,
  devinetSubsystem,
  fibNet,
  fibSubsystem,
  inDevGet,
  ipv4String,
  linkSubsystem,
  linkTable,
  netdevTodo,
  RT_SCOPE,
  VETH_INFO_PEER,
  vethPeer,
} from '@rtnlkit/subsystems';
import { afterAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { STRATEGY_VARIANTS } from '../strategies';

let seq = 1;
const ADD = NLM_F.CREATE | NLM_F.EXCL;

function link(
  type: number,
  flags: number,
  fields: Parameters<typeof encodeIfInfoMsg>[0],
  attrs: (b: NlMsgBuilder) => void,
): Uint8Array {
  const b = new Builder(type, NLM_F.REQUEST | NLM_F.ACK | flags, seq++, 0);
  b.bytes(encodeIfInfoMsg(fields));
  attrs(b);
  return b.finish().slice();
}

/** `ip link add NAME [up] type KIND` with more attributes from `extra`. */
function newlink(name: string, kind: string, up: boolean, extra?: (b: NlMsgBuilder) => void): Uint8Array {
  return link(RTM.NEWLINK, ADD, up ? { flags: IFF.UP, change: IFF.UP } : {}, (b) => {
    b.string(IFLA.IFNAME, name);
    extra?.(b);
    b.nest(IFLA.LINKINFO, (i) => {
      i.string(IFLA_INFO.KIND, kind);
      if (kind === 'veth' && peerName.has(name)) {
        i.nest(IFLA_INFO.DATA, (d) => {
          d.beginNest(VETH_INFO_PEER, false).bytes(encodeIfInfoMsg({}));
          d.string(IFLA.IFNAME, peerName.get(name) as string);
          d.endNest();
        });
      }
    });
  });
}
const peerName = new Map([
  ['veth0', 'veth1'],
  ['veth2', 'veth3'],
  ['veth4', 'veth5'],
  ['va', 'vb'],
]);

const setlink = (index: number, flags: number, attrs: (b: NlMsgBuilder) => void) =>
  link(RTM.SETLINK, 0, flags ? { index, flags, change: flags } : { index }, attrs);

function addr(index: number, local: string, prefixlen: number): Uint8Array {
  const b = new Builder(RTM.NEWADDR, NLM_F.REQUEST | NLM_F.ACK | ADD, seq++, 0);
  b.bytes(encodeIfAddrMsg({ family: AF.INET, prefixlen, index }));
  b.attr(IFA.LOCAL, ipv4Bytes(local));
  b.attr(IFA.ADDRESS, ipv4Bytes(local));
  return b.finish().slice();
}

interface Nh {
  gw: string;
  oif: number;
}

function route(flags: number, dst: string, len: number, r: { oif?: number; gw?: string; mp?: Nh[] }): Uint8Array {
  const b = new Builder(RTM.NEWROUTE, NLM_F.REQUEST | NLM_F.ACK | flags, seq++, 0);
  const scope = r.gw || r.mp ? RT_SCOPE.UNIVERSE : RT_SCOPE.LINK;
  b.bytes(encodeRtMsg({ family: AF.INET, dstLen: len, table: 254, protocol: 3, scope, type: RTN.UNICAST }));
  b.attr(RTA.DST, ipv4Bytes(dst));
  if (r.oif !== undefined) b.u32(RTA.OIF, r.oif);
  if (r.gw) b.attr(RTA.GATEWAY, ipv4Bytes(r.gw));
  if (r.mp) {
    // struct rtnexthop (len, flags, hops, ifindex) + RTA_GATEWAY, each.
    const all = new Uint8Array(r.mp.length * 16);
    const v = new DataView(all.buffer);
    r.mp.forEach((nh, i) => {
      v.setUint16(i * 16, 16, true);
      v.setInt32(i * 16 + 4, nh.oif, true);
      v.setUint16(i * 16 + 8, 8, true);
      v.setUint16(i * 16 + 10, RTA.GATEWAY, true);
      all.set(ipv4Bytes(nh.gw), i * 16 + 12);
    });
    b.attr(RTA.MULTIPATH, all);
  }
  return b.finish().slice();
}

/**
 * The starting state, the same in every world (ifindexes in creation order, lo = 1; a veth's peer
 * registers first): br0 (2) up; veth1 (3) up / veth0 (4) down; veth3 (5) / veth2 (6) and
 * veth5 (7) / veth4 (8), all up, veth2 and veth4 with mtu 1400 ports of br0 (so br0's mtu is 1400
 * and stays so when one goes); ifb0 (9) up with 198.51.100.1/24, ifb1 (10) up with
 * 203.0.113.1/24; 10.1.0.0/16 via 198.51.100.2.
 */
const BR0 = 2;
const VETH0 = 4;
const VETH2 = 6;
const IFB0 = 9;
const IFB1 = 10;
function setupRequests(): Uint8Array[] {
  const port = (name: string) =>
    newlink(name, 'veth', true, (b) => {
      b.u32(IFLA.MTU, 1400);
      b.u32(IFLA.MASTER, BR0);
    });
  return [
    newlink('br0', 'bridge', true),
    newlink('veth0', 'veth', false),
    setlink(VETH0 - 1, IFF.UP, () => undefined),
    port('veth2'),
    setlink(VETH2 - 1, IFF.UP, () => undefined),
    port('veth4'),
    setlink(VETH2 + 1, IFF.UP, () => undefined),
    newlink('ifb0', 'ifb', true),
    newlink('ifb1', 'ifb', true),
    addr(IFB0, '198.51.100.1', 24),
    addr(IFB1, '203.0.113.1', 24),
    route(ADD, '10.1.0.0', 16, { gw: '198.51.100.2' }),
  ];
}

/** The SETLINK of the suite, as the prefixes of its attributes in `do_setlink()`'s order. */
const SETLINK_STAGES: readonly ((b: NlMsgBuilder) => void)[] = [
  (b) => b.u32(IFLA.MTU, 1400),
  (b) => b.string(IFLA.IFNAME, 'vfault'),
  () => undefined, // IFF_UP, in the ifinfomsg
  (b) => b.u32(IFLA.MASTER, BR0),
  (b) => b.u32(IFLA.TXQLEN, 500),
];
const STAGE_NAMES = ['IFLA_MTU', 'IFLA_IFNAME', 'IFF_UP', 'IFLA_MASTER', 'IFLA_TXQLEN'];
function setlinkStages(count: number): Uint8Array {
  return setlink(VETH0, count > 2 ? IFF.UP : 0, (b) => {
    for (const stage of SETLINK_STAGES.slice(0, count)) stage(b);
  });
}

interface Case {
  readonly name: string;
  readonly request: () => Uint8Array;
  /** RTM_SETLINK: its stages, for the documented partial states. */
  readonly stages?: number;
}

const CASES: readonly Case[] = [
  { name: 'NEWLINK ifb', request: () => newlink('ifbx', 'ifb', true) },
  {
    name: 'NEWLINK veth pair + master',
    request: () => newlink('va', 'veth', true, (b) => b.u32(IFLA.MASTER, BR0)),
  },
  { name: 'NEWLINK bridge', request: () => newlink('br1', 'bridge', true) },
  { name: 'SETLINK mtu+name+up+master+txqlen', request: () => setlinkStages(5), stages: 5 },
  { name: 'DELLINK veth port (up)', request: () => link(RTM.DELLINK, 0, { index: VETH2 }, () => undefined) },
  { name: 'NEWADDR (+ fib routes)', request: () => addr(IFB1, '192.0.2.1', 24) },
  { name: 'NEWROUTE single', request: () => route(ADD, '10.2.0.0', 16, { oif: IFB0 }) },
  {
    name: 'NEWROUTE multipath',
    request: () =>
      route(ADD, '10.3.0.0', 16, {
        mp: [
          { gw: '198.51.100.2', oif: IFB0 },
          { gw: '203.0.113.2', oif: IFB1 },
        ],
      }),
  },
  {
    name: 'NEWROUTE replace',
    request: () => route(NLM_F.CREATE | NLM_F.REPLACE, '10.1.0.0', 16, { gw: '203.0.113.2' }),
  },
];

async function ask(socket: NetlinkSocket, request: Uint8Array, task?: Task): Promise<number> {
  const wanted = new DataView(request.buffer, request.byteOffset).getUint32(8, true);
  await socket.send(request, task ? { task } : {});
  for (;;) {
    for (const m of decodeDatagram(await socket.recv()))
      if (m.header.seq === wanted && m.header.type === NLMSG.ERROR) return m.errno ?? -1;
  }
}

/** What the suite compares: links (without their random addresses), addresses, routes, holders. */
interface State {
  links: string[];
  addresses: string[];
  routes: string[];
}

function snapshot(rtnl: Rtnetlink): State {
  const net = rtnl.initNet;
  const links: string[] = [];
  const addresses: string[] = [];
  for (const dev of linkTable(net).devices()) {
    const holders = [...dev.refcnt.holders()].map(([h, n]) => `${h}x${n}`).join(',');
    const ports = bridgePorts(dev).map((p) => p.ifindex);
    links.push(
      `${dev.ifindex} ${dev.name} ${dev.kind ?? '-'} mtu ${dev.mtu} flags ${dev.flags.toString(16)} txqlen ${dev.txqlen}` +
        ` master ${dev.master?.ifindex ?? 0} promisc ${dev.promiscuity} allmulti ${dev.allmulti}` +
        ` rx ${dev.rxHandler ?? '-'} peer ${vethPeer(dev)?.ifindex ?? 0} ports [${ports}] reg ${dev.regState} refs ${holders}`,
    );
    for (const ifa of inDevGet(dev)?.ifaList ?? [])
      addresses.push(
        `${dev.ifindex} ${ipv4String(ifa.local)}/${ifa.prefixlen} flags ${ifa.flags} scope ${ifa.scope} ${ifa.label}`,
      );
  }
  const routes: string[] = [];
  for (const table of fibNet(net).tablesInOrder())
    for (const r of table.routes())
      routes.push(`${table.id} ${ipv4String(r.dst)}/${r.dstLen} t${r.alias.type} ${r.alias.info.hashKey}`);
  return { links, addresses, routes };
}

/** Leaks: unfreed devices, fib_infos held by other than their aliases. */
function leaks(rtnl: Rtnetlink): string[] {
  const found: string[] = [];
  const todo = netdevTodo(rtnl);
  if (todo.count !== 0) found.push(`dev_unreg_count ${todo.count}`);
  const fib = fibNet(rtnl.initNet);
  const users = new Map<unknown, number>();
  for (const table of fib.tablesInOrder())
    for (const r of table.routes()) users.set(r.alias.info, (users.get(r.alias.info) ?? 0) + 1);
  for (const info of fib.infos.values())
    if (info.refs !== (users.get(info) ?? 0) || info.refs <= 0)
      found.push(`fib_info ${info.hashKey}: refs ${info.refs}, ${users.get(info) ?? 0} aliases`);
  for (const [info, n] of users)
    if ((info as { refs: number }).refs !== n)
      found.push(`fib_info in use: refs ${(info as { refs: number }).refs}, ${n} aliases`);
  return found;
}

interface Outcome {
  /** The answer; undefined when the requester went away before it (an abort). */
  errno: number | undefined;
  before: State;
  after: State;
  injector: FaultInjector;
  leaks: string[];
  faults: unknown[];
  /** What a listener of the link, address, route and netconf groups got, sequence numbers masked. */
  notifications: string[];
}

const LISTENED = [RTNLGRP.LINK, RTNLGRP.IPV4_IFADDR, RTNLGRP.IPV4_ROUTE, RTNLGRP.IPV4_NETCONF];

/** A notification as a listener compares it: its bytes with `nlmsg_seq` zeroed. */
function withoutSeq(datagram: Uint8Array): string {
  const copy = datagram.slice();
  for (let off = 0; off + 16 <= copy.length; ) {
    const len = new DataView(copy.buffer).getUint32(off, true);
    copy.fill(0, off + 8, off + 12);
    off += Math.max(16, (len + 3) & ~3);
  }
  return Buffer.from(copy).toString('hex');
}

/**
 * Builds the world under a fresh strategy, sends `request` from its own admin socket with the
 * injector `inject` makes for that socket, checks for leaks.
 */
async function attempt(
  create: () => LockStrategy,
  request: Uint8Array,
  inject: (requester: NetlinkSocket) => FaultInjector,
): Promise<Outcome> {
  const clock = new VirtualClock();
  const env = new LockEnv({ clock, lockdep: true });
  const rtnl = new Rtnetlink({ strategy: create(), env });
  // Every world draws the same "random" MAC addresses (eth_hw_addr_random()), so that the
  // bridge id, and with it which CHANGEADDR notifications go out, is the same in every replay.
  const random = new SeededRandom(1);
  const draws = vi.spyOn(crypto, 'getRandomValues').mockImplementation((array) => {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = random.int(256);
    return array;
  });
  onTestFinished(() => draws.mockRestore());
  return clock.run(
    async () => {
      await rtnl.install(linkSubsystem());
      await rtnl.install(devinetSubsystem());
      await rtnl.install(fibSubsystem());
      const admin = rtnl.socket({ admin: true });
      for (const r of setupRequests()) expect(await ask(admin, r)).toBe(0);
      await clock.sleep(1_000);
      const names = new Map(
        linkTable(rtnl.initNet)
          .devices()
          .map((d) => [d.ifindex, d.name]),
      );
      expect([BR0, VETH0, VETH2, IFB0, IFB1].map((i) => names.get(i))).toEqual([
        'br0',
        'veth0',
        'veth2',
        'ifb0',
        'ifb1',
      ]);
      const before = snapshot(rtnl);
      const requester = rtnl.socket({ admin: true, name: 'requester' });
      const listener = rtnl.socket({ groups: LISTENED, rcvbuf: 1 << 24 });
      const task = new Task('faulty');
      const injector = inject(requester);
      rtnl.faultInjector = injector;
      let errno: number | undefined;
      try {
        errno = await ask(requester, request, task);
      } catch (error) {
        // An abort closed the requester: the request still ran to its end, nobody reads its answer.
        if (!requester.isClosed) throw error;
        expect((error as { errno?: number }).errno).toBe(Errno.EBADF);
      } finally {
        rtnl.faultInjector = undefined;
      }
      // Let the unregistrations after the unlock (netdev_run_todo, RCU) finish.
      await clock.sleep(5_000);
      const after = snapshot(rtnl);
      const found = leaks(rtnl);
      if (task.held.length > 0) found.push(`requester still holds ${task.held.map((h) => h.lock.name)}`);
      if (requester.isClosed && rtnl.socketByPort(requester.portId) !== undefined)
        found.push(`port id ${requester.portId} still bound after close`);
      const notifications: string[] = [];
      for (let d = listener.tryRecv(); d; d = listener.tryRecv()) notifications.push(withoutSeq(d));
      // Probes that need every lock class: the RTNL (a SETLINK of lo changing nothing), the FIB
      // (a refused NEWROUTE) and devinet (a refused NEWADDR). A leaked lock stalls them (the
      // virtual clock's StallError).
      expect(
        await ask(
          admin,
          setlink(1, 0, () => undefined),
        ),
      ).toBe(0);
      expect(await ask(admin, route(ADD, '10.1.0.0', 16, { gw: '198.51.100.2' }))).toBe(Errno.EEXIST);
      expect(await ask(admin, addr(IFB0, '198.51.100.1', 24))).toBe(Errno.EEXIST);
      for (const report of env.lockdep?.reports ?? []) found.push(`lockdep: ${report.kind}`);
      admin.close();
      listener.close();
      requester.close();
      return { errno, before, after, injector, leaks: found, faults: [...rtnl.faults], notifications };
    },
    { timeLimit: 60_000 },
  );
}

interface Counts {
  found: number;
  failed: number;
  errnoAnswers: number;
  ignored: number;
  setlinkPartials: number;
  fibMagicPartials: number;
  partial: number;
  leaks: number;
  points: Map<string, number>;
}
const table = new Map<string, Counts>();

const subset = (a: readonly string[], b: readonly string[]) => a.every((x) => b.includes(x));

describe.each(STRATEGY_VARIANTS)('fault injection under $name', ({ name: strategy, create }) => {
  it.each(CASES)(
    '$name: every fault point, one at a time',
    async (c) => {
      const counting = await attempt(create, c.request(), () => new FaultInjector());
      expect(counting.errno).toBe(0);
      expect(counting.leaks).toEqual([]);
      const points = counting.injector.passed;
      expect(points.length).toBeGreaterThan(0);
      const success = counting.after;
      // RTM_SETLINK: the state each prefix of its attributes leaves, and where its points start.
      const prefixStates: State[] = [];
      const stageEnds: number[] = [];
      for (let s = 0; s <= (c.stages ?? -1); s += 1) {
        const run = await attempt(create, setlinkStages(s), () => new FaultInjector());
        expect(run.errno).toBe(0);
        prefixStates.push(run.after);
        stageEnds.push(run.injector.passed.length);
        // The prefix passes the same first points as the whole request.
        expect(run.injector.passed.map((p) => p.name)).toEqual(
          points.slice(0, run.injector.passed.length).map((p) => p.name),
        );
      }
      const counts: Counts = {
        found: points.length,
        failed: 0,
        errnoAnswers: 0,
        ignored: 0,
        setlinkPartials: 0,
        fibMagicPartials: 0,
        partial: 0,
        leaks: 0,
        points: new Map(),
      };
      for (const p of points) counts.points.set(p.name, (counts.points.get(p.name) ?? 0) + 1);
      const problems: string[] = [];
      for (let k = 1; k <= points.length; k += 1) {
        const out = await attempt(create, c.request(), () => new FaultInjector(k));
        const injected = out.injector.injected;
        const where = `point ${k} (${points[k - 1]?.name})`;
        if (!injected || injected.name !== points[k - 1]?.name) {
          problems.push(`${where}: not reached on replay`);
          continue;
        }
        counts.failed += 1;
        if (out.faults.length > 0) problems.push(`${where}: handler fault ${String(out.faults[0])}`);
        if (out.leaks.length > 0) {
          counts.leaks += 1;
          problems.push(`${where}: leaks ${out.leaks.join('; ')}`);
        }
        if (out.errno === injected.errno) {
          counts.errnoAnswers += 1;
          if (c.stages !== undefined) {
            // do_setlink(): the attributes before the failing one stay applied.
            const stage = stageEnds.findIndex((end) => end >= k); // the prefix that first passes point k
            const expected = prefixStates[stage - 1];
            if (expected && JSON.stringify(out.after) === JSON.stringify(expected)) {
              if (stage - 1 > 0) counts.setlinkPartials += 1;
              continue;
            }
            counts.partial += 1;
            problems.push(`${where} in ${STAGE_NAMES[stage - 1]}: not the state with the earlier attributes applied`);
            continue;
          }
          if (JSON.stringify(out.after) !== JSON.stringify(out.before)) {
            counts.partial += 1;
            problems.push(`${where}: state changed although the request failed`);
          }
          continue;
        }
        if (out.errno === 0) {
          counts.ignored += 1;
          if (JSON.stringify(out.after) === JSON.stringify(success)) continue;
          // fib_magic() drops its error: the address stays without the route that failed and those
          // whose insert needs it (a prefsrc must be a local address: fib_valid_prefsrc()).
          const magic =
            (injected.name.startsWith('fib_') || injected.name === 'notifier:FIB_EVENT_ENTRY_REPLACE') &&
            JSON.stringify(out.after.links) === JSON.stringify(success.links) &&
            JSON.stringify(out.after.addresses) === JSON.stringify(success.addresses) &&
            subset(out.before.routes, out.after.routes) &&
            subset(out.after.routes, success.routes) &&
            out.after.routes.length < success.routes.length;
          if (magic) {
            counts.fibMagicPartials += 1;
            continue;
          }
          counts.partial += 1;
          problems.push(`${where}: ignored failure left another state than success`);
          continue;
        }
        counts.partial += 1;
        problems.push(`${where}: answered ${out.errno}, injected ${injected.errno}`);
      }
      table.set(`${strategy.padEnd(13)} ${c.name}`, counts);
      expect(problems).toEqual([]);
      expect(counts.failed).toBe(counts.found);
    },
    60_000,
  );
});

interface AbortCounts {
  found: number;
  aborted: number;
  partial: number;
  leaks: number;
  points: Map<string, number>;
}
const abortTable = new Map<string, AbortCounts>();

// The wait points: where the handler's task may wait (each lock it takes, RCU grace periods, a
// device's last reference). The kernel cannot fail those waits, so the failure injected there is
// an abort: the requester goes away (its socket closed, as when its process is killed or its
// connection dropped). The request runs to its end as in the kernel, where a doit is not
// interruptible: the state is the successful request's, listeners get every notification, the
// requester gets nothing and its port id is free, nothing leaks.
describe.each(STRATEGY_VARIANTS)('abort at each wait point under $name', ({ name: strategy, create }) => {
  it.each(CASES)(
    '$name: the requester goes away at every wait point, one at a time',
    async (c) => {
      const counting = await attempt(create, c.request(), () => new FaultInjector());
      expect(counting.errno).toBe(0);
      const waits = counting.injector.waits;
      expect(waits.length).toBeGreaterThan(0);
      const counts: AbortCounts = { found: waits.length, aborted: 0, partial: 0, leaks: 0, points: new Map() };
      for (const w of waits) counts.points.set(w, (counts.points.get(w) ?? 0) + 1);
      const problems: string[] = [];
      for (let k = 1; k <= waits.length; k += 1) {
        const out = await attempt(
          create,
          c.request(),
          (requester) => new FaultInjector(0, { abortNth: k, onAbort: () => requester.close() }),
        );
        const where = `wait point ${k} (${waits[k - 1]})`;
        if (out.injector.aborted !== waits[k - 1]) {
          problems.push(`${where}: not reached on replay (${out.injector.aborted ?? 'none'})`);
          continue;
        }
        counts.aborted += 1;
        if (out.errno !== undefined) problems.push(`${where}: the closed requester read answer ${out.errno}`);
        if (out.faults.length > 0) problems.push(`${where}: handler fault ${String(out.faults[0])}`);
        if (out.leaks.length > 0) {
          counts.leaks += 1;
          problems.push(`${where}: leaks ${out.leaks.join('; ')}`);
        }
        const sameState = JSON.stringify(out.after) === JSON.stringify(counting.after);
        const sameNotifications = JSON.stringify(out.notifications) === JSON.stringify(counting.notifications);
        if (!sameState || !sameNotifications) {
          counts.partial += 1;
          problems.push(
            `${where}: ${sameState ? '' : 'not the successful state '}${sameNotifications ? '' : `${out.notifications.length} notifications, not ${counting.notifications.length}`}`,
          );
        }
      }
      abortTable.set(`${strategy.padEnd(13)} ${c.name}`, counts);
      expect(problems).toEqual([]);
      expect(counts.aborted).toBe(counts.found);
    },
    60_000,
  );
});

afterAll(() => {
  const lines = ['fault injection: points found / failed, errno answers, ignored by the kernel, partial states, leaks'];
  let found = 0;
  let failed = 0;
  let partial = 0;
  let leaked = 0;
  for (const [name, c] of table) {
    found += c.found;
    failed += c.failed;
    partial += c.partial;
    leaked += c.leaks;
    const documented = [
      c.setlinkPartials ? `${c.setlinkPartials} do_setlink partials` : '',
      c.fibMagicPartials ? `${c.fibMagicPartials} fib_magic partials` : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(
      `  ${name.padEnd(50)} ${String(c.found).padStart(3)} / ${String(c.failed).padStart(3)}  errno ${c.errnoAnswers}  ignored ${c.ignored}  partial ${c.partial}  leaks ${c.leaks}${documented ? `  (documented: ${documented})` : ''}`,
    );
  }
  lines.push(`  total: ${found} points found, ${failed} failed, ${partial} partial states, ${leaked} leaks`);
  const first = [...table.values()];
  if (first.length > 0) {
    const names = new Map<string, number>();
    for (const c of first) for (const [p, n] of c.points) names.set(p, Math.max(names.get(p) ?? 0, n));
    lines.push(`  point names: ${[...names.keys()].sort().join(', ')}`);
  }
  if (abortTable.size > 0) {
    lines.push('aborts: wait points found / aborted at, partial states, leaks');
    let waitsFound = 0;
    let aborted = 0;
    let abortPartial = 0;
    let abortLeaks = 0;
    const names = new Set<string>();
    for (const [name, c] of abortTable) {
      waitsFound += c.found;
      aborted += c.aborted;
      abortPartial += c.partial;
      abortLeaks += c.leaks;
      for (const p of c.points.keys()) names.add(p);
      lines.push(
        `  ${name.padEnd(50)} ${String(c.found).padStart(3)} / ${String(c.aborted).padStart(3)}  partial ${c.partial}  leaks ${c.leaks}`,
      );
    }
    lines.push(
      `  total: ${waitsFound} wait points found, ${aborted} aborted at, ${abortPartial} partial states, ${abortLeaks} leaks`,
    );
    lines.push(`  wait point names: ${[...names].sort().join(', ')}`);
  }
  console.log(lines.join('\n'));
});
