import {
  AF,
  Errno,
  encodeIfInfoMsg,
  LockdepError,
  LockEnv,
  LockError,
  Net,
  NLM_F,
  NlMsgBuilder,
  RTM,
  RTNL_FLAG,
  Rtnetlink,
  Task,
  VirtualClock,
} from '@rtnlkit/core';
import { call, readUntilDone, TOY_LOCK_CLASSES, toyRequest, toyWorld } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { UndeclaredLockClassError } from './errors';
import { type FinegrainedStrategy, finegrainedStrategy } from './finegrained';

const names = (strategy: FinegrainedStrategy, task: Task) => strategy.heldBy(task).map((h) => h.name);

/** Not in core's generated tables (no neigh spec vendored); include/uapi/linux/rtnetlink.h. */
const RTM_NEWNEIGH = 28;

let dumpSeq = 1000;
const dumpRequest = (type: number) =>
  new NlMsgBuilder(type, NLM_F.REQUEST | NLM_F.DUMP, dumpSeq++, 0)
    .bytes(encodeIfInfoMsg({ family: AF.UNSPEC, type: 0, index: 0, flags: 0, change: 0 }))
    .finish();

/** A strategy on a toy world with a per-namespace class `rtnl_net` (rank 5) declared too. */
function world(strategy = finegrainedStrategy()) {
  const toy = toyWorld(strategy);
  toy.rtnl.declareLockClasses([{ name: 'rtnl_net', rank: 5, perNet: true }]);
  return { ...toy, strategy };
}

