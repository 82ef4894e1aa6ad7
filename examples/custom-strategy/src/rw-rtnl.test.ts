/**
 * The reader-writer RTNL through the strategy test kit, what it buys over a global RTNL (readers
 * overlap), what it does not (a writer, slow or not, excludes every reader), and real subsystems
 * (link, devinet, FIB) under it.
 */
import {
  AF,
  CostModel,
  encodeIfAddrMsg,
  encodeIfInfoMsg,
  encodeRtMsg,
  IFA,
  IFF,
  IFLA,
  IFLA_INFO,
  LockEnv,
  type LockStrategy,
  type NetlinkSocket,
  NLM_F,
  NLMSG,
  NlMsgBuilder,
  RT_SCOPE,
  RT_TABLE,
  RTA,
  RTM,
  RTN,
  RTNL_FLAG,
  RTNLGRP,
  RTPROT,
  Rtnetlink,
  Task,
  VirtualClock,
} from '@rtnlkit/core';
import {
  call,
  type DecodedMessage,
  decodeDatagram,
  drain,
  strategyContract,
  toyDumpRequest,
  toyRequest,
  toyWorld,
} from '@rtnlkit/core/testing';
import { globalStrategy } from '@rtnlkit/strategy-global';
import { devinetSubsystem, fibSubsystem, linkSubsystem, linkTable } from '@rtnlkit/subsystems';
import { describe, expect, it } from 'vitest';
import { strategies } from './index';
import { rwRtnlStrategy } from './rw-rtnl';

// Changes exclude each other and everything else; nothing flagged unlocked runs beside a change,
// and disjoint classes do not help (one lock): the global strategy's promises. The kit's checks
// are all about doits that change things, so it cannot see what a reader-writer lock adds; the
// tests below do.
const promises = { exclusiveSameClass: true, exclusiveAll: true, unlockedConcurrent: false, disjointConcurrent: false };

describe('the strategy contract', () => {
  for (const c of strategyContract(() => rwRtnlStrategy(), promises)) it(c.name, c.run);
});

/** Toy handlers that record when each request is inside its handler. */
function timedWorld(strategy: LockStrategy) {
  const world = toyWorld(strategy);
  const { rtnl, clock } = world;
  const spans: Record<string, [number, number]> = {};
  let inside = 0;
  let maxInside = 0;
  const timed = async (label: string, ms: number) => {
    const start = clock.now();
    inside += 1;
    maxInside = Math.max(maxInside, inside);
    await clock.sleep(ms);
    inside -= 1;
    spans[label] = [start, clock.now()];
  };
  rtnl.handlers.registerMany([
    {
      family: AF.UNSPEC,
      type: RTM.GETLINK,
      name: 'rtnl_getlink',
      // One pass of 10 ms, then done; the socket's name labels the span.
      dumpit: async (cb) => {
        await timed(cb.socket.name, 10);
        return false;
      },
      doit: (req) => timed(req.socket.name, 10),
    },
    { family: AF.UNSPEC, type: RTM.NEWLINK, name: 'rtnl_newlink', doit: (req) => timed(req.socket.name, 50) },
  ]);
  /** Sends a dump (RTM_GETLINK), a GET doit or a change (RTM_NEWLINK) at `ms`, from a socket named `name`. */
  const at = (ms: number, name: string, what: 'dump' | 'get' | 'change') =>
    (async () => {
      await clock.sleep(ms);
      const socket = rtnl.socket({ admin: what === 'change', name });
      if (what === 'change') return call(socket, toyRequest(RTM.NEWLINK));
      if (what === 'get') return call(socket, toyRequest(RTM.GETLINK));
      await socket.send(toyDumpRequest(RTM.GETLINK));
      for (;;) if (decodeDatagram(await socket.recv()).some((m) => m.header.type === NLMSG.DONE)) return 0;
    })();
  return { ...world, spans, at, maxInside: () => maxInside };
}

