/**
 * The load harness of issue 10: many sockets issue a seeded mix of link, address and route
 * requests (adds, deletes, sets, gets, dumps) at once on the virtual clock, with processing
 * charged as CPU time (`chargeCpu`) so that requests really contend. Listener sockets subscribed to
 * RTNLGRP_LINK, _IPV4_IFADDR and _IPV4_ROUTE watch the changes: keepers with room to spare,
 * laggards with small receive buffers that read slowly, and slow readers whose buffers are big
 * enough to keep up.
 *
 * It checks what a configuration plane owes its users under load:
 * - every request gets exactly one answer stream (its messages, then one NLMSG_ERROR or
 *   NLMSG_DONE), on its own socket (the port id and seq are the request's), nothing after it;
 * - a listener gets no replies; a keeper's notifications replayed give the final links and
 *   addresses, and count at least the changes acknowledged; a laggard that lost notifications was
 *   told so with ENOBUFS (the kernel's `netlink_overrun`), one that lost none got them all (the
 *   same notifications as its group's keeper, in the same order);
 * - no lock is held and no task is blocked at the end, lockdep reported nothing, no handler fault.
 *
 * The soak (`npm run soak`) runs the same mix in rounds on one instance to watch the heap.
 */
import {
  AF,
  blockedTasks,
  CostModel,
  decodeIfAddrMsg,
  decodeIfInfoMsg,
  Errno,
  ErrnoError,
  encodeIfInfoMsg,
  errnoName,
  IFA,
  IFLA,
  LockEnv,
  type NetlinkSocket,
  NLM_F,
  NLMSG,
  NLMSG_HDRLEN,
  NlMsgBuilder,
  RTM,
  RTNLGRP,
  Rtnetlink,
  SeededRandom,
  Task,
  VirtualClock,
  walkAttrs,
} from '@rtnlkit/core';
import { decodeDatagram, readUntilDone } from '@rtnlkit/core/testing';
import { devinetSubsystem, fibSubsystem, linkSubsystem, linkTable } from '@rtnlkit/subsystems';
import * as req from '../scenario/requests';
import type { StrategyVariant } from '../strategies';

export interface LoadOptions {
  /** Requesting sockets (default 200). */
  sockets?: number;
  /** Requests in all (default 50,000), spread evenly over the sockets. */
  requests?: number;
  /** Requests each socket keeps in flight at once (default 2). */
  inFlight?: number;
  seed?: number;
  /** Names in the shared pool of links the requests add, change and delete (default 64). */
  links?: number;
  /** Run `rounds` times on the same instance (the soak), calling `onRound` after each. */
  rounds?: number;
  onRound?: (round: number, stats: LoadStats) => void | Promise<void>;
}

export interface LoadStats {
  strategy: string;
  sockets: number;
  requests: number;
  /** Answers by errno name (`OK` for success). */
  answers: Record<string, number>;
  dumps: number;
  dumpMessages: number;
  /** Notifications read by all listeners, and by the keepers only. */
  notifications: number;
  keeperNotifications: number;
  /** Laggards that overflowed (and were told with ENOBUFS) and that kept up. */
  laggardsOverflowed: number;
  laggardsKeptUp: number;
  dropped: number;
  /** Virtual time the run took (ms). */
  virtualMs: number;
  violations: string[];
}

type Kind =
  | 'link-add'
  | 'link-set'
  | 'link-del'
  | 'link-get'
  | 'addr-add'
  | 'addr-del'
  | 'route-add'
  | 'route-del'
  | 'route-get'
  | 'dump-links'
  | 'dump-addrs'
  | 'dump-routes';

/** The mix: weights of each kind (writes dominate, as in a busy configuration plane). */
const MIX: readonly [Kind, number][] = [
  ['link-add', 10],
  ['link-set', 12],
  ['link-del', 4],
  ['link-get', 8],
  ['addr-add', 14],
  ['addr-del', 8],
  ['route-add', 14],
  ['route-del', 8],
  ['route-get', 8],
  ['dump-links', 1],
  ['dump-addrs', 1],
  ['dump-routes', 1],
];
const MIX_TOTAL = MIX.reduce((n, [, w]) => n + w, 0);

