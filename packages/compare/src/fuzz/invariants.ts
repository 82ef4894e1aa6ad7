/**
 * What must hold once a request is done: no lock still held by the task that sent it (nor
 * reported by lockdep or refused by an ordered strategy), every lock class free, and the tables
 * consistent: the link table's name and index maps agree, every address and every route nexthop
 * refers to a registered device, no refcount is negative, and dumps agree with lookups.
 */
import {
  AF,
  encodeIfAddrMsg,
  encodeIfInfoMsg,
  encodeRtMsg,
  IFA,
  IFLA,
  LockTimeoutError,
  NLM_F,
  NLMSG,
  NlMsgBuilder,
  RTA,
  RTM,
  Task,
  walkAttrs,
} from '@rtnlkit/core';
import { readUntilDone } from '@rtnlkit/core/testing';
import { fibNet, inDevGet, linkTable } from '@rtnlkit/subsystems';
import type { FuzzWorld } from './world';

interface HeldLockView {
  readonly name: string;
}
/** Ordered strategies (finegrained) say which classes a task holds and which acquisitions they refused. */
interface InspectableStrategy {
  heldBy?(task: Task): readonly HeldLockView[];
  readonly violations?: readonly { title: string }[];
}

/** Counts of what was already reported, so that each check names only what is new. */
export interface LockBaseline {
  lockdepReports: number;
  strategyViolations: number;
}

export function lockBaseline(world: FuzzWorld): LockBaseline {
  return {
    lockdepReports: world.env.lockdep?.reports.length ?? 0,
    strategyViolations: (world.rtnl.strategy as InspectableStrategy).violations?.length ?? 0,
  };
}

/** No lock held by `task` once its request is done; no new lockdep report or refused acquisition. */
export function checkLocks(world: FuzzWorld, task: Task, baseline: LockBaseline): string[] {
  const problems: string[] = [];
  if (task.held.length > 0) problems.push(`${task} still holds ${task.held.map((h) => h.lock.name).join(', ')}`);
  const strategy = world.rtnl.strategy as InspectableStrategy;
  const held = strategy.heldBy?.(task) ?? [];
  if (held.length > 0) problems.push(`${world.strategy} says ${task} holds ${held.map((h) => h.name).join(', ')}`);
  const reports = world.env.lockdep?.reports ?? [];
  for (const report of reports.slice(baseline.lockdepReports)) problems.push(`lockdep: ${report.title}`);
  baseline.lockdepReports = reports.length;
  const violations = strategy.violations ?? [];
  for (const v of violations.slice(baseline.strategyViolations)) problems.push(`${world.strategy}: ${v.title}`);
  baseline.strategyViolations = violations.length;
  return problems;
}

/**
 * Every lock class can be taken by a fresh task: a lock left held by some other task (a dump
 * pass, deferred work) shows as a timeout here. Runs on the world's clock.
 */
export async function checkLocksFree(world: FuzzWorld): Promise<string[]> {
  const problems: string[] = [];
  const probe = new Task('fuzz-lock-probe');
  for (const decl of world.rtnl.lockClasses()) {
    try {
      await world.rtnl.strategy.lock(decl.name, world.rtnl.initNet).run(probe, () => undefined, { timeout: 60_000 });
    } catch (error) {
      if (error instanceof LockTimeoutError) problems.push(`lock class ${decl.name} is held with no request running`);
      else throw error;
    }
  }
  return problems;
}

/**
 * The link, address and route tables agree with themselves and with each other. `seen` collects
 * every name and ifindex a device ever had, so that a name or index left behind in a lookup map
 * after its device went (or was renamed) is found too.
 */
export function checkState(world: FuzzWorld, seen: { names: Set<string>; indexes: Set<number> }): string[] {
  const problems: string[] = [];
  const net = world.rtnl.initNet;
  const table = linkTable(net);
  const devices = table.devices();
  for (const dev of devices) {
    seen.names.add(dev.name);
    seen.indexes.add(dev.ifindex);
  }
  for (const name of seen.names) {
    const dev = table.getByName(name);
    if (dev && (dev.name !== name || table.getByIndex(dev.ifindex) !== dev))
      problems.push(`name ${name} finds ${dev.name}(${dev.ifindex}), which is not listed under it`);
  }
  for (const ifindex of seen.indexes) {
    const dev = table.getByIndex(ifindex);
    if (dev && (dev.ifindex !== ifindex || table.getByName(dev.name) !== dev))
      problems.push(`ifindex ${ifindex} finds ${dev.name}(${dev.ifindex}), which is not listed under it`);
  }
  if (devices.length !== table.size)
    problems.push(`link table lists ${devices.length} devices but holds ${table.size}`);
  const registered = new Set(devices);
  for (const dev of devices) {
    if (table.getByIndex(dev.ifindex) !== dev) problems.push(`${dev.name}: index ${dev.ifindex} finds another device`);
    if (table.getByName(dev.name) !== dev) problems.push(`${dev.name}(${dev.ifindex}): its name finds another device`);
    if (dev.regState !== 'registered') problems.push(`${dev.name}(${dev.ifindex}) is listed while ${dev.regState}`);
    if (dev.refcnt.count < 0) problems.push(`${dev.name}(${dev.ifindex}) refcount ${dev.refcnt.count}`);
    for (const ifa of inDevGet(dev)?.ifaList ?? [])
      if (ifa.dev !== dev) problems.push(`address ${ifa.local} listed on ${dev.name} belongs to ${ifa.dev.name}`);
  }
  // Every live fib_info, which every route's nexthops hang off; the walk over every route is in checkRoutes.
  for (const info of fibNet(net).infos.values()) {
    // fib_info_hash holds an info only while an alias uses it (fib_release_info unhashes it at 0).
    if (info.refs <= 0) problems.push(`fib_info ${info.hashKey} is in the info cache with refs ${info.refs}`);
    for (const nh of info.nhs)
      if (nh.dev && !registered.has(nh.dev))
        problems.push(`fib_info ${info.hashKey}: nexthop device ${nh.dev.name}(${nh.oif}) is ${nh.dev.regState}`);
  }
  return problems;
}

