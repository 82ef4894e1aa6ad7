import { AF, LockError, type NlMsgBuilder, RTM, RTNL_FLAG, Rtnetlink, Task } from '@rtnlkit/core';
import {
  call,
  readUntilDone,
  strategyContract,
  toyDumpRequest,
  toyRequest,
  toyWorld,
  unsafeStrategy,
} from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { type ElidedStrategyOptions, elidedLocking, elidedStrategy } from './elided-strategy';

const promises = { exclusiveSameClass: true, exclusiveAll: true, unlockedConcurrent: true, disjointConcurrent: false };

/** A toy world (virtual clock, lockdep on) under a fresh elided strategy, with the strategy at hand. */
function world(options: ElidedStrategyOptions = {}) {
  const strategy = elidedStrategy(options);
  return { strategy, ...toyWorld(strategy, 1, { stats: true }) };
}

const dumpRequest = toyDumpRequest;

describe.each([
  ['elided', {}],
  ['elided with perNetRtnl', { perNetRtnl: true }],
] as const)('the strategy contract: %s', (_name, options) => {
  for (const c of strategyContract(() => elidedStrategy(options), promises)) it(c.name, c.run);
});

it('the contract has teeth: the unsafe strategy breaks the promises elided keeps', async () => {
  const failed: string[] = [];
  for (const c of strategyContract(unsafeStrategy, promises)) await c.run().catch(() => failed.push(c.name));
  expect(failed).toContain('locked doits of one class never overlap, and are served in arrival order');
  expect(failed).toContain('locked doits of disjoint classes overlap or exclude each other as promised');
});

describe('elidedLocking: the dispatcher rule', () => {
  const { DOIT_UNLOCKED, DOIT_PERNET, DOIT_PERNET_WIP, DUMP_UNLOCKED, DUMP_SPLIT_NLM_DONE, BULK_DEL_SUPPORTED } =
    RTNL_FLAG;
  it.each([
    // flags, kind, without perNetRtnl, with perNetRtnl
    [0, 'doit', 'rtnl', 'rtnl'],
    [BULK_DEL_SUPPORTED, 'doit', 'rtnl', 'rtnl'],
    [DOIT_UNLOCKED, 'doit', 'none', 'none'],
    [DOIT_UNLOCKED | DUMP_UNLOCKED, 'doit', 'none', 'none'],
    [DUMP_UNLOCKED, 'doit', 'rtnl', 'rtnl'],
    [DOIT_PERNET, 'doit', 'rtnl', 'rtnl+rtnl_net'],
    [DOIT_PERNET_WIP, 'doit', 'rtnl', 'rtnl+rtnl_net'],
    [0, 'dump', 'rtnl', 'rtnl'],
    [DOIT_UNLOCKED, 'dump', 'rtnl', 'rtnl'],
    [DOIT_PERNET, 'dump', 'rtnl', 'rtnl'],
    [DUMP_UNLOCKED, 'dump', 'none', 'none'],
    [DUMP_UNLOCKED | DUMP_SPLIT_NLM_DONE, 'dump', 'none', 'none'],
    [DUMP_SPLIT_NLM_DONE, 'dump', 'rtnl', 'rtnl'],
  ] as const)('flags %s, %s: %s (per-netns RTNL: %s)', (flags, kind, plain, perNet) => {
    expect(elidedLocking(flags, kind)).toBe(plain);
    expect(elidedLocking(flags, kind, true)).toBe(perNet);
  });
});