describe('what the reader-writer RTNL buys', () => {
  it('lets two dumps and two GET doits run at the same time, where the global RTNL serialises them', async () => {
    for (const [strategy, overlap, end] of [
      [rwRtnlStrategy(), 4, 10],
      [globalStrategy(), 1, 40],
    ] as const) {
      const { clock, spans, at, maxInside } = timedWorld(strategy);
      await clock.run(() =>
        Promise.all([at(0, 'dump1', 'dump'), at(0, 'dump2', 'dump'), at(0, 'get1', 'get'), at(0, 'get2', 'get')]),
      );
      expect(maxInside(), strategy.name).toBe(overlap);
      expect(Math.max(...Object.values(spans).map(([, to]) => to)), strategy.name).toBe(end);
    }
  });

  it('a change excludes a dump: the dump waits for the change, and the change for the dump', async () => {
    const { clock, spans, at } = timedWorld(rwRtnlStrategy());
    await clock.run(() =>
      Promise.all([
        at(0, 'change', 'change'),
        at(5, 'dump-after-change', 'dump'),
        at(60, 'dump-before-change2', 'dump'),
        at(65, 'change2', 'change'),
      ]),
    );
    expect(spans).toEqual({
      change: [0, 50],
      'dump-after-change': [50, 60],
      'dump-before-change2': [60, 70],
      change2: [70, 120],
    });
  });

  it('does not fix a slow writer: a reader arriving behind a waiting change queues behind it', async () => {
    // dump1 is inside; the change waits for it; dump2 could share with dump1, but the semaphore is
    // fair (no writer starvation), so it waits for the 50 ms change as under a global RTNL.
    const { clock, spans, at } = timedWorld(rwRtnlStrategy());
    await clock.run(() => Promise.all([at(0, 'dump1', 'dump'), at(1, 'change', 'change'), at(2, 'dump2', 'dump')]));
    expect(spans).toEqual({ dump1: [0, 10], change: [10, 60], dump2: [60, 70] });
  });
});