/** Every route in every table: its fib_info is alive and its nexthops' devices are registered. */
export function checkRoutes(world: FuzzWorld): string[] {
  const problems: string[] = [];
  const net = world.rtnl.initNet;
  const registered = new Set(linkTable(net).devices());
  for (const t of fibNet(net).tablesInOrder())
    for (const route of t.routes()) {
      const info = route.alias.info;
      if (info.dead || info.refs <= 0)
        problems.push(`table ${t.id} route ${route.dst}/${route.dstLen}: fib_info dead or refs ${info.refs}`);
      for (const nh of info.nhs)
        if (nh.dev && !registered.has(nh.dev))
          problems.push(
            `table ${t.id} route ${route.dst}/${route.dstLen}: nexthop device ${nh.dev.name}(${nh.oif}) is ${nh.dev.regState}`,
          );
    }
  return problems;
}

const u32At = (data: Uint8Array) => new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0, true);

/** Sends a dump request on a fresh admin socket and returns every message of the answer (DONE excluded). */
async function dump(world: FuzzWorld, request: Uint8Array, task: Task): Promise<Uint8Array[]> {
  const socket = world.rtnl.socket({ admin: true });
  try {
    await socket.send(request, { task });
    const out: Uint8Array[] = [];
    for (const datagram of await readUntilDone(socket))
      for (const m of datagram) if (m.header.type !== NLMSG.DONE && m.header.type !== NLMSG.ERROR) out.push(m.bytes);
    return out;
  } finally {
    socket.close();
  }
}

const sorted = (items: Iterable<string>) => [...items].sort();
function compareSets(what: string, fromDump: string[], fromTables: string[]): string[] {
  const a = sorted(fromDump).join(' ');
  const b = sorted(fromTables).join(' ');
  return a === b ? [] : [`${what} dump says [${a}] but the tables say [${b}]`];
}

/** A link, an address and a route dump each list exactly what the tables hold. Runs on the world's clock. */
export async function checkDumpsAgree(world: FuzzWorld): Promise<string[]> {
  const task = new Task('fuzz-dump-check');
  const net = world.rtnl.initNet;
  const DUMP = NLM_F.REQUEST | NLM_F.DUMP;
  const links = await dump(
    world,
    new NlMsgBuilder(RTM.GETLINK, DUMP, 1, 0).bytes(encodeIfInfoMsg({ family: AF.UNSPEC })).finish(),
    task,
  );
  const linkKeys = links.map((m) => {
    const index = new DataView(m.buffer, m.byteOffset).getInt32(20, true);
    const name = walkAttrs(m, 32, m.length).attrs.find((a) => a.type === IFLA.IFNAME);
    return `${index}:${name ? Buffer.from(name.data.subarray(0, name.data.indexOf(0))).toString() : '?'}`;
  });
  const devices = linkTable(net).devices();
  const problems = compareSets(
    'link',
    linkKeys,
    devices.map((d) => `${d.ifindex}:${d.name}`),
  );

  const addrs = await dump(
    world,
    new NlMsgBuilder(RTM.GETADDR, DUMP, 2, 0).bytes(encodeIfAddrMsg({ family: AF.INET })).finish(),
    task,
  );
  const addrKeys = addrs.map((m) => {
    const index = new DataView(m.buffer, m.byteOffset).getUint32(20, true);
    const local = walkAttrs(m, 24, m.length).attrs.find((a) => a.type === IFA.LOCAL);
    return `${index}:${local ? Array.from(local.data).join('.') : '?'}/${m[17]}`;
  });
  const addrTable = devices.flatMap((d) =>
    (inDevGet(d)?.ifaList ?? []).map(
      (ifa) =>
        `${d.ifindex}:${ifa.local >>> 24}.${(ifa.local >>> 16) & 255}.${(ifa.local >>> 8) & 255}.${ifa.local & 255}/${ifa.prefixlen}`,
    ),
  );
  problems.push(...compareSets('address', addrKeys, addrTable));

  const routes = await dump(
    world,
    new NlMsgBuilder(RTM.GETROUTE, DUMP, 3, 0).bytes(encodeRtMsg({ family: AF.INET })).finish(),
    task,
  );
  const routeKeys = routes.map((m) => {
    const attrs = walkAttrs(m, 28, m.length).attrs;
    const tableAttr = attrs.find((a) => a.type === RTA.TABLE);
    const dst = attrs.find((a) => a.type === RTA.DST);
    const table = tableAttr ? u32At(tableAttr.data) : (m[20] as number);
    return `${table}:${dst ? Array.from(dst.data).join('.') : '0.0.0.0'}/${m[17]}`;
  });
  const routeTable = fibNet(net)
    .tablesInOrder()
    .flatMap((t) =>
      t
        .routes()
        .map(
          (r) => `${t.id}:${r.dst >>> 24}.${(r.dst >>> 16) & 255}.${(r.dst >>> 8) & 255}.${r.dst & 255}/${r.dstLen}`,
        ),
    );
  problems.push(...compareSets('route', routeKeys, routeTable));
  return problems;
}