describe('elidedStrategy', () => {
  it('lets an unlocked dump and an unlocked GETROUTE doit slip past a held RTNL; locked ones wait', async () => {
    const { strategy, rtnl, clock } = world();
    const finished: Record<string, number> = {};
    const rtnlHolder: Record<string, string> = {};
    const holder = () => strategy.rtnl.ownerTask?.name ?? 'nobody';
    const route = (cb: { put(m: Uint8Array): boolean; builder(t: number): NlMsgBuilder }) =>
      cb.put(cb.builder(RTM.NEWROUTE).bytes(new Uint8Array(12)).finish());
    rtnl.handlers.registerMany([
      {
        family: AF.INET,
        type: RTM.NEWROUTE,
        name: 'inet_rtm_newroute',
        async doit() {
          await clock.sleep(100);
          finished.newroute = clock.now();
        },
      },
      {
        family: AF.INET,
        type: RTM.GETROUTE,
        flags: RTNL_FLAG.DOIT_UNLOCKED | RTNL_FLAG.DUMP_UNLOCKED,
        name: 'inet_rtm_getroute',
        doit() {
          rtnlHolder.getroute = holder();
          finished.getroute = clock.now();
        },
        dumpit(cb) {
          rtnlHolder.dumpRoutes = holder();
          route(cb);
          finished.dumpRoutes = clock.now();
          return false;
        },
      },
      {
        family: AF.UNSPEC,
        type: RTM.GETLINK,
        name: 'rtnl_dump_ifinfo',
        dumpit(cb) {
          rtnlHolder.dumpLinks = holder();
          route(cb);
          finished.dumpLinks = clock.now();
          return false;
        },
      },
    ]);
    await clock.run(async () => {
      const add = call(rtnl.socket({ admin: true, name: 'ip-route-add' }), toyRequest(RTM.NEWROUTE, AF.INET));
      await clock.sleep(10);
      const dump = async (request: Uint8Array, name: string) => {
        const s = rtnl.socket({ name });
        await s.send(request);
        return readUntilDone(s);
      };
      await Promise.all([
        call(rtnl.socket({ name: 'ip-route-get' }), toyRequest(RTM.GETROUTE, AF.INET)),
        dump(dumpRequest(RTM.GETROUTE, AF.INET), 'ip-route-show'),
        dump(dumpRequest(RTM.GETLINK), 'ip-link-show'),
        add,
      ]);
    });
    expect(finished).toEqual({ getroute: 10, dumpRoutes: 10, newroute: 100, dumpLinks: 100 });
    expect(rtnlHolder).toEqual({
      getroute: 'ip-route-add',
      dumpRoutes: 'ip-route-add',
      dumpLinks: 'ip-link-show', // the dump's own task: the first pass runs in send()
    });
    expect(strategy.rtnl.locked).toBe(false);
  });

  it('runs DOIT_PERNET handlers under the global RTNL without perNetRtnl (rtnl_net_lock() is rtnl_lock())', async () => {
    const { strategy, rtnl, clock, env } = world();
    const held: string[][] = [];
    rtnl.handlers.register({
      family: AF.INET,
      type: RTM.NEWADDR,
      flags: RTNL_FLAG.DOIT_PERNET,
      name: 'inet_rtm_newaddr',
      async doit(req) {
        req.lock('rtnl_net').assertHeld(req.task);
        await req.lock('rtnl_net').run(req.task, () => {
          held.push(req.task.held.map((h) => h.lock.name));
        });
        held.push(req.task.held.map((h) => h.lock.name));
      },
    });
    expect(await clock.run(() => call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWADDR, AF.INET)))).toBe(0);
    expect(held).toEqual([['rtnl'], ['rtnl']]);
    expect(() => strategy.rtnlNet(rtnl.initNet)).toThrow(LockError);
    expect(strategy.perNetRtnl).toBe(false);
    expect(env.allClasses().map((c) => c.name)).not.toContain('rtnl_net');
    expect(env.lockdep?.reports).toEqual([]);
  });

  it('aliases every other class to RTNL: free inside a locked doit, RTNL itself outside one', async () => {
    const { strategy, rtnl, clock, env } = world({ perNetRtnl: true });
    const seen: string[] = [];
    rtnl.handlers.registerMany([
      {
        family: AF.INET,
        type: RTM.NEWROUTE,
        name: 'inet_rtm_newroute',
        async doit(req) {
          await req.lock('fib').run(req.task, () => {
            seen.push(`newroute holds ${req.task.held.map((h) => h.lock.name).join(',')}`);
          });
        },
      },
      {
        family: AF.INET,
        type: RTM.GETROUTE,
        flags: RTNL_FLAG.DOIT_UNLOCKED,
        name: 'inet_rtm_getroute',
        async doit(req) {
          // An unlocked handler that asks for a class gets RTNL, as if it called rtnl_lock().
          await req.lock('fib').run(req.task, () => {
            seen.push(`getroute holds ${req.task.held.map((h) => h.lock.name).join(',')}`);
          });
        },
      },
    ]);
    const s = rtnl.socket({ admin: true });
    await clock.run(async () => {
      expect(await call(s, toyRequest(RTM.NEWROUTE, AF.INET))).toBe(0);
      expect(await call(s, toyRequest(RTM.GETROUTE, AF.INET))).toBe(0);
    });
    expect(seen).toEqual(['newroute holds rtnl', 'getroute holds rtnl']);
    const worker = new Task('check_lifetime');
    await strategy.lock('devinet', rtnl.initNet).lock(worker);
    expect(strategy.rtnl.ownerTask).toBe(worker);
    strategy.lock('devinet', rtnl.initNet).unlock(worker);
    expect(strategy.rtnl.locked).toBe(false);
    expect(env.lockdep?.dependencyList()).toEqual([]);
  });

  it('lets lock statistics see the rtnl class, and not the unlocked handlers', async () => {
    const { rtnl, clock, env } = world();
    rtnl.handlers.registerMany([
      { family: AF.UNSPEC, type: RTM.NEWLINK, name: 'rtnl_newlink', doit: () => clock.sleep(5) },
      { family: AF.INET, type: RTM.GETROUTE, flags: RTNL_FLAG.DOIT_UNLOCKED, doit: () => clock.sleep(5) },
    ]);
    await clock.run(() =>
      Promise.all([
        ...Array.from({ length: 3 }, () => call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK))),
        ...Array.from({ length: 3 }, () => call(rtnl.socket(), toyRequest(RTM.GETROUTE, AF.INET))),
      ]),
    );
    const row = env.stats?.snapshot().find((r) => r.class === 'rtnl');
    expect(row?.acquisitions).toBe(3);
    expect(row?.contentions).toBe(2);
    expect(row?.hold.max).toBe(5);
  });

  it('refuses to be used before attach() or attached to a second rtnetlink instance', () => {
    const strategy = elidedStrategy({ perNetRtnl: true, name: 'elided-6.13-small-rtnl' });
    expect(strategy.name).toBe('elided-6.13-small-rtnl');
    expect(elidedStrategy().name).toBe('elided');
    expect(elidedStrategy({ perNetRtnl: true }).name).toBe('elided-pernet');
    expect(() => strategy.rtnl).toThrow(LockError);
    const { rtnl } = toyWorld(strategy);
    strategy.attach(rtnl);
    expect(() => new Rtnetlink({ strategy })).toThrow(LockError);
    expect(strategy.rtnl.cls.env).toBe(rtnl.env);
  });
});
