/**
 * The lock watchdog: a doit sleeping 2 s under RTNL (and a subsystem mutex) with a 1 s threshold
 * is reported once, naming the holder, its locks and who waits; short holds are never reported.
 */
import { describe, expect, it } from 'vitest';
import { Rtnetlink } from '../rtnetlink/rtnetlink';
import { Task } from '../task/task';
import { rtnlMutexStrategy } from '../testing/rtnl-mutex-strategy';
import { call, toyRequest } from '../testing/toy-world';
import { VirtualClock } from '../time/virtual-clock';
import { AF } from '../wire/constants';
import { RTM } from '../wire/generated';
import { LockEnv } from './lock-class';
import { Mutex } from './mutex';
import { LockWatchdog } from './watchdog';

function world(doitMs: number) {
  const clock = new VirtualClock();
  const env = new LockEnv({ clock, lockdep: true });
  const rtnl = new Rtnetlink({ strategy: rtnlMutexStrategy(), env });
  const fib = new Mutex(env.lockClass('toy_fib', { rank: 10 }));
  rtnl.handlers.registerMany([
    {
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      flags: 0,
      locks: ['rtnl'],
      name: 'slow_newlink',
      async doit(request) {
        await fib.runExclusive(request.task, () => clock.sleep(doitMs), { at: 'slow_newlink' });
      },
    },
  ]);
  return { clock, env, rtnl };
}

describe('LockWatchdog', () => {
  it('reports a 2 s hold of RTNL once with a 1 s threshold: the holder, its locks, the waiters', async () => {
    const { clock, env, rtnl } = world(2000);
    const watchdog = new LockWatchdog(env, { thresholdMs: 1000 });
    await clock.run(async () => {
      const slow = new Task('ip-link-add');
      const waiter = new Task('ip-link-set');
      const first = call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK), slow);
      await clock.sleep(500);
      const second = call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK), waiter);
      expect(await Promise.all([first, second])).toEqual([0, 0]);
    });
    // The first hold of rtnl and of toy_fib pass 1 s; the second request's holds (2 s too) as well.
    const first = watchdog.reports.filter((r) => r.task.startsWith('ip-link-add/'));
    expect(first.map((r) => [r.lock, r.at])).toEqual([
      ['rtnl', 1000],
      ['toy_fib', 1000],
    ]);
    const rtnlReport = first[0];
    expect(rtnlReport?.held).toEqual(['rtnl', 'toy_fib']);
    expect(rtnlReport?.waiters).toEqual([expect.stringMatching(/^ip-link-set\//)]);
    expect(rtnlReport?.text).toMatch(/^INFO: task ip-link-add\/\d+ held \(rtnl\) for more than 1 seconds\./);
    expect(rtnlReport?.text).toContain('2 locks held by ip-link-add/');
    expect(rtnlReport?.text).toContain(' #0: (rtnl), at: slow_newlink');
    expect(rtnlReport?.text).toContain(' #1: (toy_fib), at: slow_newlink');
    expect(rtnlReport?.text).toMatch(/1 task waiting for \(rtnl\):\n {2}ip-link-set\/\d+/);
    expect(watchdog.reports.filter((r) => r.task.startsWith('ip-link-set/')).map((r) => r.lock)).toEqual([
      'rtnl',
      'toy_fib',
    ]);
    expect(watchdog.reports).toHaveLength(4);
    expect(watchdog.watching).toBe(0);
    watchdog.dispose();
  });

  it('reports nothing for holds shorter than the threshold, and stops when disposed', async () => {
    const { clock, env, rtnl } = world(999);
    const watchdog = new LockWatchdog(env, { thresholdMs: 1000 });
    await clock.run(async () => {
      const socket = rtnl.socket({ admin: true });
      for (let i = 0; i < 5; i += 1) expect(await call(socket, toyRequest(RTM.NEWLINK))).toBe(0);
    });
    expect(watchdog.reports).toEqual([]);
    watchdog.dispose();
    const after = world(5000);
    const off = new LockWatchdog(after.env, { thresholdMs: 1000 });
    off.dispose();
    await after.clock.run(() => call(after.rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK)));
    expect(off.reports).toEqual([]);
  });

  it('needs lockdep and a positive threshold', () => {
    expect(() => new LockWatchdog(new LockEnv(), { thresholdMs: 1000 })).toThrow(/lockdep/);
    expect(() => new LockWatchdog(new LockEnv({ lockdep: true }), { thresholdMs: 0 })).toThrow(RangeError);
  });
});
