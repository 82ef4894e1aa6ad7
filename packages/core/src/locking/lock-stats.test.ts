import { describe, expect, it } from 'vitest';
import { Task } from '../task/task';
import { VirtualClock } from '../time/virtual-clock';
import { LockEnv } from './lock-class';
import { Mutex } from './mutex';
import { RwSemaphore } from './rwsem';

describe('LockStats', () => {
  it('counts acquisitions, contentions, wait and hold times per class, and who waited for whom', async () => {
    const clock = new VirtualClock();
    const env = new LockEnv({ clock, stats: true });
    const rtnl = new Mutex(env.lockClass('rtnl'));
    await clock.run(async () => {
      const holder = async (name: string, holdMs: number, delay: number) => {
        const task = new Task(name);
        await clock.sleep(delay);
        await rtnl.runExclusive(task, () => clock.sleep(holdMs));
      };
      // slow-unregister holds 300 ms; two monitors arrive at 10 and 20 and wait.
      await Promise.all([holder('slow-unregister', 300, 0), holder('monitor', 5, 10), holder('monitor', 5, 20)]);
    });
    const [row] = env.stats?.snapshot() ?? [];
    expect(row).toMatchObject({ class: 'rtnl', acquisitions: 3, contentions: 2 });
    expect(row?.wait.max).toBe(290);
    expect(row?.wait.min).toBe(0);
    expect(row?.wait.total).toBe(290 + 285);
    expect(row?.hold.max).toBe(300);
    expect(row?.hold.total).toBe(310);
    expect(row?.contentionPoints).toEqual([{ task: 'monitor', count: 2 }]);
    expect(row?.contendedPoints).toEqual([{ task: 'slow-unregister', count: 2 }]);
    expect(env.stats?.format()).toMatch(/^class\s+contentions\s+waittime-min/);
    expect(JSON.parse(JSON.stringify(env.stats)).classes[0].class).toBe('rtnl');
  });

  it('traces every wait and hold as an interval with its task, for lock timelines', async () => {
    const clock = new VirtualClock();
    const env = new LockEnv({ clock, stats: true });
    const intervals: string[] = [];
    if (env.stats)
      env.stats.tracer = (lock, task, state, start, end) => intervals.push(`${lock} ${task} ${state} ${start}-${end}`);
    const rtnl = new Mutex(env.lockClass('rtnl'));
    const sem = new RwSemaphore(env.lockClass('sem'));
    await clock.run(async () => {
      const a = new Task('a');
      const b = new Task('b');
      await Promise.all([
        rtnl.runExclusive(a, () => clock.sleep(3)),
        clock.sleep(1).then(() => rtnl.runExclusive(b, () => clock.sleep(2))),
        sem.read(a, () => clock.sleep(1)),
      ]);
    });
    expect(intervals.sort()).toEqual(['rtnl a hold 0-3', 'rtnl b hold 3-5', 'rtnl b wait 1-3', 'sem a hold 0-1']);
  });

  it('records shared holds of a rwsem and resets', async () => {
    const clock = new VirtualClock();
    const env = new LockEnv({ clock, stats: true });
    const sem = new RwSemaphore(env.lockClass('net_rwsem'));
    await clock.run(async () => {
      await sem.read(new Task('r'), () => clock.sleep(7));
    });
    expect(env.stats?.snapshot()[0]?.hold.total).toBe(7);
    env.stats?.reset();
    expect(env.stats?.snapshot()).toEqual([]);
  });

  it('does not exist in the default environment (no cost when off)', () => {
    expect(new LockEnv().stats).toBeUndefined();
    expect(new LockEnv().instrumented).toBe(false);
  });
});