describe('subsystem locks under the reader-writer RTNL', () => {
  it('gives a reader that takes a class exclusivity among readers, and asserts RTNL held in either mode', async () => {
    const strategy = rwRtnlStrategy();
    const { rtnl, clock, env } = toyWorld(strategy);
    let inside = 0;
    let maxInside = 0;
    const modes: string[] = [];
    rtnl.handlers.registerMany([
      {
        family: AF.INET,
        type: RTM.GETROUTE,
        name: 'inet_rtm_getroute',
        // A reader that writes a cache: it takes the class, as subsystem code would.
        async doit(req) {
          req.lock('rtnl').assertHeld(req.task);
          modes.push(strategy.rtnl.readerTasks.includes(req.task) ? 'shared' : 'exclusive');
          await req.lock('fib').run(req.task, async () => {
            await req.lock('rtnl').run(req.task, () => undefined); // nested: free
            inside += 1;
            maxInside = Math.max(maxInside, inside);
            await clock.sleep(10);
            inside -= 1;
          });
        },
      },
      {
        family: AF.INET,
        type: RTM.NEWROUTE,
        name: 'inet_rtm_newroute',
        async doit(req) {
          req.lock('rtnl').assertHeld(req.task);
          modes.push(strategy.rtnl.writerTask === req.task ? 'exclusive' : 'shared');
          await req.lock('fib').run(req.task, () => clock.sleep(1));
        },
      },
    ]);
    const errnos = await clock.run(() =>
      Promise.all([
        ...Array.from({ length: 3 }, () => call(rtnl.socket(), toyRequest(RTM.GETROUTE, AF.INET))),
        call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWROUTE, AF.INET)),
      ]),
    );
    expect(errnos).toEqual([0, 0, 0, 0]);
    expect(modes).toEqual(['shared', 'shared', 'shared', 'exclusive']);
    expect(maxInside).toBe(1);
    expect(clock.now()).toBe(31); // three 10 ms cache writes one after the other, then the change
    expect(env.lockdep?.reports).toEqual([]);
  });

  it('takes RTNL exclusive for a worker outside any request, and requests wait for it', async () => {
    const strategy = rwRtnlStrategy();
    const { rtnl, clock } = toyWorld(strategy);
    rtnl.handlers.register({ family: AF.INET, type: RTM.GETROUTE, name: 'inet_rtm_getroute', doit() {} });
    const worker = new Task('fib_table_flush_worker');
    await clock.run(async () => {
      await strategy.lock('fib', rtnl.initNet).lock(worker);
      expect(strategy.rtnl.writerTask).toBe(worker);
      const get = call(rtnl.socket(), toyRequest(RTM.GETROUTE, AF.INET));
      await clock.sleep(20);
      strategy.lock('fib', rtnl.initNet).unlock(worker);
      expect(await get).toBe(0);
      expect(clock.now()).toBe(20);
    });
    expect(strategy.rtnl.writerTask).toBeNull();
  });

  it('runs a handler named in `writers` exclusive (doit and dump), and ignores the unlocked flags', async () => {
    const strategy = rwRtnlStrategy({ writers: ['inet_rtm_getroute'] });
    const { rtnl, clock } = toyWorld(strategy);
    const modes: string[] = [];
    const mode = (label: string, task: Task) =>
      modes.push(
        `${label} ${strategy.rtnl.writerTask === task ? 'exclusive' : strategy.rtnl.readerTasks.includes(task) ? 'shared' : 'unlocked'}`,
      );
    rtnl.handlers.registerMany([
      {
        family: AF.INET,
        type: RTM.GETROUTE,
        flags: RTNL_FLAG.DOIT_UNLOCKED | RTNL_FLAG.DUMP_UNLOCKED,
        name: 'inet_rtm_getroute',
        doit(req) {
          mode('getroute', req.task);
        },
        dumpit(cb) {
          mode('dump routes', cb.task);
          return false;
        },
      },
      {
        family: AF.INET,
        type: RTM.GETADDR,
        flags: RTNL_FLAG.DUMP_UNLOCKED,
        name: 'inet_dump_ifaddr',
        dumpit(cb) {
          mode('dump addrs', cb.task);
          return false;
        },
      },
    ]);
    await clock.run(async () => {
      expect(await call(rtnl.socket(), toyRequest(RTM.GETROUTE, AF.INET))).toBe(0);
      for (const type of [RTM.GETROUTE, RTM.GETADDR]) {
        const dumper = rtnl.socket();
        await dumper.send(toyDumpRequest(type, AF.INET));
        drain(dumper);
      }
    });
    expect(modes).toEqual(['getroute exclusive', 'dump routes exclusive', 'dump addrs shared']);
  });

  it('exports the variant rtnlkit compare loads', () => {
    expect(strategies.map((s) => s.name)).toEqual(['rw-rtnl']);
    expect(strategies[0]?.create().name).toBe('rw-rtnl');
  });
});

