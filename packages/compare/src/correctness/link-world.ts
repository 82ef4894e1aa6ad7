/**
 * A link workload for the schedule explorer (`exploreSchedules` of @rtnlkit/core/testing): one
 * rtnetlink instance with the link subsystem and a test kind `xlink` (devices made like ifb), a
 * second namespace, devices of the test kind and of `ifb` in both, and, all at once on a seeded
 * virtual clock: renamers (RTM_SETLINK IFLA_IFNAME), lockless name readers (`netdev_get_name()`),
 * link dumpers (RTM_GETLINK dumps read a buffer at a time with sleeps in between), a deleter
 * (RTM_DELLINK), creators of the test kind racing its unregistration (RTM_NEWLINK), a holder of
 * a device reference put later, and one `rtnl_link_unregister()` of the test kind.
 *
 * After each seed (and during it, where the moment matters) it checks:
 * - no torn name: every name a reader or a dump saw is a name that device really had;
 * - dump consistency: a dump not flagged NLM_F_DUMP_INTR holds every device listed in its
 *   namespace from before its request to after its NLMSG_DONE;
 * - no use of the kind after `unregister()` resolved (its `setup` is not called), and no device
 *   of the kind left in any namespace then;
 * - no leaked reference: every unlisted device reached `unregistered` with no holder left,
 *   `dev_unreg_count` is 0, every listed one holds only its registration's reference;
 * - no lockdep report, no deadlock or stall (the virtual clock's), no handler fault.
 *
 * The options break one piece at a time (in the test world only, never in the subsystem), so
 * tests can show each check catching what it is there for.
 */
import {
  AF,
  CostModel,
  type DumpCallback,
  decodeIfInfoMsg,
  Errno,
  IFF,
  IFINFOMSG_LEN,
  IFLA,
  IFLA_INFO,
  LockEnv,
  type LockStrategy,
  type Net,
  type NetlinkSocket,
  NLM_F,
  NLMSG,
  NLMSG_HDRLEN,
  NlMsgBuilder,
  NOTIFY_DONE,
  nla,
  RTM,
  Rtnetlink,
  runTask,
  SeededRandom,
  Task,
  VirtualClock,
  walkAttrs,
} from '@rtnlkit/core';
import { call, decodeDatagram } from '@rtnlkit/core/testing';
import {
  fillIfinfo,
  ifbLinkOps,
  linkKinds,
  linkSubsystem,
  linkTable,
  NETDEV,
  NetDevice,
  netdevGetName,
  netdevTodo,
  netnsOf,
  type RtnlLinkOps,
  readNameUnlocked,
  registerNetdevice,
  registerNetdeviceNotifier,
  rtnlNewlink,
  rtnlNewlinkPrepare,
} from '@rtnlkit/subsystems';

/** The test kind's name (IFLA_INFO_KIND). */
export const TEST_KIND = 'xlink';

export interface LinkExploreOptions {
  /**
   * How lockless readers read a name: `copy` is `netdev_get_name()` (the seqlock's retry loop),
   * `unlocked` reads the bytes as they are (`readNameUnlocked`), which a rename can tear.
   */
  nameReader?: 'copy' | 'unlocked';
  /**
   * The RTM_GETLINK dumpit: `real` is `rtnl_dump_ifinfo()`; `by-position` resumes at the n-th
   * listed device (the pre-xarray kernels' `s_idx`) without setting `cb->seq`, so a deletion
   * between passes makes it skip a device unflagged; `by-position-checked` does the same and
   * sets `cb->seq = dev_base_seq` + `nl_dump_check_consistent()`, so such a pass is flagged.
   */
  dump?: 'real' | 'by-position' | 'by-position-checked';
  /** The dump check honours NLM_F_DUMP_INTR (default true; false shows why the flag matters). */
  honourDumpIntr?: boolean;
  /**
   * RTM_NEWLINK keeps the kind pinned by SRCU until it is done (default true, the real
   * `rtnlNewlinkPrepare`); false drops the pin right after the lookup, as a `rtnl_link_ops_get()`
   * without SRCU would.
   */
  pinKind?: boolean;
  /** The reference holders never put their reference (a leak the check must name). */
  leak?: boolean;
}

