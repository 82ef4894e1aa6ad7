import { describe, expect, it } from 'vitest';
import { LockEnv } from '../locking/lock-class';
import { Mutex } from '../locking/mutex';
import { Task } from '../task/task';
import { DeadlockError, StallError, VirtualClock } from './virtual-clock';

/** Three clients that each do three steps of work of equal cost, logging who ran when. */
async function contest(clock: VirtualClock): Promise<string[]> {
  const log: string[] = [];
  const mutex = new Mutex(new LockEnv({ clock }).lockClass('shared'));
  const client = async (name: string) => {
    const task = new Task(name);
    for (let step = 0; step < 3; step++) {
      await clock.sleep(10);
      await mutex.runExclusive(task, async () => {
        log.push(`${clock.now()}:${name}`);
        await clock.sleep(1);
      });
    }
  };
  await clock.run(() => Promise.all(['a', 'b', 'c'].map(client)));
  return log;
}

describe('VirtualClock', () => {
  it('advances time only when every task waits, and jumps straight to the next timer', async () => {
    const clock = new VirtualClock();
    const started = performance.now();
    const seen: number[] = [];
    await clock.run(async () => {
      await clock.sleep(300);
      seen.push(clock.now());
      await Promise.all([
        clock.sleep(50).then(() => seen.push(clock.now())),
        clock.sleep(20).then(() => seen.push(clock.now())),
      ]);
    });
    expect(seen).toEqual([300, 320, 350]);
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('does not advance while a task is still busy with microtasks', async () => {
    const clock = new VirtualClock();
    const result = await clock.run(async () => {
      const timer = clock.sleep(5).then(() => clock.now());
      let spins = 0;
      for (let i = 0; i < 1000; i++) {
        await Promise.resolve();
        if (clock.now() === 0) spins += 1;
      }
      return { spins, fired: await timer };
    });
    expect(result).toEqual({ spins: 1000, fired: 5 });
  });

  it('gives identical results twice for one seed', async () => {
    expect(await contest(new VirtualClock({ seed: 42 }))).toEqual(await contest(new VirtualClock({ seed: 42 })));
  });

  it('gives different interleavings for different seeds', async () => {
    const runs = new Set<string>();
    for (let seed = 1; seed <= 8; seed++) runs.add((await contest(new VirtualClock({ seed }))).join(' '));
    expect(runs.size).toBeGreaterThan(1);
  });

  it('fires timers due together in creation order without a seed', async () => {
    const clock = new VirtualClock();
    const order: number[] = [];
    await clock.run(() => Promise.all([0, 1, 2, 3].map((i) => clock.sleep(7).then(() => order.push(i)))));
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('reports a real ABBA deadlock with its wait-for cycle instead of hanging', async () => {
    const clock = new VirtualClock();
    const env = new LockEnv({ clock });
    const rtnl = new Mutex(env.lockClass('rtnl'));
    const fib = new Mutex(env.lockClass('fib'));
    const a = new Task('rtnl-first');
    const b = new Task('fib-first');
    const take = async (task: Task, first: Mutex, second: Mutex) => {
      await first.lock(task);
      await clock.sleep(1);
      await second.lock(task);
    };
    const run = clock.run(() => Promise.all([take(a, rtnl, fib), take(b, fib, rtnl)]));
    await expect(run).rejects.toBeInstanceOf(DeadlockError);
    const error = (await run.catch((e: unknown) => e)) as DeadlockError;
    expect(error.cycle.map((e) => `${e.task.name} waits for ${e.waitsFor.name} held by ${e.heldBy.name}`)).toEqual([
      'rtnl-first waits for fib held by fib-first',
      'fib-first waits for rtnl held by rtnl-first',
    ]);
    expect(error.at).toBe(1);
  });

  it('reports a stall when a lock is never released', async () => {
    const clock = new VirtualClock();
    const m = new Mutex(new LockEnv({ clock }).lockClass('leaked'));
    const run = clock.run(async () => {
      await m.lock(new Task('leaker'));
      await m.lock(new Task('victim'));
    });
    await expect(run).rejects.toBeInstanceOf(StallError);
    await expect(run).rejects.toThrow(/victim\/\d+ waits for leaked/);
  });

  it('stops at the time limit instead of running a periodic timer forever', async () => {
    const clock = new VirtualClock();
    const run = clock.run(
      async () => {
        for (;;) await clock.sleep(1000);
      },
      { timeLimit: 10_000 },
    );
    await expect(run).rejects.toThrow(/time limit/);
  });

  it('passes on what main throws', async () => {
    const clock = new VirtualClock();
    await expect(
      clock.run(async () => {
        await clock.sleep(3);
        throw new Error('scenario failed');
      }),
    ).rejects.toThrow('scenario failed');
  });

  it('cancels a sleep on abort', async () => {
    const clock = new VirtualClock();
    await clock.run(async () => {
      const controller = new AbortController();
      const nap = clock.sleep(100, controller.signal);
      await clock.sleep(10);
      controller.abort(new Error('wake'));
      await expect(nap).rejects.toThrow('wake');
      expect(clock.pendingTimers).toBe(0);
    });
  });
});
