/**
 * A FIB workload for the schedule explorer (`exploreSchedules` of @rtnlkit/core/testing): one
 * rtnetlink instance with the link and FIB subsystems, three ifb devices, two tables (main and
 * 100) filled so that a route dump takes two passes, and, all at once on a seeded virtual clock:
 * writers (RTM_NEWROUTE add and replace, RTM_DELROUTE, over the wire), in-kernel listeners
 * registering with `registerFibNotifier()` (their replay yields as it goes, so writers run in the
 * middle of it) and route dumpers (RTM_GETROUTE dumps read a pass at a time with sleeps between).
 * `fib.preemptionPoint` (a writer between linking its change and ending its `fib_seq` write) is a
 * sleep the seed draws, so another task runs there: with the seqcount it sees the count odd, with
 * the atomic counter it sees nothing yet.
 *
 * The world records the FIB's content after every change is linked in (its history), and what it
 * was when each listener's replay was judged consistent (`FibNotifier.dumpConsistent`). After each
 * seed it checks:
 * - a replay judged consistent equals the FIB at the instant it was judged so (the seed's
 *   five-step missed update breaks this: the change was linked behind the walk, the counter not
 *   yet bumped, so the check passes and the listener starts out without a route the FIB has);
 * - a replay judged consistent equals a state the FIB held while the registration ran;
 * - once the writers are done, each registered listener's mirror (replay, then the events it
 *   heard) equals the FIB;
 * - a dump not flagged NLM_F_DUMP_INTR equals a state the FIB held between its request and its
 *   NLMSG_DONE (the route dump stamps `cb->seq` from `fib_seq`: see `inetDumpFib`);
 * - writers get only the errnos the races explain (EEXIST, ESRCH), registrations only EBUSY;
 * - no lockdep report, no deadlock or stall, no handler fault.
 *
 * Note on the atomic counter: the listener's mirror still ends right, because the writer calls
 * the notifier chain after its bump, and the listener registered before its check. What the
 * atomic counter loses is the guarantee at the check instant, which is what the seed's
 * sequence is about; the first check above is the one it breaks.
 */
import {
  AF,
  CostModel,
  decodeRtMsg,
  Errno,
  ErrnoError,
  encodeRtMsg,
  IFF,
  LockEnv,
  type LockStrategy,
  NLM_F,
  NLMSG,
  NLMSG_HDRLEN,
  NlMsgBuilder,
  nla,
  RTA,
  RTM,
  RTMSG_LEN,
  Rtnetlink,
  SeededRandom,
  Task,
  VirtualClock,
  walkAttrs,
} from '@rtnlkit/core';
import { call, decodeDatagram } from '@rtnlkit/core/testing';
import {
  devChangeFlags,
  type FibAlias,
  type FibNet,
  type FibSeqMode,
  fibConfig,
  fibNet,
  fibSubsystem,
  fibTableInsert,
  ifbLinkOps,
  linkSubsystem,
  NetDevice,
  RT_SCOPE,
  RT_TABLE,
  RTPROT,
  registerFibNotifier,
  registerNetdevice,
} from '@rtnlkit/subsystems';

export interface FibExploreOptions {
  /** How `fib_seq` counts (default `seqcount`). */
  fibSeq?: FibSeqMode;
  /** The dump check honours NLM_F_DUMP_INTR (default true; false shows why the flag matters). */
  honourDumpIntr?: boolean;
}

/** What one seed observed. */
export interface FibExploreStats {
  /** Route changes acknowledged with errno 0. */
  writes: number;
  /** `registerFibNotifier()` calls that returned (their last replay judged consistent). */
  registrations: number;
  /** Replays run, one per attempt; those found inconsistent and run again; registrations given up (EBUSY). */
  replays: number;
  retries: number;
  /**
   * Retries whose check met a write between its link and the end of its fib_seq write: the
   * five-step shape, caught (only the seqcount can: the atomic counter has not moved there).
   */
  retriesMidWrite: number;
  busy: number;
  dumps: number;
  /** Dumps flagged NLM_F_DUMP_INTR, and the datagrams all dumps took (each pass one). */
  interruptedDumps: number;
  dumpDatagrams: number;
  /** Timers the virtual clock fired (turns of the schedule). */
  events: number;
}

