import { describe, expect, it } from 'vitest';
import { Rcu } from '../sync/rcu';
import { runTask, Task } from '../task/task';
import { LockEnv } from './lock-class';
import { LockdepError } from './lockdep';
import { Mutex } from './mutex';
import { RwSemaphore } from './rwsem';

function world(mode: 'report' | 'refuse' = 'report') {
  const env = new LockEnv({ lockdep: { mode } });
  const lockdep = env.lockdep;
  if (!lockdep) throw new Error('lockdep missing');
  return { env, lockdep, mutex: (name: string) => new Mutex(env.lockClass(name)) };
}

/** Takes `locks` in order as one task, then releases them; no two tasks ever overlap. */
async function nest(task: Task, locks: Mutex[], at?: string) {
  for (const lock of locks) await lock.lock(task, at ? { at } : undefined);
  for (const lock of [...locks].reverse()) lock.unlock(task);
}

describe('Lockdep', () => {
  it('reports an ABBA inversion of two locks the first time both orders are seen, without any deadlock', async () => {
    const { lockdep, mutex } = world();
    const rtnl = mutex('rtnl');
    const fib = mutex('fib');
    await nest(new Task('ip-route'), [rtnl, fib], 'fib_table_insert');
    expect(lockdep.reports).toEqual([]);
    await nest(new Task('fib-notifier'), [fib, rtnl], 'fib_netdev_event');
    expect(lockdep.reports).toHaveLength(1);
    const [report] = lockdep.reports;
    expect(report?.kind).toBe('circular');
    expect(report?.title).toBe('possible circular locking dependency detected');
    expect(report?.task).toMatch(/^fib-notifier\/\d+$/);
    expect(report?.chain.map((s) => `${s.from}->${s.to}`)).toEqual(['fib->rtnl', 'rtnl->fib']);
    expect(report?.chain[1]?.task).toMatch(/^ip-route\//);
    // Both chains are named the way the kernel prints them.
    expect(report?.text).toContain('WARNING: possible circular locking dependency detected');
    expect(report?.text).toContain('is trying to acquire lock:\n  (rtnl), at: fib_netdev_event');
    expect(report?.text).toContain('but task is already holding lock:\n  (fib)');
    expect(report?.text).toContain('acquired by ip-route/');
    expect(report?.text).toContain('*** DEADLOCK ***');
  });

  it('reports a cycle of three locks that no two tasks close alone', async () => {
    const { lockdep, mutex } = world();
    const [a, b, c] = [mutex('A'), mutex('B'), mutex('C')];
    await nest(new Task('t1'), [a, b]);
    await nest(new Task('t2'), [b, c]);
    expect(lockdep.reports).toEqual([]);
    await nest(new Task('t3'), [c, a]);
    expect(lockdep.reports.map((r) => r.kind)).toEqual(['circular']);
    expect(lockdep.reports[0]?.chain.map((s) => `${s.from}->${s.to}`)).toEqual(['C->A', 'A->B', 'B->C']);
    expect(lockdep.reports[0]?.text).toContain('Chain exists of:\n  A --> B --> C --> A');
  });

  it('is silent for a consistent order, however often it is taken', async () => {
    const { lockdep, mutex } = world();
    const [rtnl, devinet, fib] = [mutex('rtnl'), mutex('devinet'), mutex('fib')];
    for (let i = 0; i < 5; i++) {
      await nest(new Task(`t${i}`), [rtnl, devinet, fib]);
      await nest(new Task(`u${i}`), [rtnl, fib]);
      await nest(new Task(`v${i}`), [devinet, fib]);
    }
    expect(lockdep.reports).toEqual([]);
    expect(
      lockdep
        .dependencyList()
        .map((d) => `${d.from}->${d.to}`)
        .sort(),
    ).toEqual(['devinet->fib', 'rtnl->devinet', 'rtnl->fib']);
  });

  it('in refuse mode throws before waiting and leaves both locks as they were', async () => {
    const { lockdep, mutex } = world('refuse');
    const rtnl = mutex('rtnl');
    const fib = mutex('fib');
    await nest(new Task('a'), [rtnl, fib]);
    const b = new Task('b');
    await fib.lock(b);
    await expect(rtnl.lock(b)).rejects.toBeInstanceOf(LockdepError);
    expect(rtnl.locked).toBe(false);
    expect(b.held.map((h) => h.lock.name)).toEqual(['fib']);
    fib.unlock(b);
    expect(lockdep.reports.map((r) => r.kind)).toEqual(['circular']);
    // Refused every time, reported once.
    await fib.lock(b);
    await expect(rtnl.lock(b)).rejects.toThrow(/circular/);
    fib.unlock(b);
    expect(lockdep.reports).toHaveLength(1);
  });

  it('orders instances of one class with its comparator (lock_set_cmp_fn)', async () => {
    const env = new LockEnv({ lockdep: { mode: 'refuse' } });
    const netClass = env.lockClass('rtnl_net', { compare: (a, b) => (a as number) - (b as number) });
    const ns = (id: number) => new Mutex(netClass, { name: `rtnl_net(${id})`, key: id });
    const [n1, n2, n3] = [ns(1), ns(2), ns(3)];
    const t = new Task('rtnl_nets_lock');
    await n1.lock(t);
    await n3.lock(t);
    n3.unlock(t);
    n1.unlock(t);
    await n3.lock(t);
    const refused = n2.lock(t);
    await expect(refused).rejects.toBeInstanceOf(LockdepError);
    await expect(refused).rejects.toThrow(/lock ordering violation within one lock class/);
    n3.unlock(t);
    expect(env.lockdep?.reports.map((r) => r.kind)).toEqual(['instance-order']);
  });

  it('reports two instances of a class without a comparator as recursive locking', async () => {
    const { lockdep, env } = world();
    const cls = env.lockClass('dev_instance');
    const [d1, d2] = [new Mutex(cls, { name: 'eth0' }), new Mutex(cls, { name: 'eth1' })];
    const t = new Task('t');
    await d1.lock(t);
    await d2.lock(t);
    expect(lockdep.reports.map((r) => [r.kind, r.title])).toEqual([
      ['recursive', 'possible recursive locking detected'],
    ]);
  });

  it('reports the same lock taken twice by one task as recursion before the mutex refuses it', async () => {
    const { lockdep, mutex } = world();
    const m = mutex('self');
    const t = new Task('t');
    await m.lock(t);
    await expect(m.lock(t)).rejects.toThrow(/recursive/);
    expect(lockdep.reports.map((r) => r.kind)).toEqual(['recursive']);
  });

  it('reports a bad unlock and a task that ends holding a lock', async () => {
    const { lockdep, mutex } = world();
    const m = mutex('leaky');
    expect(() => m.unlock(new Task('stranger'))).toThrow();
    expect(lockdep.reports.map((r) => r.title)).toEqual(['bad unlock balance detected!']);
    await runTask('forgetful', async (task) => {
      await m.lock(task);
    });
    expect(lockdep.reports.map((r) => r.kind)).toEqual(['bad-unlock', 'held-at-exit']);
    expect(lockdep.reports[1]?.text).toContain('WARNING: lock held when returning to user space!');
    expect(lockdep.reports[1]?.text).toMatch(/1 lock held by forgetful\/\d+:\n #0: \(leaky\)/);
  });

  it('reports a sleeping lock taken inside an RCU read section', async () => {
    const { lockdep, mutex } = world();
    const rcu = new Rcu();
    const m = mutex('rtnl');
    const t = new Task('reader');
    await rcu.read(t, async () => {
      await m.lock(t);
      m.unlock(t);
    });
    expect(lockdep.reports.map((r) => r.kind)).toEqual(['rcu-sleep']);
    expect(lockdep.reports[0]?.text).toContain('Illegal context switch in RCU read-side critical section!');
  });

  it('records trylocks as held but adds no dependency for them', async () => {
    const { lockdep, mutex } = world();
    const [a, b] = [mutex('a'), mutex('b')];
    const t = new Task('t');
    await a.lock(t);
    expect(b.tryLock(t)).toBe(true);
    expect(t.held.map((h) => h.lock.name)).toEqual(['a', 'b']);
    b.unlock(t);
    a.unlock(t);
    expect(lockdep.dependencyList()).toEqual([]);
  });

  it('assertHeld reports and throws for a lock the task does not hold', async () => {
    const { lockdep, mutex } = world();
    const m = mutex('rtnl');
    const t = new Task('t');
    expect(() => m.assertHeld(t)).toThrow();
    expect(lockdep.reports.map((r) => r.kind)).toEqual(['not-held']);
    await m.lock(t);
    expect(() => m.assertHeld(t)).not.toThrow();
  });

  it('counts rwsem read and write acquisitions in the same graph', async () => {
    const { lockdep, env } = world();
    const pernet = new RwSemaphore(env.lockClass('pernet_ops_rwsem'));
    const rtnl = new Mutex(env.lockClass('rtnl'));
    const a = new Task('copy_net_ns');
    await pernet.readLock(a);
    await rtnl.lock(a);
    rtnl.unlock(a);
    pernet.readUnlock(a);
    const b = new Task('bad');
    await rtnl.lock(b);
    await pernet.writeLock(b);
    expect(lockdep.reports.map((r) => r.locks)).toEqual([['rtnl', 'pernet_ops_rwsem']]);
  });
});