/** What each kind's success changes, for the notification counts. */
const NOTIFY_OF: Partial<Record<Kind, number>> = {
  'link-add': RTM.NEWLINK,
  'link-del': RTM.DELLINK,
  'addr-add': RTM.NEWADDR,
  'addr-del': RTM.DELADDR,
  'route-add': RTM.NEWROUTE,
  'route-del': RTM.DELROUTE,
};

const KEEPER_RCVBUF = 64 * 1024 * 1024;
/** Laggards 0–2: a small buffer and a slow reader, so they overflow. */
const LAGGARD_RCVBUF = 4096;
const LAGGARD_READ_GAP_MS = 2;
/** Laggards 3–5: slow readers (a pause after every datagram) whose buffer is big enough to keep up. */
const SLOW_READER_RCVBUF = 4 * 1024 * 1024;
const SLOW_READER_GAP_MS = 0.05;

interface Pending {
  readonly kind: Kind;
  readonly dump: boolean;
  messages: number;
  resolve: (errno: number) => void;
}

/** `ip link show dev NAME`: one RTM_NEWLINK and the ACK. */
function getLink(seq: number, name: string): Uint8Array {
  return new NlMsgBuilder(RTM.GETLINK, NLM_F.REQUEST | NLM_F.ACK, seq, 0)
    .bytes(encodeIfInfoMsg({ family: AF.UNSPEC }))
    .string(IFLA.IFNAME, name)
    .finish();
}

const errnoKey = (errno: number): string => (errno === 0 ? 'OK' : (errnoName(errno) ?? `errno ${errno}`));