describe('run: what a doit or a dump pass takes', () => {
  it('takes the declared classes in rank order and releases them in reverse', async () => {
    const { rtnl, clock, strategy } = world();
    let seenByLockdep: string[] = [];
    let seenByStrategy: string[] = [];
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      locks: ['fib', 'rtnl', 'devinet'],
      name: 'three_classes',
      async doit(req) {
        seenByLockdep = req.task.held.map((h) => `${h.lock.name}@${h.at}`);
        seenByStrategy = names(strategy, req.task);
        await clock.sleep(10);
      },
    });
    const granted: string[] = [];
    await clock.run(async () => {
      const request = call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK));
      await clock.sleep(1);
      // One waiter per class: the reverse release hands them over fib first, rtnl last.
      const waiters = ['rtnl', 'devinet', 'fib'].map(async (cls) => {
        const task = new Task(`wait-${cls}`);
        await strategy.lock(cls).lock(task);
        granted.push(cls);
        strategy.lock(cls).unlock(task);
      });
      expect(await request).toBe(0);
      await Promise.all(waiters);
    });
    expect(seenByLockdep).toEqual(['rtnl@three_classes', 'devinet@three_classes', 'fib@three_classes']);
    expect(seenByStrategy).toEqual(['rtnl', 'devinet', 'fib']);
    expect(granted).toEqual(['fib', 'devinet', 'rtnl']);
  });

  it('takes a per-namespace class in every namespace a prepare stage names, in rtnl_nets_lock() order', async () => {
    const { rtnl, clock, strategy, env } = world();
    const a = new Net('A');
    const seen: string[] = [];
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      locks: ['rtnl_net', 'rtnl'],
      name: 'rtnl_newlink',
      prepare: (req) => ({ nets: [req.net === a ? rtnl.initNet : a] }),
      async doit(req) {
        seen.push(`${req.net.name}: ${names(strategy, req.task).join(' > ')}`);
        await clock.sleep(1);
      },
    });
    const errnos = await clock.run(() =>
      Promise.all([
        call(rtnl.socket({ admin: true, net: a }), toyRequest(RTM.NEWLINK)),
        call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK)),
      ]),
    );
    expect(errnos).toEqual([0, 0]);
    expect(seen).toEqual([
      'A: rtnl > rtnl_net(init_net) > rtnl_net(A)',
      'init_net: rtnl > rtnl_net(init_net) > rtnl_net(A)',
    ]);
    expect(env.lockdep?.reports).toEqual([]);
    expect(strategy.violations).toEqual([]);
  });

  it('breaks ties of rank by name', async () => {
    const { rtnl, clock, strategy } = world();
    rtnl.declareLockClasses([{ name: 'addrconf', rank: 10 }]);
    let held: string[] = [];
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      locks: ['devinet', 'addrconf'],
      doit(req) {
        held = names(strategy, req.task);
      },
    });
    expect(await clock.run(() => call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK)))).toBe(0);
    expect(held).toEqual(['addrconf', 'devinet']);
    expect(strategy.order().map((c) => c.name)).toEqual(['rtnl', 'rtnl_net', 'addrconf', 'devinet', 'fib']);
  });

  const doits: [string, number, string[], string[]][] = [
    ['declares nothing', 0, [], ['rtnl']],
    ['is DOIT_UNLOCKED and declares nothing', RTNL_FLAG.DOIT_UNLOCKED, [], []],
    ['is DOIT_PERNET and declares nothing', RTNL_FLAG.DOIT_PERNET, [], ['rtnl']],
    ['is DOIT_PERNET_WIP and declares nothing', RTNL_FLAG.DOIT_PERNET_WIP, [], ['rtnl']],
    ['is DOIT_UNLOCKED and declares fib', RTNL_FLAG.DOIT_UNLOCKED, ['fib'], ['fib']],
    ['is DUMP_UNLOCKED (not DOIT_UNLOCKED) and declares nothing', RTNL_FLAG.DUMP_UNLOCKED, [], ['rtnl']],
  ];
  it.each(doits)('a doit that %s takes the right classes', async (_what, flags, locks, expected) => {
    const { rtnl, clock, strategy } = world();
    let held: string[] | undefined;
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      flags,
      locks,
      doit(req) {
        held = names(strategy, req.task);
      },
    });
    expect(await clock.run(() => call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK)))).toBe(0);
    expect(held).toEqual(expected);
  });

  const dumps: [string, number, string[], string[]][] = [
    ['declares nothing', 0, [], ['rtnl']],
    ['is DUMP_UNLOCKED and declares nothing', RTNL_FLAG.DUMP_UNLOCKED, [], []],
    ['is DUMP_UNLOCKED and declares fib', RTNL_FLAG.DUMP_UNLOCKED, ['fib'], ['fib']],
    ['is DOIT_UNLOCKED (not DUMP_UNLOCKED) and declares nothing', RTNL_FLAG.DOIT_UNLOCKED, [], ['rtnl']],
  ];
  it.each(dumps)('a dump pass of a handler that %s takes the right classes', async (_what, flags, locks, expected) => {
    const { rtnl, clock, strategy } = world();
    let held: string[] | undefined;
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.GETLINK,
      flags,
      locks,
      dumpit(cb) {
        held = names(strategy, cb.task);
        return false;
      },
    });
    const socket = rtnl.socket();
    await clock.run(async () => {
      await socket.send(dumpRequest(RTM.GETLINK));
      const replies = (await readUntilDone(socket)).flat();
      expect(replies.at(-1)?.doneErrno).toBe(0);
    });
    expect(held).toEqual(expected);
  });

  it('takes what a dumpit declares in dumpLocks for its passes ([]: RCU alone), its locks for the doit', async () => {
    const { rtnl, clock, strategy } = world();
    const held: Record<string, string[]> = {};
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.GETLINK,
      locks: ['rtnl'],
      dumpLocks: [],
      doit(req) {
        held.doit = names(strategy, req.task);
      },
      dumpit(cb) {
        held.dump = names(strategy, cb.task);
        return false;
      },
    });
    const socket = rtnl.socket();
    await clock.run(async () => {
      await socket.send(dumpRequest(RTM.GETLINK));
      await readUntilDone(socket);
      await call(socket, toyRequest(RTM.GETLINK));
    });
    expect(held).toEqual({ dump: [], doit: ['rtnl'] });
  });

  it('lets lock statistics see every class as its own lock', async () => {
    const clock = new VirtualClock();
    const env = new LockEnv({ clock, stats: true, lockdep: true });
    const strategy = finegrainedStrategy();
    const rtnl = new Rtnetlink({ strategy, env });
    rtnl.declareLockClasses(TOY_LOCK_CLASSES);
    rtnl.handlers.registerMany([
      { family: AF.UNSPEC, type: RTM.NEWLINK, locks: ['fib', 'rtnl', 'devinet'], doit: () => clock.sleep(2) },
      { family: AF.INET, type: RTM.NEWROUTE, locks: ['fib'], doit: () => clock.sleep(1) },
    ]);
    await clock.run(() =>
      Promise.all([
        call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK)),
        call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWROUTE, AF.INET)),
      ]),
    );
    const rows = Object.fromEntries((env.stats?.snapshot() ?? []).map((r) => [r.class, r]));
    expect(rows.rtnl?.acquisitions).toBe(1);
    expect(rows.devinet?.acquisitions).toBe(1);
    expect(rows.fib?.acquisitions).toBe(2);
    // The route add waited for fib while the three-class doit held it; nobody waited for rtnl.
    expect(rows.fib?.contentions).toBe(1);
    expect(rows.rtnl?.contentions).toBe(0);
    expect(env.lockdep?.reports).toEqual([]);
  });
});