// Real subsystems: requests as iproute2 builds them.
let seq = 1;
const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;
const CREATE = REQ_ACK | NLM_F.CREATE | NLM_F.EXCL;
const DUMP = NLM_F.REQUEST | NLM_F.DUMP;
const ifinfo = (index = 0, flags = 0, change = 0) => encodeIfInfoMsg({ family: 0, type: 0, index, flags, change });
const req = {
  addLink: (name: string) =>
    new NlMsgBuilder(RTM.NEWLINK, CREATE, seq++, 0)
      .bytes(ifinfo())
      .string(IFLA.IFNAME, name)
      .nest(IFLA.LINKINFO, (n) => n.string(IFLA_INFO.KIND, 'ifb'))
      .finish(),
  up: (name: string) =>
    new NlMsgBuilder(RTM.SETLINK, REQ_ACK, seq++, 0)
      .bytes(ifinfo(0, IFF.UP, IFF.UP))
      .string(IFLA.IFNAME, name)
      .finish(),
  delLink: (name: string) =>
    new NlMsgBuilder(RTM.DELLINK, REQ_ACK, seq++, 0).bytes(ifinfo()).string(IFLA.IFNAME, name).finish(),
  getLink: (name: string) =>
    new NlMsgBuilder(RTM.GETLINK, REQ_ACK, seq++, 0).bytes(ifinfo()).string(IFLA.IFNAME, name).finish(),
  addAddr: (index: number, local: string) =>
    new NlMsgBuilder(RTM.NEWADDR, CREATE, seq++, 0)
      .bytes(encodeIfAddrMsg({ family: AF.INET, prefixlen: 24, index }))
      .ipv4(IFA.LOCAL, local)
      .ipv4(IFA.ADDRESS, local)
      .finish(),
  addRoute: (dst: string, gw: string) =>
    new NlMsgBuilder(RTM.NEWROUTE, CREATE, seq++, 0)
      .bytes(
        encodeRtMsg({
          family: AF.INET,
          dstLen: 16,
          table: RT_TABLE.MAIN,
          protocol: RTPROT.STATIC,
          scope: RT_SCOPE.UNIVERSE,
          type: RTN.UNICAST,
        }),
      )
      .ipv4(RTA.DST, dst)
      .ipv4(RTA.GATEWAY, gw)
      .finish(),
  routeGet: (dst: string) =>
    new NlMsgBuilder(RTM.GETROUTE, REQ_ACK, seq++, 0)
      .bytes(encodeRtMsg({ family: AF.INET, dstLen: 32 }))
      .ipv4(RTA.DST, dst)
      .finish(),
  dumpLinks: () => new NlMsgBuilder(RTM.GETLINK, DUMP, seq++, 0).bytes(ifinfo()).finish(),
  dumpAddrs: () => new NlMsgBuilder(RTM.GETADDR, DUMP, seq++, 0).bytes(encodeIfAddrMsg({ family: AF.INET })).finish(),
  dumpRoutes: () => new NlMsgBuilder(RTM.GETROUTE, DUMP, seq++, 0).bytes(encodeRtMsg({ family: AF.INET })).finish(),
};

/** Sends a request on a fresh socket and reads to its end: the errno and the messages before it. */
async function exchange(
  rtnl: Rtnetlink,
  request: Uint8Array,
  admin = false,
): Promise<{ errno: number; messages: DecodedMessage[] }> {
  const socket: NetlinkSocket = rtnl.socket({ admin });
  const s = new DataView(request.buffer, request.byteOffset).getUint32(8, true);
  await socket.send(request);
  const messages: DecodedMessage[] = [];
  for (;;) {
    for (const m of decodeDatagram(await socket.recv())) {
      if (m.header.seq !== s) continue;
      if (m.header.type === NLMSG.DONE) return { errno: m.doneErrno ?? 0, messages };
      if (m.header.type === NLMSG.ERROR) return { errno: m.errno ?? -1, messages };
      messages.push(m);
    }
  }
}

/** The payloads of a dump's messages (without the headers, which carry the requester's seq and port). */
const payloads = (messages: DecodedMessage[]) => messages.map((m) => Buffer.from(m.bytes.subarray(16)).toString('hex'));

async function realWorld(strategy: LockStrategy) {
  const clock = new VirtualClock({ seed: 1 });
  const env = new LockEnv({ clock, lockdep: true, stats: true });
  const rtnl = new Rtnetlink({ strategy, env, costs: new CostModel({}, 1), chargeCpu: true });
  await clock.run(async () => {
    await rtnl.install(linkSubsystem());
    await rtnl.install(devinetSubsystem());
    await rtnl.install(fibSubsystem());
    for (const name of ['dev0', 'dev1']) {
      expect((await exchange(rtnl, req.addLink(name), true)).errno).toBe(0);
      expect((await exchange(rtnl, req.up(name), true)).errno).toBe(0);
    }
    const dev0 = linkTable(rtnl.initNet).getByName('dev0')?.ifindex ?? -1;
    expect((await exchange(rtnl, req.addAddr(dev0, '10.0.0.1'), true)).errno).toBe(0);
    expect((await exchange(rtnl, req.addRoute('10.1.0.0', '10.0.0.2'), true)).errno).toBe(0);
  });
  return { rtnl, clock, env };
}

