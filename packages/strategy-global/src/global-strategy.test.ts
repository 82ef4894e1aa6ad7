import { AF, LockError, type LockStrategy, RTM, RTNL_FLAG, Rtnetlink, Task } from '@rtnlkit/core';
import {
  call,
  fibAbbaWorld,
  readUntilDone,
  strategyContract,
  toyDumpRequest,
  toyRequest,
  toyWorld,
  unsafeStrategy,
} from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { type GlobalStrategy, globalStrategy } from './global-strategy';

const promises = { exclusiveSameClass: true, exclusiveAll: true, unlockedConcurrent: false, disjointConcurrent: false };

/** A toy world (virtual clock, lockdep on) under a fresh global strategy, with the strategy at hand. */
function world(options: { stats?: boolean } = {}) {
  const strategy = globalStrategy();
  return { strategy, ...toyWorld(strategy, 1, options) };
}

const dumpRequest = toyDumpRequest;

describe('the strategy contract', () => {
  for (const c of strategyContract(globalStrategy, promises)) it(c.name, c.run);

  it('fails against a strategy that elides the lock (the promises have teeth)', async () => {
    const failed: string[] = [];
    for (const c of strategyContract(unsafeStrategy, promises)) await c.run().catch(() => failed.push(c.name));
    expect(failed).toContain('unlocked doits run while a locked doit is inside its critical section');
    expect(failed).toContain('locked doits of one class never overlap, and are served in arrival order');
  });
});