/** Virtual time after which a run is a stall. */
const TIME_LIMIT_MS = 5_000;
/** Routes per table at the start: 80 messages of 52 bytes, two passes of a dump. */
const ROUTES_PER_TABLE = 40;
/** Writers pick prefixes among the first HOT_PREFIXES of a table (some free, so adds succeed). */
const HOT_PREFIXES = 48;
const DEVICES = ['ifb0', 'ifb1', 'ifb2'];
const TABLES = [RT_TABLE.MAIN, 100];
const WRITERS = 3;
const OPS_PER_WRITER = 3;
const LISTENERS = 2;
const DUMPERS = 1;
/** A writer stays between its link and the end of its fib_seq write 0 to PREEMPT_MS - 1 ms. */
const PREEMPT_MS = 3;
/** One replayed route in REPLAY_YIELD_EVERY gives way to the others (0 or 1 ms). */
const REPLAY_YIELD_EVERY = 8;

/** `10.<table byte>.<k>.0/24`: the prefixes the workload uses. */
const prefixOf = (table: number, k: number) => ((10 << 24) | ((table & 0xff) << 16) | (k << 8)) >>> 0;

/** A route as the checks compare it: what identifies it and where it goes. */
function describe(tbId: number, dst: number, dstLen: number, tos: number, priority: number, oif: number): string {
  return `${tbId} ${(dst >>> 24) & 255}.${(dst >>> 16) & 255}.${(dst >>> 8) & 255}.${dst & 255}/${dstLen} tos ${tos} metric ${priority} dev ${oif}`;
}

/** The mirror's key: a route with the same key replaces another (ENTRY_REPLACE). */
const keyOf = (line: string) => line.slice(0, line.lastIndexOf(' dev '));

/** Lines by alias and prefix: a state is built after every change, from mostly the same routes. */
const lineCache = new WeakMap<FibAlias, Map<number, string>>();

function aliasLine(dst: number, dstLen: number, alias: FibAlias): string {
  let byPrefix = lineCache.get(alias);
  if (!byPrefix) {
    byPrefix = new Map();
    lineCache.set(alias, byPrefix);
  }
  const prefix = dst * 64 + dstLen;
  let line = byPrefix.get(prefix);
  if (line === undefined) {
    line = describe(alias.tbId, dst, dstLen, alias.tos, alias.info.priority, alias.info.nhs[0]?.oif ?? 0);
    byPrefix.set(prefix, line);
  }
  return line;
}

/** The FIB's routes, one line each, sorted: a state to compare. */
function fibState(fib: FibNet): string {
  const lines: string[] = [];
  for (const table of fib.tablesInOrder())
    for (const r of table.routes()) lines.push(aliasLine(r.dst, r.dstLen, r.alias));
  return lines.sort().join('\n');
}

const stateOf = (lines: Iterable<string>) => [...lines].sort().join('\n');

/** The line of an RTM_NEWROUTE message of a dump. */
function dumpedLine(bytes: Uint8Array): string {
  const rtm = decodeRtMsg(bytes, NLMSG_HDRLEN);
  let table = rtm.table;
  let dst = 0;
  let oif = 0;
  let priority = 0;
  for (const a of walkAttrs(bytes, NLMSG_HDRLEN + RTMSG_LEN, bytes.length).attrs) {
    if (a.type === RTA.TABLE) table = nla.u32(a);
    else if (a.type === RTA.DST) dst = nla.be32(a);
    else if (a.type === RTA.OIF) oif = nla.u32(a);
    else if (a.type === RTA.PRIORITY) priority = nla.u32(a);
  }
  return describe(table, dst, rtm.dstLen, rtm.tos, priority, oif);
}