const reads = () => [
  req.dumpLinks(),
  req.dumpLinks(),
  req.dumpAddrs(),
  req.dumpRoutes(),
  req.routeGet('10.1.2.3'),
  req.getLink('dev1'),
];

describe('real subsystems (link, devinet, FIB) under the reader-writer RTNL', () => {
  it('answers reads that overlap as it answers them one at a time, in half the time the global RTNL takes', async () => {
    const took: Record<string, number> = {};
    for (const strategy of [rwRtnlStrategy(), globalStrategy()]) {
      const { rtnl, clock, env } = await realWorld(strategy);
      const start = clock.now();
      const together = await clock.run(() => Promise.all(reads().map((r) => exchange(rtnl, r))));
      took[strategy.name] = clock.now() - start;
      const row = env.stats?.snapshot().find((r) => r.class === 'rtnl');
      expect(row?.contentions, strategy.name).toBe(strategy.name === 'rw-rtnl' ? 0 : 5);
      const alone = await clock.run(async () => {
        const out = [];
        for (const r of reads()) out.push(await exchange(rtnl, r));
        return out;
      });
      const summary = (answers: typeof alone) =>
        answers.map((a) => ({ errno: a.errno, payloads: payloads(a.messages) }));
      expect(summary(together), strategy.name).toEqual(summary(alone));
      // lo, dev0, dev1 (twice); one address; every answer an OK.
      expect(together.map((a) => a.errno)).toEqual([0, 0, 0, 0, 0, 0]);
      expect(together.slice(0, 3).map((a) => a.messages.length)).toEqual([3, 3, 1]);
      expect(env.lockdep?.reports, strategy.name).toEqual([]);
      expect(rtnl.faults, strategy.name).toEqual([]);
    }
    expect(took['rw-rtnl']).toBeLessThan((took.global ?? 0) / 2);
  });

  it('finds no GET or dump handler that writes: no notification, tables unchanged, under changes too', async () => {
    const strategy = rwRtnlStrategy();
    const { rtnl, clock, env } = await realWorld(strategy);
    const listener = rtnl.socket();
    for (const group of [RTNLGRP.LINK, RTNLGRP.IPV4_IFADDR, RTNLGRP.IPV4_ROUTE]) listener.addMembership(group);
    const snapshot = async () =>
      (await Promise.all([req.dumpLinks(), req.dumpAddrs(), req.dumpRoutes()].map((r) => exchange(rtnl, r)))).map((a) =>
        payloads(a.messages),
      );
    await clock.run(async () => {
      const before = await snapshot();
      // Reads alone, many at once: nothing to notify, nothing changed.
      for (let round = 0; round < 5; round += 1) await Promise.all(reads().map((r) => exchange(rtnl, r)));
      expect(drain(listener)).toEqual([]);
      expect(await snapshot()).toEqual(before);
      // Reads racing changes: every read ends well, and only the changes notify.
      const changes = [req.addLink('dev2'), req.up('dev2'), req.delLink('dev2')];
      const racing = await Promise.all([
        ...reads().map((r) => exchange(rtnl, r)),
        (async () => {
          for (const c of changes) expect((await exchange(rtnl, c, true)).errno).toBe(0);
        })(),
        ...reads().map((r) => exchange(rtnl, r)),
      ]);
      for (const answer of racing) if (answer) expect(answer.errno).toBe(0);
      expect(drain(listener).flat().length).toBeGreaterThan(0);
      expect(await snapshot()).toEqual(before);
    });
    expect(env.lockdep?.reports).toEqual([]);
    expect(rtnl.faults).toEqual([]);
    expect(strategy.rtnl.writerTask).toBeNull();
    expect(strategy.rtnl.readerTasks).toEqual([]);
  });
});