describe('concurrency', () => {
  it('runs doits of disjoint classes side by side and serialises those of one class', async () => {
    const { rtnl, clock } = world();
    const spans: Record<string, [number, number]> = {};
    const body = (label: string) => async () => {
      const start = clock.now();
      await clock.sleep(10);
      spans[label] = [start, clock.now()];
    };
    rtnl.handlers.registerMany([
      { family: AF.INET, type: RTM.NEWADDR, locks: ['devinet'], doit: body('addr') },
      { family: AF.INET, type: RTM.NEWROUTE, locks: ['fib'], doit: body('route') },
      { family: AF.INET, type: RTM.DELROUTE, locks: ['fib'], doit: body('delroute') },
    ]);
    await clock.run(() =>
      Promise.all(
        [RTM.NEWADDR, RTM.NEWROUTE, RTM.DELROUTE].map((type) =>
          call(rtnl.socket({ admin: true }), toyRequest(type, AF.INET)),
        ),
      ),
    );
    expect(spans).toEqual({ addr: [0, 10], route: [0, 10], delroute: [10, 20] });
  });

  it('runs a per-namespace class in two namespaces side by side, and serialises it within one', async () => {
    const { rtnl, clock } = world();
    const ns1 = new Net('ns1');
    const ns2 = new Net('ns2');
    const spans: [string, number, number][] = [];
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      locks: ['rtnl_net'],
      async doit(req) {
        const start = clock.now();
        await clock.sleep(10);
        spans.push([req.net.name, start, clock.now()]);
      },
    });
    await clock.run(() =>
      Promise.all([ns1, ns2, ns1].map((net) => call(rtnl.socket({ admin: true, net }), toyRequest(RTM.NEWLINK)))),
    );
    expect(spans).toEqual([
      ['ns1', 0, 10],
      ['ns2', 0, 10],
      ['ns1', 10, 20],
    ]);
  });
});