/** What changed between two states, briefly (for a violation's text). */
function difference(got: string, want: string): string {
  const a = new Set(got ? got.split('\n') : []);
  const b = new Set(want ? want.split('\n') : []);
  const missing = [...b].filter((l) => !a.has(l));
  const extra = [...a].filter((l) => !b.has(l));
  return [missing.length ? `lacks ${missing.join(', ')}` : '', extra.length ? `has ${extra.join(', ')} too` : '']
    .filter(Boolean)
    .join('; ');
}

/** A route request over the wire (NLM_F_REQUEST | NLM_F_ACK | `flags`), iproute2's header. */
function routeRequest(type: number, flags: number, seq: number, table: number, dst: number, oif?: number) {
  const b = new NlMsgBuilder(type, NLM_F.REQUEST | NLM_F.ACK | flags, seq, 0);
  const del = type === RTM.DELROUTE;
  b.bytes(
    encodeRtMsg({
      family: AF.INET,
      dstLen: 24,
      tos: 0,
      table: table < 256 ? table : RT_TABLE.UNSPEC,
      protocol: del ? 0 : RTPROT.BOOT,
      scope: del ? RT_SCOPE.NOWHERE : RT_SCOPE.LINK,
      type: del ? 0 : 1,
      flags: 0,
    }),
  );
  const be = new Uint8Array(4);
  new DataView(be.buffer).setUint32(0, dst, false);
  b.attr(RTA.DST, be);
  if (oif !== undefined) b.u32(RTA.OIF, oif);
  return b.finish().slice();
}

/**
 * `run(seed)` for `exploreSchedules`: builds the world under a fresh strategy from `make`, runs the
 * workload and returns the invariants it broke. `stats`, when given, receives what the seed did.
 */