describe('globalStrategy', () => {
  it('takes RTNL around every doit and dump pass, even for DOIT_UNLOCKED, DOIT_PERNET and DUMP_UNLOCKED handlers', async () => {
    const { strategy, rtnl, clock } = world();
    const underRtnl: Record<string, boolean> = {};
    const finished: Record<string, number> = {};
    rtnl.handlers.registerMany([
      {
        family: AF.UNSPEC,
        type: RTM.NEWLINK,
        name: 'rtnl_newlink',
        async doit(req) {
          underRtnl.newlink = strategy.rtnl.ownerTask === req.task;
          await clock.sleep(100);
          finished.newlink = clock.now();
        },
      },
      {
        family: AF.INET,
        type: RTM.GETROUTE,
        flags: RTNL_FLAG.DOIT_UNLOCKED | RTNL_FLAG.DUMP_UNLOCKED,
        name: 'inet_rtm_getroute',
        doit(req) {
          underRtnl.getroute = strategy.rtnl.ownerTask === req.task;
          finished.getroute = clock.now();
        },
        dumpit(cb) {
          underRtnl.dumpRoutes = strategy.rtnl.ownerTask === cb.task;
          cb.put(cb.builder(RTM.NEWROUTE).bytes(new Uint8Array(12)).finish());
          finished.dumpRoutes = clock.now();
          return false;
        },
      },
      {
        family: AF.INET,
        type: RTM.NEWADDR,
        flags: RTNL_FLAG.DOIT_PERNET,
        name: 'inet_rtm_newaddr',
        doit(req) {
          underRtnl.newaddr = strategy.rtnl.ownerTask === req.task;
          finished.newaddr = clock.now();
        },
      },
    ]);
    await clock.run(async () => {
      const newlink = call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK));
      await clock.sleep(10);
      const dumper = rtnl.socket();
      await Promise.all([
        call(rtnl.socket(), toyRequest(RTM.GETROUTE, AF.INET)),
        call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWADDR, AF.INET)),
        dumper.send(dumpRequest(RTM.GETROUTE, AF.INET)).then(() => readUntilDone(dumper)),
        newlink,
      ]);
    });
    expect(underRtnl).toEqual({ newlink: true, getroute: true, newaddr: true, dumpRoutes: true });
    // Each of them waited for the ip-link doit to drop RTNL.
    expect(finished.getroute).toBeGreaterThanOrEqual(finished.newlink ?? Number.NaN);
    expect(finished.newaddr).toBeGreaterThanOrEqual(finished.newlink ?? Number.NaN);
    expect(finished.dumpRoutes).toBeGreaterThanOrEqual(finished.newlink ?? Number.NaN);
    expect(strategy.rtnl.locked).toBe(false);
  });

  it('names the handler where RTNL is acquired, for lockdep and statistics', async () => {
    const { strategy, rtnl, clock } = world();
    let held: { lock: string; at: string | undefined }[] = [];
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.SETLINK,
      name: 'rtnl_setlink',
      doit(req) {
        held = req.task.held.map((h) => ({ lock: h.lock.name, at: h.at }));
      },
    });
    expect(await clock.run(() => call(rtnl.socket({ admin: true }), toyRequest(RTM.SETLINK)))).toBe(0);
    expect(held).toEqual([{ lock: 'rtnl', at: 'rtnl_setlink' }]);
    expect(strategy.rtnl.cls.name).toBe('rtnl');
    expect(strategy.rtnl.cls.rank).toBe(0);
  });

  it('aliases every class to RTNL: fib inside a request is free and no new lock', async () => {
    const { strategy, rtnl, clock, env } = world();
    const seen: string[] = [];
    rtnl.handlers.register({
      family: AF.INET,
      type: RTM.NEWROUTE,
      name: 'inet_rtm_newroute',
      async doit(req) {
        const fib = req.lock('fib');
        await fib.lock(req.task);
        seen.push(`held: ${req.task.held.map((h) => h.lock.name).join(',')}`);
        fib.assertHeld(req.task);
        await req.lock('devinet').run(req.task, () => {
          seen.push(`nested: ${req.task.held.length}`);
        });
        fib.unlock(req.task);
        seen.push(`after fib: rtnl ${strategy.rtnl.ownerTask === req.task ? 'still held' : 'dropped'}`);
      },
    });
    expect(await clock.run(() => call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWROUTE, AF.INET)))).toBe(0);
    expect(seen).toEqual(['held: rtnl', 'nested: 1', 'after fib: rtnl still held']);
    // No fib or devinet lock exists for lockdep: no dependency, no report.
    expect(env.lockdep?.dependencyList()).toEqual([]);
    expect(env.lockdep?.reports).toEqual([]);
    expect(strategy.lock('fib').name).toBe('fib');
  });

  it('aliases every class to RTNL: fib outside a request (a worker) takes RTNL, and requests wait for it', async () => {
    const { strategy, rtnl, clock } = world();
    let doitAt = -1;
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      doit() {
        doitAt = clock.now();
      },
    });
    const worker = new Task('fib_table_flush_worker');
    await clock.run(async () => {
      await strategy.lock('fib', rtnl.initNet).lock(worker);
      expect(strategy.rtnl.ownerTask).toBe(worker);
      const request = call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK));
      await clock.sleep(50);
      expect(doitAt).toBe(-1);
      strategy.lock('fib', rtnl.initNet).unlock(worker);
      expect(await request).toBe(0);
    });
    expect(doitAt).toBe(50);
    expect(strategy.rtnl.locked).toBe(false);
  });

  it('lets lock statistics see the rtnl class, with its contentions', async () => {
    const { strategy, rtnl, clock, env } = world({ stats: true });
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      name: 'rtnl_newlink',
      doit: () => clock.sleep(5),
    });
    await clock.run(() =>
      Promise.all(Array.from({ length: 4 }, () => call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK)))),
    );
    const row = env.stats?.snapshot().find((r) => r.class === 'rtnl');
    expect(row?.acquisitions).toBe(4);
    expect(row?.contentions).toBe(3);
    expect(row?.hold.max).toBe(5);
    expect(row?.wait.max).toBe(15);
    expect(strategy.rtnl.locked).toBe(false);
  });

  it('refuses to be used before attach() or attached to a second rtnetlink instance', () => {
    const strategy: GlobalStrategy = globalStrategy({ name: 'global-4.13' });
    expect(strategy.name).toBe('global-4.13');
    expect(() => strategy.rtnl).toThrow(LockError);
    expect(() => strategy.lock('fib')).toThrow(LockError);
    const { rtnl } = toyWorld(strategy);
    strategy.attach(rtnl); // the same host again: nothing changes
    expect(() => new Rtnetlink({ strategy: strategy as LockStrategy })).toThrow(LockError);
    expect(strategy.rtnl.cls.env).toBe(rtnl.env);
  });
});

describe("the seed's FIB example under a global RTNL", () => {
  it('runs fib-then-rtnl and rtnl-then-fib side by side: fib is RTNL, so nothing inverts', async () => {
    const { rtnl, clock, env, calls } = fibAbbaWorld(globalStrategy());
    const socket = rtnl.socket({ admin: true });
    const errnos = await clock.run(() =>
      Promise.all([call(socket, toyRequest(RTM.NEWROUTE, AF.INET)), call(socket, toyRequest(RTM.SETLINK))]),
    );
    expect(errnos).toEqual([0, 0]);
    expect(calls.sort()).toEqual(['fib_netdev_event', 'nic_fib_event']);
    expect(env.lockdep?.reports).toEqual([]);
  });
});