describe('lock: what subsystem code takes', () => {
  it('nests for free on a class the handler declared, and keeps it held until the doit ends', async () => {
    const { rtnl, clock, strategy } = world();
    const seen: unknown[] = [];
    rtnl.handlers.register({
      family: AF.INET,
      type: RTM.NEWROUTE,
      locks: ['fib'],
      async doit(req) {
        await req.lock('fib').run(req.task, async () => {
          seen.push(strategy.heldBy(req.task).map((h) => [h.name, h.via, h.nested]));
          await req.lock('fib').run(req.task, () => {
            seen.push(strategy.heldBy(req.task).map((h) => [h.name, h.via, h.nested]));
          });
        });
        seen.push(strategy.mutex('fib').ownerTask === req.task);
        req.lock('fib').assertHeld(req.task);
      },
    });
    expect(await clock.run(() => call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWROUTE, AF.INET)))).toBe(0);
    expect(seen).toEqual([[['fib', 'run', 1]], [['fib', 'run', 2]], true]);
    expect(strategy.mutex('fib').locked).toBe(false);
  });

  it('refuses to release a lock the dispatcher holds for the handler', async () => {
    const { rtnl, clock, strategy } = world();
    rtnl.handlers.register({
      family: AF.INET,
      type: RTM.NEWROUTE,
      locks: ['fib'],
      doit(req) {
        req.lock('fib').unlock(req.task);
      },
    });
    expect(await clock.run(() => call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWROUTE, AF.INET)))).toBe(
      Errno.EINVAL,
    );
    expect(rtnl.faults).toHaveLength(1);
    expect(rtnl.faults[0]).toBeInstanceOf(LockError);
    expect(String(rtnl.faults[0])).toContain('which the dispatcher holds for it');
    expect(strategy.mutex('fib').locked).toBe(false);
  });

  it('refuses a recursive acquisition of a lock the code took itself (kernel mutexes do not nest)', async () => {
    const { strategy } = world();
    const task = new Task('recursive');
    const fib = strategy.lock('fib');
    await fib.lock(task);
    await expect(fib.lock(task)).rejects.toBeInstanceOf(LockError);
    expect(names(strategy, task)).toEqual(['fib']);
    fib.unlock(task);
    expect(names(strategy, task)).toEqual([]);
    expect(() => fib.unlock(task)).toThrow(LockError);
  });

  it('allows taking classes in rank order and refuses lower or equal ranks before waiting', async () => {
    const { rtnl, clock, strategy } = world();
    rtnl.declareLockClasses([{ name: 'addrconf', rank: 10 }]);
    const other = new Task('holder');
    const task = new Task('subsystem');
    await clock.run(async () => {
      // Somebody else holds rtnl, so a refusal that waited first would hang here.
      await strategy.lock('rtnl').lock(other);
      await strategy.lock('devinet').lock(task, { at: 'inet_rtm_newaddr' });
      await strategy.lock('fib').lock(task, { at: 'fib_add_ifaddr' });
      const before = clock.now();
      const refused = await strategy
        .lock('rtnl')
        .lock(task, { at: 'netdev_event' })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(clock.now()).toBe(before);
      expect(refused).toBeInstanceOf(LockdepError);
      const report = (refused as LockdepError).report;
      expect(report.kind).toBe('rank-order');
      // The first held lock the acquisition inverts against is the one the report discusses.
      expect(report.locks).toEqual(['devinet', 'rtnl']);
      expect(report.text).toContain('rtnl (rank 0) must be taken before devinet (rank 10).');
      expect(report.text).toContain('-> #0 (devinet){rank 10}, at: inet_rtm_newaddr');
      expect(report.text).toContain('-> #1 (fib){rank 20}, at: fib_add_ifaddr');
      expect(report.text).toContain('-> #2 (rtnl){rank 0}, at: netdev_event   <- trying to acquire');
      expect(report.text).toContain('2 locks held by subsystem/');
      expect(strategy.lock('rtnl').name).toBe('rtnl');
      expect(strategy.mutex('rtnl').waiters).toEqual([]);

      // Another class of the same rank is refused too.
      strategy.lock('fib').unlock(task);
      const tie = await strategy
        .lock('addrconf')
        .lock(task)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((tie as LockdepError).report.text).toContain(
        'addrconf (rank 10) and devinet (rank 10) share a rank: neither may be taken while the other is',
      );
      strategy.lock('devinet').unlock(task);
      strategy.lock('rtnl').unlock(other);
    });
    expect(names(strategy, task)).toEqual([]);
    expect(strategy.violations.map((r) => r.locks.join('>'))).toEqual(['devinet>rtnl', 'devinet>addrconf']);
  });

  it('in report mode records the inversion and takes the lock anyway', async () => {
    const { strategy, env } = world(finegrainedStrategy({ onViolation: 'report' }));
    const task = new Task('reporter');
    await strategy.lock('fib').lock(task);
    await strategy.lock('devinet').lock(task);
    expect(names(strategy, task)).toEqual(['fib', 'devinet']);
    expect(strategy.violations.map((r) => [r.kind, r.locks.join('>')])).toEqual([['rank-order', 'fib>devinet']]);
    // Lockdep saw the real acquisitions (in the order they happened), and has nothing to say yet.
    expect(task.held.map((h) => h.lock.name)).toEqual(['fib', 'devinet']);
    expect(env.lockdep?.reports).toEqual([]);
    strategy.lock('devinet').unlock(task);
    strategy.lock('fib').unlock(task);
  });
});

