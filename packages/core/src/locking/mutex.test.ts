import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Task } from '../task/task';
import { VirtualClock } from '../time/virtual-clock';
import { LockError, LockTimeoutError } from './errors';
import { LockEnv } from './lock-class';
import { LockGuard, Mutex } from './mutex';

const tasks = (n: number) => Array.from({ length: n }, (_, i) => new Task(`t${i}`));

describe('Mutex', () => {
  it('grants a free mutex at once and hands it to waiters in FIFO order', async () => {
    const m = new Mutex('fifo');
    const [a, b, c, d] = tasks(4) as [Task, Task, Task, Task];
    const order: string[] = [];
    await m.lock(a);
    const waits = [b, c, d].map((t) => m.lock(t).then(() => order.push(t.name)));
    expect(m.waiters).toEqual([b, c, d]);
    m.unlock(a);
    await waits[0];
    expect(m.ownerTask).toBe(b);
    m.unlock(b);
    await waits[1];
    m.unlock(c);
    await waits[2];
    m.unlock(d);
    expect(order).toEqual([b.name, c.name, d.name]);
    expect(m.locked).toBe(false);
  });

  test.prop([fc.scheduler(), fc.integer({ min: 2, max: 8 })])(
    'never lets two tasks into the critical section, whatever the interleaving, and serves them in arrival order',
    async (s, n) => {
      const m = new Mutex('exclusion');
      let inside = 0;
      let maxInside = 0;
      const entered: number[] = [];
      const work = s.scheduleFunction(async (_i: number) => {});
      const runs = tasks(n).map((task, i) =>
        m.runExclusive(task, async () => {
          entered.push(i);
          inside += 1;
          maxInside = Math.max(maxInside, inside);
          await work(i);
          inside -= 1;
        }),
      );
      await s.waitFor(Promise.all(runs));
      expect(maxInside).toBe(1);
      expect(entered).toEqual([...Array(n).keys()]);
      expect(m.locked).toBe(false);
    },
  );

  it('tryLock takes a free mutex and refuses a held one', async () => {
    const m = new Mutex('try');
    const [a, b] = tasks(2) as [Task, Task];
    expect(m.tryLock(a)).toBe(true);
    expect(m.tryLock(b)).toBe(false);
    m.unlock(a);
    expect(m.tryLock(b)).toBe(true);
  });

  it('refuses an unlock by a task that does not hold it, and recursive locking', async () => {
    const m = new Mutex('owner');
    const [a, b] = tasks(2) as [Task, Task];
    expect(() => m.unlock(a)).toThrow(LockError);
    await m.lock(a);
    expect(() => m.unlock(b)).toThrow(/does not hold/);
    await expect(m.lock(a)).rejects.toThrow(/recursive locking/);
    expect(m.ownerTask).toBe(a);
    expect(m.waiters).toEqual([]);
  });

  it('an aborted waiter leaves the queue at once and never gets the lock', async () => {
    const m = new Mutex('abort');
    const [a, b, c] = tasks(3) as [Task, Task, Task];
    await m.lock(a);
    const controller = new AbortController();
    const bWait = m.lock(b, { signal: controller.signal });
    const cWait = m.lock(c);
    controller.abort(new Error('gave up'));
    await expect(bWait).rejects.toThrow('gave up');
    expect(m.waiters).toEqual([c]);
    expect(b.waitingOn).toBe(null);
    m.unlock(a);
    await cWait;
    expect(m.ownerTask).toBe(c);
  });

  it('rejects at once when the signal is already aborted, leaving nothing behind', async () => {
    const m = new Mutex('pre-aborted');
    const [a] = tasks(1) as [Task];
    await expect(m.lock(a, { signal: AbortSignal.abort(new Error('no')) })).rejects.toThrow('no');
    expect(m.locked).toBe(false);
  });

  it('times out on the lock class clock, leaving no ghost waiter and no held lock', async () => {
    const clock = new VirtualClock();
    const env = new LockEnv({ clock });
    const m = new Mutex(env.lockClass('timed'));
    const [a, b, c] = tasks(3) as [Task, Task, Task];
    await clock.run(async () => {
      await m.lock(a);
      const late = m.lock(b, { timeout: 50 });
      const patient = m.lock(c);
      await expect(late).rejects.toBeInstanceOf(LockTimeoutError);
      expect(clock.now()).toBe(50);
      expect(m.waiters).toEqual([c]);
      m.unlock(a);
      await patient;
      expect(m.ownerTask).toBe(c);
      m.unlock(c);
    });
    expect(m.locked).toBe(false);
  });

  test.prop([fc.scheduler(), fc.array(fc.constantFrom('wait', 'abort', 'timeout'), { minLength: 1, maxLength: 8 })])(
    'abort and timeout leave no waiter and no held lock behind, whatever the interleaving',
    async (s, kinds) => {
      const clock = new VirtualClock();
      const m = new Mutex(new LockEnv({ clock }).lockClass('churn'));
      await clock.run(async () => {
        const holder = new Task('holder');
        await m.lock(holder);
        const outcomes = kinds.map((kind, i) => {
          const task = new Task(`w${i}`);
          const controller = new AbortController();
          const p = m
            .lock(task, kind === 'timeout' ? { timeout: 1 + i } : { signal: controller.signal })
            .then(() => m.unlock(task));
          if (kind === 'abort') s.schedule(Promise.resolve()).then(() => controller.abort());
          return p.then(
            () => 'ok',
            () => 'gave up',
          );
        });
        await s.waitFor(clock.sleep(1));
        m.unlock(holder);
        await s.waitFor(Promise.all(outcomes));
      });
      expect(m.locked).toBe(false);
      expect(m.waiters).toEqual([]);
    },
  );

  it('hold() returns a guard that `using` releases, once', async () => {
    const m = new Mutex('scoped');
    const [a] = tasks(1) as [Task];
    {
      using guard = await m.hold(a);
      expect(guard).toBeInstanceOf(LockGuard);
      expect(m.ownerTask).toBe(a);
    }
    expect(m.locked).toBe(false);
    const guard = await m.hold(a);
    guard.release();
    guard.release();
    expect(m.locked).toBe(false);
  });

  it('runExclusive releases when the body throws', async () => {
    const m = new Mutex('throws');
    const [a] = tasks(1) as [Task];
    await expect(
      m.runExclusive(a, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(m.locked).toBe(false);
  });

  it('assertHeld passes for the owner only', async () => {
    const m = new Mutex('assert');
    const [a, b] = tasks(2) as [Task, Task];
    await m.lock(a);
    expect(() => m.assertHeld(a)).not.toThrow();
    expect(() => m.assertHeld(b)).toThrow(LockError);
  });

  it('shows the waiting task as blocked on the mutex, held by the owner', async () => {
    const m = new Mutex('introspect');
    const [a, b] = tasks(2) as [Task, Task];
    await m.lock(a);
    const wait = m.lock(b);
    expect(b.waitingOn).toBe(m);
    expect([...m.holders()]).toEqual([a]);
    m.unlock(a);
    await wait;
    expect(b.waitingOn).toBe(null);
  });
});