/** What one seed observed, for tests that want more than the violations. */
export interface LinkExploreStats {
  renames: number;
  reads: number;
  dumps: number;
  interruptedDumps: number;
  /** Datagrams the dumps took (each pass one, NLMSG_DONE alone in the last). */
  dumpDatagrams: number;
  created: number;
  refusedCreates: number;
  deleted: number;
  /** Timers the virtual clock fired (each one a turn of the schedule) and the virtual ms it took. */
  events: number;
  virtualMs: number;
}

/** Virtual time after which a run is a stall (a reference never put keeps the unregister waiting). */
const TIME_LIMIT_MS = 5_000;
/** Devices besides lo per namespace at the start: with lo, 19 messages of 212 bytes, 2 passes of 3776. */
const DEVICES_PER_NET = 18;
/** Renamers and lockless readers work on the first few devices of a namespace. */
const HOT_DEVICES = 3;
/** RTM_NEWLINK's unlocked stage lasts 0 to PREPARE_MS - 1 ms after the kind's lookup. */
const PREPARE_MS = 8;
/** A reference holder keeps its device 5 to 5 + HOLD_MS - 1 ms. */
const HOLD_MS = 60;

interface DumpObservation {
  who: string;
  net: Net;
  intr: boolean;
  datagrams: number;
  seen: Map<number, string>;
  before: Set<NetDevice>;
  after: Set<NetDevice>;
}

/** A link request with an ifinfomsg; NLM_F_REQUEST | NLM_F_ACK | `flags`. */
function request(type: number, flags: number, seq: number, index: number, attrs?: (b: NlMsgBuilder) => void) {
  const b = new NlMsgBuilder(type, NLM_F.REQUEST | NLM_F.ACK | flags, seq, 0);
  const ifm = new Uint8Array(IFINFOMSG_LEN);
  new DataView(ifm.buffer).setInt32(4, index, true);
  b.bytes(ifm);
  attrs?.(b);
  return b.finish().slice();
}

/** The ifindex and IFLA_IFNAME of an RTM_NEWLINK message. */
function ifindexAndName(bytes: Uint8Array): [number, string] {
  const index = decodeIfInfoMsg(bytes, NLMSG_HDRLEN).index;
  const start = NLMSG_HDRLEN + IFINFOMSG_LEN;
  const ifname = walkAttrs(bytes, start, bytes.length).attrs.find((a) => a.type === IFLA.IFNAME);
  return [index, ifname ? nla.string(ifname) : ''];
}

/**
 * The dump of kernels before the xarray walk: resumes at the n-th listed device, so a device
 * unlisted before the cursor between passes makes it skip the next one.
 */
function dumpByPosition(checked: boolean) {
  return (cb: DumpCallback): boolean => {
    const table = linkTable(cb.net);
    const devices = table.devices();
    let at = cb.cursor.position ?? 0;
    let more = false;
    for (; at < devices.length; at += 1) {
      const dev = devices[at] as NetDevice;
      const message = fillIfinfo(dev, {
        type: RTM.NEWLINK,
        flags: NLM_F.MULTI,
        seq: cb.header.seq,
        portId: cb.socket.portId,
      });
      if (!cb.put(message)) {
        more = true;
        break;
      }
    }
    cb.cursor.position = at;
    if (checked) {
      cb.seq = table.devBaseSeq;
      cb.checkConsistent();
    }
    return more;
  };
}

/** A name of `tag` whose two halves (bytes 0–7 and 8–) both carry the tag, so a torn copy shows. */
const nameOf = (tag: string) => `${tag}-link-${tag}`;

/**
 * `run(seed)` for `exploreSchedules`: builds the world under a fresh strategy from `make`, runs the
 * workload and returns the invariants it broke. `stats`, when given, receives what the seed did.
 */