describe('per-namespace classes', () => {
  it('have one instance per namespace, named after it', () => {
    const { strategy } = world();
    const ns1 = new Net('ns1');
    const ns2 = new Net('ns2');
    const a = strategy.mutex('rtnl_net', ns1);
    expect(a).toBe(strategy.mutex('rtnl_net', ns1));
    expect(a).not.toBe(strategy.mutex('rtnl_net', ns2));
    expect([a.name, strategy.mutex('rtnl_net', ns2).name]).toEqual(['rtnl_net(ns1)', 'rtnl_net(ns2)']);
    expect(a.cls).toBe(strategy.mutex('rtnl_net', ns2).cls);
    expect(() => strategy.lock('rtnl_net')).toThrow(/per-namespace/);
    // A global class has one instance whatever the namespace.
    expect(strategy.mutex('fib', ns1)).toBe(strategy.mutex('fib', ns2));
  });

  it('nest only in the order of compareNets: init_net first, then by id', async () => {
    const { rtnl, strategy, env } = world();
    const ns1 = new Net('ns1');
    const ns2 = new Net('ns2');
    const task = new Task('rtnl_nets_lock');
    await strategy.lock('rtnl_net', ns1).lock(task);
    await strategy.lock('rtnl_net', ns2).lock(task);
    expect(names(strategy, task)).toEqual(['rtnl_net(ns1)', 'rtnl_net(ns2)']);
    const refused = await strategy
      .lock('rtnl_net', rtnl.initNet)
      .lock(task)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(refused).toBeInstanceOf(LockdepError);
    const report = (refused as LockdepError).report;
    expect(report.kind).toBe('instance-order');
    expect(report.locks).toEqual(['rtnl_net(ns1)', 'rtnl_net(init_net)']);
    expect(report.text).toContain('rtnl_net(init_net) must be taken before rtnl_net(ns1), never while holding it.');
    strategy.lock('rtnl_net', ns2).unlock(task);
    strategy.lock('rtnl_net', ns1).unlock(task);
    // Lockdep checked the allowed nesting against the same comparator and had nothing to say.
    expect(env.lockdep?.reports).toEqual([]);

    const reverse = new Task('reverse');
    await strategy.lock('rtnl_net', ns2).lock(reverse);
    await expect(strategy.lock('rtnl_net', ns1).lock(reverse)).rejects.toBeInstanceOf(LockdepError);
    strategy.lock('rtnl_net', ns2).unlock(reverse);
  });

  it('follow the class comparator when one is declared', async () => {
    const strategy = finegrainedStrategy();
    const { rtnl } = toyWorld(strategy);
    const byName = (a: unknown, b: unknown) => ((a as Net).name < (b as Net).name ? 1 : -1);
    rtnl.declareLockClasses([{ name: 'netns_cfg', rank: 7, perNet: true, compare: byName }]);
    const late = new Net('zeta');
    const early = new Net('alpha');
    const task = new Task('cmp');
    await strategy.lock('netns_cfg', late).lock(task);
    await strategy.lock('netns_cfg', early).lock(task);
    expect(names(strategy, task)).toEqual(['netns_cfg(zeta)', 'netns_cfg(alpha)']);
    strategy.lock('netns_cfg', early).unlock(task);
    strategy.lock('netns_cfg', late).unlock(task);
    const other = new Task('cmp-reverse');
    await strategy.lock('netns_cfg', early).lock(other);
    await expect(strategy.lock('netns_cfg', late).lock(other)).rejects.toBeInstanceOf(LockdepError);
    strategy.lock('netns_cfg', early).unlock(other);
  });
});

describe('declaring classes', () => {
  it('resolves classes declared after attach (a subsystem installed later) by name', async () => {
    const { rtnl, clock, strategy } = world();
    let held: string[] = [];
    await rtnl.install({
      name: 'neigh',
      lockClasses: [{ name: 'neigh', rank: 30, description: 'the neighbour tables' }],
      install(r) {
        const unregister = r.handlers.registerMany([
          {
            family: AF.UNSPEC,
            type: RTM_NEWNEIGH,
            locks: ['neigh', 'rtnl'],
            doit(req) {
              held = names(strategy, req.task);
            },
          },
        ]);
        return { [Symbol.dispose]: unregister };
      },
    });
    expect(await clock.run(() => call(rtnl.socket({ admin: true }), toyRequest(RTM_NEWNEIGH)))).toBe(0);
    expect(held).toEqual(['rtnl', 'neigh']);
    expect(strategy.mutex('neigh').cls.rank).toBe(30);
  });

  it('makes an undeclared class a typed error, and a handler declaring one fails without taking anything', async () => {
    const { rtnl, clock, strategy } = world();
    expect(() => strategy.lock('nope')).toThrow(UndeclaredLockClassError);
    try {
      strategy.lock('nope');
    } catch (error) {
      expect((error as UndeclaredLockClassError).className).toBe('nope');
      expect((error as UndeclaredLockClassError).declared).toEqual(['rtnl', 'devinet', 'fib', 'rtnl_net']);
      expect((error as Error).message).toContain('lock class nope is not declared');
    }
    let ran = false;
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      locks: ['rtnl', 'nope'],
      doit() {
        ran = true;
      },
    });
    expect(await clock.run(() => call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK)))).toBe(Errno.EINVAL);
    expect(ran).toBe(false);
    expect(rtnl.faults[0]).toBeInstanceOf(UndeclaredLockClassError);
    expect(strategy.mutex('rtnl').locked).toBe(false);
  });

  it('refuses use before attach, and a second rtnetlink instance', () => {
    const strategy = finegrainedStrategy();
    expect(() => strategy.lock('rtnl')).toThrow(LockError);
    new Rtnetlink({ strategy });
    expect(() => new Rtnetlink({ strategy })).toThrow(TypeError);
  });
});