/** Runs the load under `variant`; the figures and every violation found. */
export async function runLoad(variant: StrategyVariant, options: LoadOptions = {}): Promise<LoadStats> {
  const sockets = options.sockets ?? 200;
  const perSocket = Math.ceil((options.requests ?? 50_000) / sockets);
  const inFlight = options.inFlight ?? 2;
  const seed = options.seed ?? 1;
  const linkPool = options.links ?? 64;
  const rounds = options.rounds ?? 1;
  const clock = new VirtualClock({ seed });
  const env = new LockEnv({ clock, lockdep: true });
  const rtnl = new Rtnetlink({ strategy: variant.create(), env, costs: new CostModel({}, seed), chargeCpu: true });
  const random = new SeededRandom(seed);
  const stats: LoadStats = {
    strategy: variant.name,
    sockets,
    requests: 0,
    answers: {},
    dumps: 0,
    dumpMessages: 0,
    notifications: 0,
    keeperNotifications: 0,
    laggardsOverflowed: 0,
    laggardsKeptUp: 0,
    dropped: 0,
    virtualMs: 0,
    violations: [],
  };
  const violation = (text: string) => {
    if (stats.violations.length < 50) stats.violations.push(text);
  };
  const tasks: Task[] = [];
  /** Successful changes by notification type, to compare with what the keepers saw. */
  const acked = new Map<number, number>();
  let seq = 1;

  const pick = (): Kind => {
    let r = random.int(MIX_TOTAL);
    for (const [kind, weight] of MIX) {
      if (r < weight) return kind;
      r -= weight;
    }
    return 'link-get';
  };
  const linkName = () => `ld${random.int(linkPool)}`;
  /** The current ifindex of a pooled link, or an index that may not exist (ENODEV is an answer too). */
  const ifindexOf = (name: string) => linkTable(rtnl.initNet).getByName(name)?.ifindex ?? 100_000 + random.int(10);
  const build = (kind: Kind, s: number): Uint8Array => {
    const name = linkName();
    const n = random.int(4);
    switch (kind) {
      case 'link-add':
        return req.addLink(s, name, random.int(2) ? 'dummy' : 'ifb');
      case 'link-set':
        return req.setLinkUp(s, name, random.int(4) !== 0);
      case 'link-del':
        return req.delLink(s, name);
      case 'link-get':
        return getLink(s, name);
      case 'addr-add':
        return req.addAddr(s, ifindexOf(name), `10.${random.int(linkPool)}.${n}.1`);
      case 'addr-del':
        return req.delAddr(s, ifindexOf(name), `10.${random.int(linkPool)}.${n}.1`);
      case 'route-add':
        return req.addRoute(s, req.nthPrefix(random.int(128), 172), 24, { oif: ifindexOf(name) });
      case 'route-del':
        return req.delRoute(s, req.nthPrefix(random.int(128), 172), 24);
      case 'route-get':
        return req.routeGet(s, `172.${random.int(2)}.${random.int(256)}.9`);
      case 'dump-links':
        return req.dumpLinks(s);
      case 'dump-addrs':
        return req.dumpAddrs(s);
      case 'dump-routes':
        return req.dumpRoutes(s);
    }
  };

  /** Reads a requesting socket until aborted, routing each message to its request by seq. */
  const readReplies = async (socket: NetlinkSocket, pending: Map<number, Pending>, signal: AbortSignal) => {
    for (;;) {
      let datagram: Uint8Array;
      try {
        datagram = await socket.recv({ signal });
      } catch (error) {
        if (signal.aborted) return;
        violation(`${socket.name}: recv failed: ${String(error)}`);
        return;
      }
      for (const m of decodeDatagram(datagram)) {
        const p = pending.get(m.header.seq);
        if (m.header.pid !== socket.portId || !p) {
          violation(
            `${socket.name} (port ${socket.portId}) got a message for port ${m.header.pid} seq ${m.header.seq} (type ${m.header.type})`,
          );
          continue;
        }
        if (m.header.type === NLMSG.ERROR || m.header.type === NLMSG.DONE) {
          pending.delete(m.header.seq);
          if (p.dump) {
            stats.dumps += 1;
            stats.dumpMessages += p.messages;
          }
          p.resolve(m.header.type === NLMSG.DONE ? (m.doneErrno ?? 0) : (m.errno ?? Errno.EIO));
        } else {
          if (p.dump && !(m.header.flags & NLM_F.MULTI))
            violation(`dump part without NLM_F_MULTI (seq ${m.header.seq})`);
          p.messages += 1;
        }
      }
    }
  };

  const client = async (index: number, count: number) => {
    const socket = rtnl.socket({ admin: true, name: `client${index}` });
    const pending = new Map<number, Pending>();
    const stop = new AbortController();
    const reader = readReplies(socket, pending, stop.signal);
    let next = 0;
    const lane = async (laneIndex: number) => {
      const task = new Task(`client${index}.${laneIndex}`);
      tasks.push(task);
      while (next < count) {
        next += 1;
        const kind = pick();
        const s = seq++;
        const request = build(kind, s);
        const answered = new Promise<number>((resolve) =>
          pending.set(s, { kind, dump: kind.startsWith('dump'), messages: 0, resolve }),
        );
        try {
          await socket.send(request, { task });
        } catch (error) {
          violation(`client${index}: send of ${kind} failed: ${String(error)}`);
          pending.delete(s);
          continue;
        }
        const errno = await answered;
        stats.requests += 1;
        const key = errnoKey(errno);
        stats.answers[key] = (stats.answers[key] ?? 0) + 1;
        const type = NOTIFY_OF[kind];
        if (errno === 0 && type !== undefined) acked.set(type, (acked.get(type) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, (_, i) => lane(i)));
    stop.abort();
    await reader;
    if (pending.size > 0) violation(`client${index}: ${pending.size} requests never answered`);
    if (socket.pending > 0) violation(`client${index}: ${socket.pending} datagrams left unread after its last answer`);
    socket.close();
  };

  await clock.run(async () => {
    await rtnl.install(linkSubsystem());
    await rtnl.install(devinetSubsystem());
    await rtnl.install(fibSubsystem());
  });

  const groups = [RTNLGRP.LINK, RTNLGRP.IPV4_IFADDR, RTNLGRP.IPV4_ROUTE];
  for (let round = 0; round < rounds; round += 1) {
    const keepers = groups.map((g) => rtnl.socket({ name: `keeper-${g}`, groups: [g], rcvbuf: KEEPER_RCVBUF }));
    const laggards = Array.from({ length: 6 }, (_, i) =>
      rtnl.socket({
        name: `laggard${i}`,
        groups: [groups[i % 3] as number],
        rcvbuf: i < 3 ? LAGGARD_RCVBUF : SLOW_READER_RCVBUF,
      }),
    );
    const seen = new Map<NetlinkSocket, Uint8Array[]>();
    const enobufs = new Map<NetlinkSocket, number>();
    const listen = async (socket: NetlinkSocket, gapMs: number, signal: AbortSignal) => {
      const got: Uint8Array[] = [];
      seen.set(socket, got);
      for (;;) {
        try {
          for (const m of decodeDatagram(await socket.recv({ signal }))) got.push(m.bytes);
        } catch (error) {
          if (signal.aborted) return;
          if (error instanceof ErrnoError && error.errno === Errno.ENOBUFS) {
            enobufs.set(socket, (enobufs.get(socket) ?? 0) + 1);
            continue;
          }
          violation(`${socket.name}: recv failed: ${String(error)}`);
          return;
        }
        if (gapMs > 0) await clock.sleep(gapMs);
      }
    };
    acked.clear();
    // The replay starts from the state before the round (loopback, what earlier rounds left).
    const initial = await clock.run(() => snapshot(rtnl));
    const before = stats.requests;
    const started = clock.now();
    await clock.run(async () => {
      const stop = new AbortController();
      const listeners = [
        ...keepers.map((s) => listen(s, 0, stop.signal)),
        ...laggards.map((s, i) => listen(s, i < 3 ? LAGGARD_READ_GAP_MS : SLOW_READER_GAP_MS, stop.signal)),
      ];
      await Promise.all(Array.from({ length: sockets }, (_, i) => client(i, perSocket)));
      // Let the listeners read what is still queued, then stop them.
      while ([...keepers, ...laggards].some((s) => s.pending > 0)) await clock.sleep(LAGGARD_READ_GAP_MS);
      stop.abort();
      await Promise.all(listeners);
    });
    stats.virtualMs += clock.now() - started;
    if (stats.requests - before !== sockets * perSocket)
      violation(`round ${round}: ${stats.requests - before} answers for ${sockets * perSocket} requests`);
    const final = await clock.run(() => snapshot(rtnl));
    checkListeners(keepers, laggards, seen, enobufs, acked, initial, final, stats, violation);
    for (const s of [...keepers, ...laggards]) s.close();
    checkLocks(rtnl, env, tasks, violation);
    tasks.length = 0;
    await options.onRound?.(round, stats);
  }
  return stats;
}

function checkListeners(
  keepers: readonly NetlinkSocket[],
  laggards: readonly NetlinkSocket[],
  seen: ReadonlyMap<NetlinkSocket, Uint8Array[]>,
  enobufs: ReadonlyMap<NetlinkSocket, number>,
  acked: ReadonlyMap<number, number>,
  initial: Snapshot,
  final: Snapshot,
  stats: LoadStats,
  violation: (text: string) => void,
): void {
  const byType = new Map<number, number>();
  const links = new Set(initial.links);
  const addrs = new Set(initial.addrs);
  for (const keeper of keepers) {
    if (keeper.stats.dropped > 0) violation(`${keeper.name} dropped ${keeper.stats.dropped} notifications`);
    for (const bytes of seen.get(keeper) ?? []) {
      const type = new DataView(bytes.buffer, bytes.byteOffset).getUint16(4, true);
      stats.keeperNotifications += 1;
      byType.set(type, (byType.get(type) ?? 0) + 1);
      replay(bytes, type, links, addrs);
    }
  }
  for (const [type, count] of acked) {
    const got = byType.get(type) ?? 0;
    // Each acknowledged change was notified; more may come (a SETLINK's NEWLINK, the prefix
    // routes of an address, the addresses of a deleted link).
    if (got < count) violation(`keepers saw ${got} notifications of type ${type} for ${count} acknowledged changes`);
  }
  // Replaying the link and address notifications gives the final state.
  const linkDiff = symmetricDifference(final.links, links);
  if (linkDiff.length) violation(`link replay differs from the final dump in ifindexes ${linkDiff.slice(0, 5)}`);
  const addrDiff = symmetricDifference(final.addrs, addrs);
  if (addrDiff.length) violation(`address replay differs from the final dump in ${addrDiff.slice(0, 5)}`);
  for (const laggard of laggards) {
    const got = seen.get(laggard) ?? [];
    stats.notifications += got.length;
    stats.dropped += laggard.stats.dropped;
    for (const bytes of got) {
      const type = new DataView(bytes.buffer, bytes.byteOffset).getUint16(4, true);
      if (type === NLMSG.ERROR || type === NLMSG.DONE) violation(`${laggard.name} got a reply (type ${type})`);
    }
    if (laggard.stats.dropped > 0) {
      stats.laggardsOverflowed += 1;
      if (!enobufs.get(laggard)) violation(`${laggard.name} lost ${laggard.stats.dropped} notifications unannounced`);
    } else {
      stats.laggardsKeptUp += 1;
      if (enobufs.get(laggard)) violation(`${laggard.name} got ENOBUFS without losing anything`);
      // One that lost nothing got every notification of its group, in the keeper's order.
      const group = laggard.memberships()[0];
      const keeper = keepers.find((k) => k.memberships()[0] === group);
      const expected = (keeper && seen.get(keeper)) ?? [];
      const same = got.length === expected.length && got.every((bytes, i) => equalBytes(bytes, expected[i]));
      if (!same)
        violation(`${laggard.name} kept up but got ${got.length} notifications, its keeper ${expected.length}`);
    }
  }
  stats.notifications += stats.keeperNotifications;
}

function equalBytes(a: Uint8Array, b: Uint8Array | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

const symmetricDifference = <T>(a: ReadonlySet<T>, b: ReadonlySet<T>): T[] =>
  [...a].filter((x) => !b.has(x)).concat([...b].filter((x) => !a.has(x)));

interface Snapshot {
  links: Set<number>;
  addrs: Set<string>;
}

/** The links and addresses of init_net as a dump shows them. */
async function snapshot(rtnl: Rtnetlink): Promise<Snapshot> {
  const socket = rtnl.socket({ name: 'snapshot' });
  const out: Snapshot = { links: new Set(), addrs: new Set() };
  try {
    for (const [request, into] of [
      [req.dumpLinks(1), out.links],
      [req.dumpAddrs(2), out.addrs],
    ] as const) {
      await socket.send(request);
      for (const datagram of await readUntilDone(socket))
        for (const m of datagram) {
          if (m.header.type === RTM.NEWLINK) (into as Set<number>).add(decodeIfInfoMsg(m.bytes, NLMSG_HDRLEN).index);
          if (m.header.type === RTM.NEWADDR) (into as Set<string>).add(addrKey(m.bytes));
        }
    }
  } finally {
    socket.close();
  }
  return out;
}

/** Applies one notification to the replayed sets of live ifindexes and `ifindex|addr/len` keys. */
function replay(bytes: Uint8Array, type: number, links: Set<number>, addrs: Set<string>): void {
  if (type === RTM.NEWLINK) links.add(decodeIfInfoMsg(bytes, NLMSG_HDRLEN).index);
  else if (type === RTM.DELLINK) {
    const index = decodeIfInfoMsg(bytes, NLMSG_HDRLEN).index;
    links.delete(index);
  } else if (type === RTM.NEWADDR || type === RTM.DELADDR) {
    const key = addrKey(bytes);
    if (type === RTM.NEWADDR) addrs.add(key);
    else addrs.delete(key);
  }
}

function addrKey(bytes: Uint8Array): string {
  const ifa = decodeIfAddrMsg(bytes, NLMSG_HDRLEN);
  let local = '';
  for (const attr of walkAttrs(bytes, NLMSG_HDRLEN + 8, bytes.length).attrs)
    if (attr.type === IFA.LOCAL) local = [...attr.data].join('.');
  return `${ifa.index}|${local}/${ifa.prefixlen}`;
}

function checkLocks(rtnl: Rtnetlink, env: LockEnv, tasks: readonly Task[], violation: (text: string) => void): void {
  for (const task of tasks) if (task.held.length) violation(`${task} still holds ${task.held.map((h) => h.lock.name)}`);
  for (const report of env.lockdep?.reports ?? []) violation(`lockdep: ${report.title}`);
  for (const fault of rtnl.faults) violation(`handler fault: ${String(fault)}`);
  for (const task of blockedTasks()) violation(`${task} is still blocked on ${task.waitingOn?.name}`);
}