export function linkExploreWorkload(
  make: () => LockStrategy,
  options: LinkExploreOptions = {},
  stats?: (seed: number, stats: LinkExploreStats) => void,
): (seed: number) => Promise<string[]> {
  const honourIntr = options.honourDumpIntr ?? true;
  const pinKind = options.pinKind ?? true;
  return async (seed) => {
    const clock = new VirtualClock({ seed });
    const costs = new CostModel(
      {
        'rcu.gracePeriod': { ms: 3 },
        'rcu.expedited': { ms: 1 },
        'netdev.unregisterReport': { ms: 25 },
      },
      seed,
    );
    const env = new LockEnv({ clock, lockdep: true });
    const rtnl = new Rtnetlink({ strategy: make(), env, costs });
    const random = new SeededRandom(seed ^ 0x5eed);
    const pause = (max = 3) => clock.sleep(random.int(max));
    const violations: string[] = [];
    const count: LinkExploreStats = {
      renames: 0,
      reads: 0,
      dumps: 0,
      interruptedDumps: 0,
      dumpDatagrams: 0,
      created: 0,
      refusedCreates: 0,
      deleted: 0,
      events: 0,
      virtualMs: 0,
    };
    let seq = 1;
    /**
     * A device as `ifb_setup()` makes it, with an address drawn from the seed (`randomEtherAddr()`
     * asks the system's generator, which is slow and would make a seed's run differ).
     */
    const ifbLike = (name: string, kind: string) => {
      const address = Uint8Array.from({ length: 6 }, () => random.int(256));
      address[0] = ((address[0] ?? 0) & 0xfe) | 0x02;
      return new NetDevice({
        name,
        kind,
        flags: IFF.BROADCAST | IFF.NO_ARP,
        txqlen: 32,
        address,
        minMtu: 0,
        maxMtu: 0,
      });
    };

    // Every device ever registered, with every name it had (registration and each rename).
    const names = new Map<NetDevice, Set<string>>();
    const devices: NetDevice[] = [];
    let kindUnregistered = false;
    const xlink: RtnlLinkOps = {
      kind: TEST_KIND,
      setup(name) {
        if (kindUnregistered)
          violations.push(`${TEST_KIND}: setup(${name}) called after rtnl_link_unregister returned`);
        return ifbLike(name, TEST_KIND);
      },
    };
    const readings: { who: string; net: Net; ifindex: number; name: string }[] = [];
    const dumps: DumpObservation[] = [];

    const setup = async () => {
      await rtnl.install(linkSubsystem());
      linkKinds(rtnl).register(xlink);
      registerNetdeviceNotifier(rtnl, (event, info) => {
        if (event === NETDEV.REGISTER) {
          devices.push(info.dev);
          names.set(info.dev, new Set([info.dev.name]));
        } else if (event === NETDEV.CHANGENAME) names.get(info.dev)?.add(info.dev.name);
        return NOTIFY_DONE;
      });
      for (const dev of linkTable(rtnl.initNet).devices()) {
        devices.push(dev);
        names.set(dev, new Set([dev.name]));
      }
      if (options.dump && options.dump !== 'real') {
        const real = rtnl.handlers.get(AF.UNSPEC, RTM.GETLINK);
        rtnl.handlers.unregister(AF.UNSPEC, RTM.GETLINK);
        rtnl.handlers.register({
          family: AF.UNSPEC,
          type: RTM.GETLINK,
          ...(real?.doit && { doit: real.doit }),
          dumpit: dumpByPosition(options.dump === 'by-position-checked'),
          flags: real?.flags ?? 0,
          locks: ['rtnl'],
          name: 'dump_by_position',
        });
      }
      // RTM_NEWLINK's unlocked stage takes a while after the kind's lookup (the kernel may load a
      // module, parse and allocate there): the real prepare, then a sleep, then the real doit.
      const newlink = rtnl.handlers.get(AF.UNSPEC, RTM.NEWLINK);
      rtnl.handlers.unregister(AF.UNSPEC, RTM.NEWLINK);
      rtnl.handlers.register({
        family: AF.UNSPEC,
        type: RTM.NEWLINK,
        async prepare(req) {
          const prepared = await rtnlNewlinkPrepare(req);
          if (!pinKind) prepared?.release?.(); // the bug: the kind is used after this
          await clock.sleep(random.int(PREPARE_MS));
          return pinKind ? prepared : prepared && { data: prepared.data };
        },
        doit: rtnlNewlink,
        flags: newlink?.flags ?? 0,
        locks: newlink?.locks ?? ['rtnl'],
        name: pinKind ? 'rtnl_newlink' : 'rtnl_newlink_unpinned',
      });
      const blue = await runTask('ip-netns-add', (task) => netnsOf(rtnl).create('blue', task));
      const nets = [rtnl.initNet, blue];
      // A driver's probe, not a race: the devices are registered directly under each RTNL, enough
      // of them (DEVICES_PER_NET, alternately of the test kind and ifb) that a dump takes passes.
      for (const [n, net] of nets.entries()) {
        const task = new Task(`setup${n}`);
        await rtnl.strategy.lock('rtnl', net).run(task, async () => {
          for (let i = 0; i < DEVICES_PER_NET; i += 1) {
            const ops = i % 2 === 0 ? xlink : ifbLinkOps;
            const dev = ifbLike(`${'xb'[n]}${ops === xlink ? 'x' : 'i'}${i}`, ops.kind);
            dev.rtnlLinkOps = ops;
            await registerNetdevice(rtnl, net, dev);
          }
        });
      }
      return nets;
    };

    /**
     * A random listed device other than lo, in a random namespace (at this instant); `hot`: among
     * the first HOT_DEVICES only, so renames and lockless reads meet on the same devices.
     */
    const pick = (nets: readonly Net[], hot = false): NetDevice | undefined => {
      const net = nets[random.int(nets.length)] as Net;
      const candidates = linkTable(net)
        .devices()
        .filter((d) => d.ifindex !== 1);
      return candidates[random.int(hot ? Math.min(HOT_DEVICES, candidates.length) : candidates.length)];
    };

    const renamer = async (nets: readonly Net[], id: number) => {
      const task = new Task(`renamer${id}`);
      const sockets = nets.map((net) => rtnl.socket({ admin: true, net, name: `renamer${id}` }));
      for (let k = 0; k < 2; k += 1) {
        await pause();
        const dev = pick(nets, true);
        if (!dev?.net) continue;
        const socket = sockets[nets.indexOf(dev.net)] as NetlinkSocket;
        const name = nameOf(`${'rs'[id]}${k}${random.int(10)}`);
        const errno = await call(
          socket,
          request(RTM.SETLINK, 0, seq++, dev.ifindex, (b) => b.string(IFLA.IFNAME, name)),
          task,
        );
        if (errno === 0) count.renames += 1;
        else if (errno !== Errno.ENODEV && errno !== Errno.EEXIST)
          violations.push(`renamer${id}: renaming ${dev} to ${name} failed with errno ${errno}`);
      }
    };

    const reader = async (nets: readonly Net[], id: number) => {
      const task = new Task(`reader${id}`);
      for (let k = 0; k < 8; k += 1) {
        await pause(2);
        const dev = pick(nets, true);
        if (!dev?.net) continue;
        const net = dev.net;
        const ifindex = dev.ifindex;
        const name =
          options.nameReader === 'unlocked'
            ? await rtnl.rcu.read(task, () => {
                const found = linkTable(net).getByIndex(ifindex);
                return found ? readNameUnlocked(found) : undefined;
              })
            : await netdevGetName(rtnl, task, net, ifindex);
        if (name !== undefined) {
          readings.push({ who: `reader${id}`, net, ifindex, name });
          count.reads += 1;
        }
      }
    };

    const dumper = async (net: Net, id: number) => {
      const task = new Task(`dumper${id}`);
      const socket = rtnl.socket({ net, name: `dumper${id}` });
      for (let k = 0; k < 2; k += 1) {
        await pause();
        const listed = () => new Set(linkTable(net).devices());
        const before = listed();
        const requestSeq = seq++;
        const b = new NlMsgBuilder(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, requestSeq, 0);
        b.bytes(new Uint8Array(IFINFOMSG_LEN));
        await socket.send(b.finish().slice(), { task });
        const observation: DumpObservation = {
          who: `dumper${id}`,
          net,
          intr: false,
          datagrams: 0,
          seen: new Map(),
          before,
          after: before,
        };
        for (let done = false; !done; ) {
          const datagram = await socket.recv({ bufferSize: 1024 });
          observation.datagrams += 1;
          for (const m of decodeDatagram(datagram)) {
            if (m.header.seq !== requestSeq) continue;
            if (m.header.flags & NLM_F.DUMP_INTR) observation.intr = true;
            if (m.header.type === NLMSG.DONE || m.header.type === NLMSG.ERROR) {
              if ((m.doneErrno ?? m.errno ?? 0) !== 0)
                violations.push(`dumper${id}: dump ended with errno ${m.doneErrno ?? m.errno}`);
              done = true;
            } else if (m.header.type === RTM.NEWLINK) {
              const [ifindex, name] = ifindexAndName(m.bytes);
              observation.seen.set(ifindex, name);
            }
          }
          if (!done) await pause(4);
        }
        observation.after = listed();
        dumps.push(observation);
        count.dumps += 1;
        count.dumpDatagrams += observation.datagrams;
        if (observation.intr) count.interruptedDumps += 1;
      }
      socket.close();
    };

    const deleter = async (nets: readonly Net[]) => {
      const task = new Task('deleter');
      const sockets = nets.map((net) => rtnl.socket({ admin: true, net, name: 'deleter' }));
      for (let k = 0; k < 2; k += 1) {
        await pause(6);
        const dev = pick(nets);
        if (!dev?.net) continue;
        const socket = sockets[nets.indexOf(dev.net)] as NetlinkSocket;
        const errno = await call(socket, request(RTM.DELLINK, 0, seq++, dev.ifindex), task);
        if (errno === 0) count.deleted += 1;
        else if (errno !== Errno.ENODEV) violations.push(`deleter: deleting ${dev} failed with errno ${errno}`);
      }
    };

    const creator = async (net: Net, id: number) => {
      const task = new Task(`creator${id}`);
      const socket = rtnl.socket({ admin: true, net, name: `creator${id}` });
      for (let k = 0; k < 3; k += 1) {
        await pause(5);
        const errno = await call(
          socket,
          request(RTM.NEWLINK, NLM_F.CREATE | NLM_F.EXCL, seq++, 0, (b) => {
            b.string(IFLA.IFNAME, `c${id}${k}`);
            b.nest(IFLA.LINKINFO, (i) => i.string(IFLA_INFO.KIND, TEST_KIND));
          }),
          task,
        );
        if (errno === 0) count.created += 1;
        else if (errno === Errno.EOPNOTSUPP) count.refusedCreates += 1;
        else violations.push(`creator${id}: creating c${id}${k} failed with errno ${errno}`);
      }
    };

    /** Another subsystem (a cached route) holds a device for a while, which delays its free (two of these run). */
    const holder = async (nets: readonly Net[]) => {
      await pause();
      const dev = pick(nets);
      if (!dev) return;
      const ref = dev.refcnt.hold('dst_cache');
      if (options.leak) return; // the bug: no netdev_put()
      await clock.sleep(5 + random.int(HOLD_MS));
      dev.refcnt.put(ref);
    };

    const unregistrar = async () => {
      await pause(8);
      await linkKinds(rtnl).unregister(xlink);
      kindUnregistered = true;
      for (const net of netnsOf(rtnl).nets) {
        for (const dev of linkTable(net).devices())
          if (dev.kind === TEST_KIND || dev.rtnlLinkOps === xlink)
            violations.push(`${TEST_KIND}: ${dev} still listed in ${net} after rtnl_link_unregister returned`);
      }
      // Nor half freed: the kind's code (its destructor) would run after its module is gone.
      for (const dev of devices)
        if ((dev.kind === TEST_KIND || dev.rtnlLinkOps === xlink) && dev.regState === 'unregistering')
          violations.push(`${TEST_KIND}: ${dev} not yet freed when rtnl_link_unregister returned`);
    };

    try {
      await clock.run(
        async () => {
          const nets = await setup();
          const [init, blue] = nets as [Net, Net];
          await Promise.all([
            renamer(nets, 0),
            renamer(nets, 1),
            reader(nets, 0),
            reader(nets, 1),
            dumper(init, 0),
            dumper(blue, 1),
            deleter(nets),
            creator(init, 0),
            creator(blue, 1),
            holder(nets),
            holder(nets),
            unregistrar(),
          ]);
        },
        { timeLimit: TIME_LIMIT_MS },
      );
    } catch (error) {
      violations.push(`run failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }

    // Names: every name read or dumped is one the device at that ifindex of that namespace had.
    const namesAt = (net: Net, ifindex: number): Set<string> => {
      const all = new Set<string>();
      for (const dev of devices)
        if (dev.net === net && dev.ifindex === ifindex) for (const name of names.get(dev) ?? []) all.add(name);
      return all;
    };
    for (const r of readings) {
      if (!namesAt(r.net, r.ifindex).has(r.name))
        violations.push(`${r.who}: torn name "${r.name}" of ifindex ${r.ifindex} in ${r.net}`);
    }
    // Dumps: the names are real, and a dump not flagged DUMP_INTR misses no device listed throughout.
    for (const d of dumps) {
      for (const [ifindex, name] of d.seen)
        if (!namesAt(d.net, ifindex).has(name))
          violations.push(`${d.who}: torn name "${name}" of ifindex ${ifindex} in a dump`);
      if (d.intr && honourIntr) continue;
      for (const dev of d.before) {
        if (d.after.has(dev) && !d.seen.has(dev.ifindex))
          violations.push(
            `${d.who}: a dump of ${d.net} in ${d.datagrams} datagrams, ${d.intr ? 'flagged DUMP_INTR (ignored)' : 'not flagged DUMP_INTR'}, missed ${names.get(dev)?.values().next().value}(${dev.ifindex}), listed throughout`,
          );
      }
    }
    // The kind: gone everywhere.
    if (!kindUnregistered && violations.length === 0)
      violations.push(`${TEST_KIND}: the unregistration never returned`);
    if (linkKinds(rtnl).get(TEST_KIND)) violations.push(`${TEST_KIND}: still registered`);
    // References: every unlisted device freed, every listed one held by its registration only.
    for (const dev of devices) {
      const holders = [...dev.refcnt.holders()].map(([h, n]) => `${h}×${n}`).join(', ');
      if (dev.regState === 'registered') {
        if (dev.refcnt.count !== 1) violations.push(`leaked reference: listed ${dev} held by ${holders}`);
      } else if (dev.regState !== 'unregistered') {
        violations.push(`leaked reference: ${dev} stuck ${dev.regState}, held by ${holders || 'nobody'}`);
      } else if (dev.refcnt.count !== 0) {
        violations.push(`leaked reference: ${dev} freed while held by ${holders}`);
      }
    }
    const unreg = netdevTodo(rtnl).count;
    if (unreg !== 0) violations.push(`leaked reference: dev_unreg_count is ${unreg} at the end`);
    for (const report of env.lockdep?.reports ?? []) violations.push(`lockdep: ${report.title}`);
    for (const fault of rtnl.faults)
      violations.push(`handler fault: ${fault instanceof Error ? fault.message.split('\n')[0] : String(fault)}`);
    count.events = clock.eventsFired;
    count.virtualMs = clock.now();
    stats?.(seed, count);
    return violations;
  };
}