export function fibExploreWorkload(
  make: () => LockStrategy,
  options: FibExploreOptions = {},
  stats?: (seed: number, stats: FibExploreStats) => void,
): (seed: number) => Promise<string[]> {
  const honourIntr = options.honourDumpIntr ?? true;
  return async (seed) => {
    const clock = new VirtualClock({ seed });
    const env = new LockEnv({ clock, lockdep: true });
    const rtnl = new Rtnetlink({ strategy: make(), env, costs: new CostModel({}, seed) });
    const random = new SeededRandom(seed ^ 0xf1b5);
    const pause = (max = 3) => clock.sleep(random.int(max));
    const violations: string[] = [];
    const count: FibExploreStats = {
      writes: 0,
      registrations: 0,
      replays: 0,
      retries: 0,
      retriesMidWrite: 0,
      busy: 0,
      dumps: 0,
      interruptedDumps: 0,
      dumpDatagrams: 0,
      events: 0,
    };
    let seq = 1;
    let fib: FibNet | undefined;
    /** The FIB's content after each change was linked in; [0] is the state after setup. */
    const history: string[] = [];
    const ifindexes: number[] = [];
    let writersDone = false;

    const setup = async (task: Task) => {
      await rtnl.install(linkSubsystem());
      await rtnl.install(fibSubsystem({ fibSeq: options.fibSeq ?? 'seqcount' }));
      // A driver's probe and a routing daemon's start, not a race: the devices are registered and
      // the tables filled directly under RTNL (the wire requests of the workload are what races).
      const theFib = fibNet(rtnl.initNet);
      await rtnl.strategy.lock('rtnl', rtnl.initNet).run(task, async () => {
        for (const [i, name] of DEVICES.entries()) {
          const dev = new NetDevice({
            name,
            kind: 'ifb',
            flags: IFF.BROADCAST | IFF.NO_ARP,
            txqlen: 32,
            address: Uint8Array.of(0x02, 0, 0, 0, 0, i + 1),
            minMtu: 0,
            maxMtu: 0,
          });
          dev.rtnlLinkOps = ifbLinkOps;
          await registerNetdevice(rtnl, rtnl.initNet, dev);
          await devChangeFlags(rtnl, dev, dev.flags | IFF.UP);
          ifindexes.push(dev.ifindex);
        }
        for (const id of TABLES) {
          for (let k = 0; k < ROUTES_PER_TABLE; k += 1) {
            const cfg = fibConfig({
              dst: prefixOf(id, k),
              dstLen: 24,
              table: id,
              protocol: RTPROT.BOOT,
              scope: RT_SCOPE.LINK,
              oif: ifindexes[k % ifindexes.length] as number,
              nlFlags: NLM_F.CREATE | NLM_F.EXCL,
            });
            await fibTableInsert(rtnl, theFib, theFib.newTable(id), cfg);
          }
        }
      });
      fib = theFib;
      history.push(fibState(theFib));
      // Record the FIB after every link (the instant a lockless reader can see the change).
      for (const id of TABLES) {
        const table = theFib.getTable(id);
        if (!table) throw new Error(`table ${id} missing after setup`);
        const setAliases = table.setAliases.bind(table);
        table.setAliases = (dst, len, list) => {
          setAliases(dst, len, list);
          history.push(fibState(theFib));
        };
      }
      // A writer may be preempted between its link and the end of its fib_seq write: as long as the seed says.
      theFib.preemptionPoint = () => pause(PREEMPT_MS);
      return theFib;
    };

    const writer = async (id: number) => {
      const task = new Task(`writer${id}`);
      const socket = rtnl.socket({ admin: true, name: `writer${id}` });
      for (let k = 0; k < OPS_PER_WRITER; k += 1) {
        await pause(4);
        const table = TABLES[random.int(TABLES.length)] as number;
        const dst = prefixOf(table, random.int(HOT_PREFIXES));
        const oif = ifindexes[random.int(ifindexes.length)] as number;
        const op = random.int(3);
        const message =
          op === 0
            ? routeRequest(RTM.NEWROUTE, NLM_F.CREATE | NLM_F.EXCL, seq++, table, dst, oif)
            : op === 1
              ? routeRequest(RTM.NEWROUTE, NLM_F.CREATE | NLM_F.REPLACE, seq++, table, dst, oif)
              : routeRequest(RTM.DELROUTE, 0, seq++, table, dst);
        const errno = await call(socket, message, task);
        if (errno === 0) count.writes += 1;
        else if (!(op === 0 && errno === Errno.EEXIST) && !(op === 2 && errno === Errno.ESRCH))
          violations.push(
            `writer${id}: ${['add', 'replace', 'delete'][op]} in table ${table} failed with errno ${errno}`,
          );
      }
      socket.close();
    };

    const listener = async (theFib: FibNet, id: number) => {
      await pause(8);
      const who = `listener${id}`;
      const mirror = new Map<string, string>();
      /** At the instant the replay was judged consistent: what it replayed, and the FIB. */
      let check: { replay: string; state: string; historyIndex: number } | undefined;
      const startIndex = history.length - 1;
      let unregister: (() => void) | undefined;
      try {
        unregister = await registerFibNotifier(theFib, {
          async event(event, route) {
            const line = aliasLine(route.dst, route.dstLen, route.alias);
            if (event === 'ENTRY_DEL') {
              if (mirror.get(keyOf(line)) === line) mirror.delete(keyOf(line));
            } else mirror.set(keyOf(line), line);
            // Replaying: give way now and then, so writers run in the middle of the walk.
            if (!check && random.int(REPLAY_YIELD_EVERY) === 0) await clock.sleep(random.int(2));
          },
          dumpConsistent() {
            count.replays += 1;
            check = { replay: stateOf(mirror.values()), state: fibState(theFib), historyIndex: history.length - 1 };
          },
          flush() {
            count.replays += 1;
            count.retries += 1;
            if (theFib.seq.writing) count.retriesMidWrite += 1;
            mirror.clear();
          },
        });
      } catch (error) {
        if (error instanceof ErrnoError && error.errno === Errno.EBUSY) count.busy += 1;
        else violations.push(`${who}: register_fib_notifier threw ${String(error)}`);
        return;
      }
      count.registrations += 1;
      if (!check) {
        violations.push(`${who}: registered, but its replay was never judged consistent`);
        return;
      }
      const replay = check.replay;
      if (replay !== check.state)
        violations.push(
          `${who}: a replay judged consistent, against the FIB at that instant, ${difference(replay, check.state)}`,
        );
      if (!history.slice(startIndex, check.historyIndex + 1).includes(replay))
        violations.push(`${who}: replay judged consistent equals no state the FIB held meanwhile`);
      // Hear events until the writers are done, then compare the mirror with the FIB.
      while (!writersDone) await clock.sleep(5);
      const mirrored = stateOf(mirror.values());
      const now = fibState(theFib);
      if (mirrored !== now) violations.push(`${who}: mirror after the workload ${difference(mirrored, now)}`);
      unregister();
    };

    const dumper = async (id: number) => {
      const task = new Task(`dumper${id}`);
      const socket = rtnl.socket({ name: `dumper${id}` });
      for (let k = 0; k < 2; k += 1) {
        await pause(6);
        const requestSeq = seq++;
        const b = new NlMsgBuilder(RTM.GETROUTE, NLM_F.REQUEST | NLM_F.DUMP, requestSeq, 0);
        b.bytes(
          encodeRtMsg({ family: AF.INET, dstLen: 0, tos: 0, table: 0, protocol: 0, scope: 0, type: 0, flags: 0 }),
        );
        const from = history.length - 1;
        await socket.send(b.finish().slice(), { task });
        let intr = false;
        let datagrams = 0;
        const seen: string[] = [];
        for (let done = false; !done; ) {
          const datagram = await socket.recv();
          datagrams += 1;
          for (const m of decodeDatagram(datagram)) {
            if (m.header.seq !== requestSeq) continue;
            if (m.header.flags & NLM_F.DUMP_INTR) intr = true;
            if (m.header.type === NLMSG.DONE || m.header.type === NLMSG.ERROR) {
              if ((m.doneErrno ?? m.errno ?? 0) !== 0)
                violations.push(`dumper${id}: dump ended with errno ${m.doneErrno ?? m.errno}`);
              done = true;
            } else if (m.header.type === RTM.NEWROUTE) seen.push(dumpedLine(m.bytes));
          }
          if (!done) await pause(4);
        }
        count.dumps += 1;
        count.dumpDatagrams += datagrams;
        if (intr) count.interruptedDumps += 1;
        if (intr && honourIntr) continue;
        const dumped = stateOf(seen);
        const held = history.slice(from);
        if (!held.includes(dumped))
          violations.push(
            `dumper${id}: a dump in ${datagrams} datagrams, ${intr ? 'flagged DUMP_INTR (ignored)' : 'not flagged DUMP_INTR'}, equals no state the FIB held meanwhile (against the last: ${difference(dumped, held.at(-1) ?? '')})`,
          );
      }
      socket.close();
    };

    try {
      await clock.run(
        async () => {
          const theFib = await setup(new Task('setup'));
          const writers = Promise.all(Array.from({ length: WRITERS }, (_, i) => writer(i))).then(() => {
            writersDone = true;
          });
          await Promise.all([
            writers,
            ...Array.from({ length: LISTENERS }, (_, i) => listener(theFib, i)),
            ...Array.from({ length: DUMPERS }, (_, i) => dumper(i)),
          ]);
        },
        { timeLimit: TIME_LIMIT_MS },
      );
    } catch (error) {
      violations.push(`run failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
    if (fib && history.at(-1) !== fibState(fib)) violations.push('the history missed a change');
    for (const report of env.lockdep?.reports ?? []) violations.push(`lockdep: ${report.title}`);
    for (const fault of rtnl.faults)
      violations.push(`handler fault: ${fault instanceof Error ? fault.message.split('\n')[0] : String(fault)}`);
    count.events = clock.eventsFired;
    stats?.(seed, count);
    return violations;
  };
}
