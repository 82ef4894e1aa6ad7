import {
  AF,
  CostModel,
  LockdepError,
  type LockdepOptions,
  LockEnv,
  LockError,
  Net,
  RTM,
  RTNL_FLAG,
  Rtnetlink,
  Task,
  VirtualClock,
} from '@rtnlkit/core';
import { call, TOY_LOCK_CLASSES, toyRequest } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { elidedStrategy } from './elided-strategy';

/** A toy world with per-namespace RTNL, lockdep (report mode unless told) and statistics on. */
function world(lockdep: LockdepOptions = {}) {
  const strategy = elidedStrategy({ perNetRtnl: true });
  const clock = new VirtualClock({ seed: 1 });
  const env = new LockEnv({ clock, lockdep, stats: true });
  const rtnl = new Rtnetlink({ strategy, env, costs: new CostModel({}, 1) });
  rtnl.declareLockClasses(TOY_LOCK_CLASSES);
  return { strategy, rtnl, clock, env };
}

const heldNames = (task: Task) => task.held.map((h) => h.lock.name);

describe('elidedStrategy({ perNetRtnl: true })', () => {
  it('takes rtnl_net of every namespace a prepare stage names, init_net first, whichever side asks (rtnl_nets_lock)', async () => {
    const { strategy, rtnl, clock, env } = world();
    const a = new Net('A');
    const b = new Net('B');
    const seen: string[] = [];
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      flags: RTNL_FLAG.DOIT_PERNET,
      name: 'rtnl_newlink',
      // The veth peer goes to the namespace named by the request's family byte (a toy encoding).
      prepare: (req) => ({ nets: [req.net === a ? rtnl.initNet : a, b] }),
      async doit(req) {
        seen.push(`${req.net.name}: ${heldNames(req.task).join(' > ')}`);
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
      'A: rtnl > rtnl_net(init_net) > rtnl_net(A) > rtnl_net(B)',
      'init_net: rtnl > rtnl_net(init_net) > rtnl_net(A) > rtnl_net(B)',
    ]);
    for (const net of [rtnl.initNet, a, b]) expect(strategy.rtnlNet(net).locked).toBe(false);
    expect(env.lockdep?.reports).toEqual([]);
  });

  it('runs a DOIT_PERNET doit in namespace A under RTNL and then rtnl_net(A), released in reverse', async () => {
    const { strategy, rtnl, clock, env } = world();
    const a = new Net('A');
    const seen: string[] = [];
    rtnl.handlers.register({
      family: AF.INET,
      type: RTM.NEWADDR,
      flags: RTNL_FLAG.DOIT_PERNET,
      name: 'inet_rtm_newaddr',
      doit(req) {
        seen.push(`held: ${heldNames(req.task).join(' > ')}`);
        seen.push(`at: ${req.task.held.map((h) => h.at).join(',')}`);
        seen.push(`rtnl owner: ${strategy.rtnl.ownerTask === req.task}`);
        seen.push(`rtnl_net(A) owner: ${strategy.rtnlNet(a).ownerTask === req.task}`);
        seen.push(`rtnl_net(init_net) locked: ${strategy.rtnlNet(rtnl.initNet).locked}`);
        req.lock('rtnl_net').assertHeld(req.task); // ASSERT_RTNL_NET(net)
        req.lock('rtnl').assertHeld(req.task); // ASSERT_RTNL()
      },
    });
    const errno = await clock.run(() => call(rtnl.socket({ admin: true, net: a }), toyRequest(RTM.NEWADDR, AF.INET)));
    expect(errno).toBe(0);
    expect(seen).toEqual([
      'held: rtnl > rtnl_net(A)',
      'at: inet_rtm_newaddr,inet_rtm_newaddr',
      'rtnl owner: true',
      'rtnl_net(A) owner: true',
      'rtnl_net(init_net) locked: false',
    ]);
    expect(strategy.rtnl.locked).toBe(false);
    expect(strategy.rtnlNet(a).locked).toBe(false);
    expect(strategy.rtnlNet(a).name).toBe('rtnl_net(A)');
    expect(strategy.rtnlNet(a).key).toBe(a);
    expect(strategy.rtnlNet(a)).toBe(strategy.rtnlNet(a)); // one mutex per namespace
    expect(env.lockdep?.dependencyList().map((d) => `${d.from} -> ${d.to}`)).toEqual(['rtnl -> rtnl_net']);
    expect(env.lockdep?.reports).toEqual([]);
  });

  it('runs a DOIT_PERNET_WIP doit like a DOIT_PERNET one, and a DOIT_UNLOCKED one with nothing held', async () => {
    const { rtnl, clock } = world();
    const a = new Net('A');
    const held: Record<string, string[]> = {};
    rtnl.handlers.registerMany([
      {
        family: AF.UNSPEC,
        type: RTM.SETLINK,
        flags: RTNL_FLAG.DOIT_PERNET_WIP,
        doit(req) {
          held.setlink = heldNames(req.task);
        },
      },
      {
        family: AF.INET,
        type: RTM.GETROUTE,
        flags: RTNL_FLAG.DOIT_UNLOCKED,
        doit(req) {
          held.getroute = heldNames(req.task);
        },
      },
    ]);
    const s = rtnl.socket({ admin: true, net: a });
    await clock.run(async () => {
      expect(await call(s, toyRequest(RTM.SETLINK))).toBe(0);
      expect(await call(s, toyRequest(RTM.GETROUTE, AF.INET))).toBe(0);
    });
    expect(held).toEqual({ setlink: ['rtnl', 'rtnl_net(A)'], getroute: [] });
  });

  it('serialises two DOIT_PERNET requests in different namespaces on the global RTNL, as the kernel does today', async () => {
    const { strategy, rtnl, clock, env } = world();
    const a = new Net('A');
    const b = new Net('B');
    const spans: { net: string; start: number; end: number; held: string[] }[] = [];
    rtnl.handlers.register({
      family: AF.INET,
      type: RTM.NEWROUTE,
      flags: RTNL_FLAG.DOIT_PERNET,
      name: 'inet_rtm_newroute',
      async doit(req) {
        const start = clock.now();
        const held = heldNames(req.task);
        await clock.sleep(10);
        spans.push({ net: req.net.name, start, end: clock.now(), held });
      },
    });
    await clock.run(() =>
      Promise.all([
        call(rtnl.socket({ admin: true, net: a }), toyRequest(RTM.NEWROUTE, AF.INET)),
        call(rtnl.socket({ admin: true, net: b }), toyRequest(RTM.NEWROUTE, AF.INET)),
      ]),
    );
    expect(spans).toEqual([
      { net: 'A', start: 0, end: 10, held: ['rtnl', 'rtnl_net(A)'] },
      { net: 'B', start: 10, end: 20, held: ['rtnl', 'rtnl_net(B)'] },
    ]);
    const stats = env.stats?.snapshot() ?? [];
    const rtnlRow = stats.find((r) => r.class === 'rtnl');
    const netRow = stats.find((r) => r.class === 'rtnl_net');
    expect(rtnlRow).toMatchObject({ acquisitions: 2, contentions: 1 });
    // The namespaces' own mutexes never made anyone wait: the global RTNL did.
    expect(netRow).toMatchObject({ acquisitions: 2, contentions: 0 });
    expect(strategy.rtnl.locked).toBe(false);
  });

  it('rtnl_net_lock() outside a request takes RTNL first, then the namespace; several go in comparator order', async () => {
    const { strategy, rtnl, env } = world();
    const a = new Net('A');
    const b = new Net('B');
    const task = new Task('rtnl_nets_lock');
    const nets = [rtnl.initNet, a, b];
    for (const net of nets) await strategy.lock('rtnl_net', net).lock(task);
    expect(heldNames(task)).toEqual(['rtnl', 'rtnl_net(init_net)', 'rtnl_net(A)', 'rtnl_net(B)']);
    for (const net of nets) strategy.lock('rtnl_net', net).assertHeld(task);
    // Released in any order, RTNL goes with the last namespace.
    strategy.lock('rtnl_net', a).unlock(task);
    strategy.lock('rtnl_net', rtnl.initNet).unlock(task);
    expect(heldNames(task)).toEqual(['rtnl', 'rtnl_net(B)']);
    strategy.lock('rtnl_net', b).unlock(task);
    expect(heldNames(task)).toEqual([]);
    expect(strategy.rtnl.locked).toBe(false);
    expect(env.lockdep?.reports).toEqual([]);
  });

  it('reports two namespaces locked against the comparator order (lockdep report mode)', async () => {
    const { strategy, env } = world();
    const a = new Net('A');
    const b = new Net('B');
    const task = new Task('bad_nets_lock');
    await strategy.lock('rtnl_net', b).lock(task);
    await strategy.lock('rtnl_net', a).lock(task);
    const reports = env.lockdep?.reports ?? [];
    expect(reports.map((r) => [r.kind, r.locks.join(' then ')])).toEqual([
      ['instance-order', 'rtnl_net(B) then rtnl_net(A)'],
    ]);
    expect(reports[0]?.text).toContain('instances of class rtnl_net must be taken in the order of its comparator');
    strategy.lock('rtnl_net', a).unlock(task);
    strategy.lock('rtnl_net', b).unlock(task);
    expect(strategy.rtnl.locked).toBe(false);
  });

  it('refuses two namespaces locked against the comparator order (lockdep refuse mode), and leaves no lock behind', async () => {
    const { strategy, rtnl, env } = world({ mode: 'refuse' });
    const a = new Net('A');
    const task = new Task('bad_nets_lock');
    await strategy.lock('rtnl_net', a).lock(task);
    const refused = strategy.lock('rtnl_net', rtnl.initNet).lock(task);
    await expect(refused).rejects.toBeInstanceOf(LockdepError);
    await expect(refused).rejects.toMatchObject({ report: { kind: 'instance-order' } });
    expect(heldNames(task)).toEqual(['rtnl', 'rtnl_net(A)']);
    expect(strategy.rtnlNet(rtnl.initNet).locked).toBe(false);
    strategy.lock('rtnl_net', a).unlock(task);
    expect(strategy.rtnl.locked).toBe(false);
    expect(env.lockdep?.reports.map((r) => r.kind)).toEqual(['instance-order']);
  });

  it('inside a DOIT_PERNET doit, its own namespace nests for free and a later one needs no second RTNL', async () => {
    const { strategy, rtnl, clock, env } = world();
    const a = new Net('A');
    const b = new Net('B');
    const seen: string[][] = [];
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      flags: RTNL_FLAG.DOIT_PERNET,
      name: 'rtnl_newlink',
      async doit(req) {
        await req.lock('rtnl_net').run(req.task, async () => {
          seen.push(heldNames(req.task));
          // A peer in namespace B (after A in the comparator order), like rtnl_nets_lock().
          await req.lock('rtnl_net', b).run(req.task, () => {
            seen.push(heldNames(req.task));
          });
        });
        seen.push(heldNames(req.task));
      },
    });
    const errno = await clock.run(() => call(rtnl.socket({ admin: true, net: a }), toyRequest(RTM.NEWLINK)));
    expect(errno).toBe(0);
    expect(seen).toEqual([
      ['rtnl', 'rtnl_net(A)'],
      ['rtnl', 'rtnl_net(A)', 'rtnl_net(B)'],
      ['rtnl', 'rtnl_net(A)'],
    ]);
    expect(strategy.rtnl.locked || strategy.rtnlNet(a).locked || strategy.rtnlNet(b).locked).toBe(false);
    expect(env.lockdep?.reports).toEqual([]);
  });

  it('makes requests wait while a worker holds a namespace through rtnl_net (it holds RTNL too)', async () => {
    const { strategy, rtnl, clock } = world();
    const a = new Net('A');
    const b = new Net('B');
    let doitAt = -1;
    rtnl.handlers.register({
      family: AF.INET,
      type: RTM.NEWADDR,
      flags: RTNL_FLAG.DOIT_PERNET,
      doit() {
        doitAt = clock.now();
      },
    });
    const worker = new Task('check_lifetime');
    await clock.run(async () => {
      await strategy.lock('rtnl_net', a).lock(worker);
      const request = call(rtnl.socket({ admin: true, net: b }), toyRequest(RTM.NEWADDR, AF.INET));
      await clock.sleep(30);
      expect(doitAt).toBe(-1);
      strategy.lock('rtnl_net', a).unlock(worker);
      expect(await request).toBe(0);
    });
    expect(doitAt).toBe(30);
  });

  it('asks which namespace for rtnl_net, and keeps the lock class ordered by compareNets', () => {
    const { strategy, env } = world();
    expect(() => strategy.lock('rtnl_net')).toThrow(LockError);
    const cls = env.allClasses().find((c) => c.name === 'rtnl_net');
    const a = new Net('A');
    expect(cls?.compare?.(a, new Net('B'))).toBeLessThan(0);
    expect(cls?.compare?.(a, strategy.rtnlNet(a).key)).toBe(0);
  });
});
