import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { LockEnv } from '../locking/lock-class';
import { Mutex } from '../locking/mutex';
import { Task } from '../task/task';
import { CostModel } from '../time/cost-model';
import { VirtualClock } from '../time/virtual-clock';
import { Rcu, RcuError } from './rcu';

const setup = (costs: ConstructorParameters<typeof CostModel>[0] = {}) => {
  const clock = new VirtualClock();
  return {
    clock,
    rcu: new Rcu({
      clock,
      costs: new CostModel({ 'rcu.gracePeriod': { ms: 20 }, 'rcu.expedited': { ms: 1 }, ...costs }),
    }),
  };
};

describe('Rcu', () => {
  it('synchronize waits for the readers that were inside when it began', async () => {
    const { clock, rcu } = setup();
    await clock.run(async () => {
      const reader = new Task('reader');
      const section = rcu.readLock(reader);
      let done = false;
      const gp = rcu.synchronize().then(() => {
        done = true;
      });
      await clock.sleep(100);
      expect(done).toBe(false);
      section.release();
      await gp;
      expect(clock.now()).toBe(100);
    });
  });

  it('does not wait for readers that began after it', async () => {
    const { clock, rcu } = setup();
    await clock.run(async () => {
      const gp = rcu.synchronize();
      const late = rcu.readLock(new Task('late reader'));
      await gp;
      expect(clock.now()).toBe(20);
      expect(rcu.readers).toBe(1);
      late.release();
    });
  });

  it('costs a grace period even with no reader, and less when expedited', async () => {
    const { clock, rcu } = setup();
    await clock.run(async () => {
      await rcu.synchronize();
      expect(clock.now()).toBe(20);
      await rcu.synchronizeExpedited();
      expect(clock.now()).toBe(21);
      expect(rcu.gracePeriods).toBe(2);
    });
  });

  test.prop([
    fc.array(fc.record({ start: fc.integer({ min: 0, max: 50 }), length: fc.integer({ min: 0, max: 50 }) }), {
      maxLength: 12,
    }),
    fc.integer({ min: 0, max: 50 }),
  ])('ends a grace period exactly when the last pre-existing reader leaves (or at its cost)', async (readers, at) => {
    const { clock, rcu } = setup({ 'rcu.gracePeriod': { ms: 5 } });
    await clock.run(async () => {
      const sections = readers.map(async ({ start, length }, i) => {
        await clock.sleep(start);
        const guard = rcu.readLock(new Task(`r${i}`));
        await clock.sleep(length);
        guard.release();
      });
      await clock.sleep(at);
      const began = clock.now();
      // Readers that entered strictly before synchronize (same instant: they entered first only
      // if their timer fired first, which creation order guarantees for readers created first).
      const preExisting = readers.filter(({ start, length }) => start <= began && start + length > began);
      await rcu.synchronize();
      const expected = Math.max(began + 5, ...preExisting.map(({ start, length }) => start + length));
      expect(clock.now()).toBe(expected);
      await Promise.all(sections);
    });
  });

  it('runs call_rcu callbacks after a grace period, batched, and barrier waits for them', async () => {
    const { clock, rcu } = setup();
    const ran: [string, number][] = [];
    await clock.run(async () => {
      const guard = rcu.readLock(new Task('r'));
      rcu.callRcu(() => ran.push(['first', clock.now()]));
      rcu.callRcu(() => ran.push(['second', clock.now()]));
      await clock.sleep(30);
      guard.release();
      await rcu.barrier();
    });
    expect(ran).toEqual([
      ['first', 30],
      ['second', 30],
    ]);
  });

  it("refuses synchronize from inside the caller's own read section", async () => {
    const { clock, rcu } = setup();
    await clock.run(async () => {
      const t = new Task('self');
      await rcu.read(t, async () => {
        await expect(rcu.synchronize(t)).rejects.toBeInstanceOf(RcuError);
      });
      expect(t.rcuDepth).toBe(0);
    });
  });

  it('shows a synchronizing task as blocked on the readers it waits for', async () => {
    const { clock, rcu } = setup();
    await clock.run(async () => {
      const reader = new Task('reader');
      const writer = new Task('writer');
      const guard = rcu.readLock(reader);
      const gp = rcu.synchronize(writer);
      await clock.sleep(1);
      expect(writer.waitingOn?.name).toBe('rcu grace period');
      expect([...(writer.waitingOn?.holders() ?? [])]).toEqual([reader]);
      guard.release();
      await gp;
      expect(writer.waitingOn).toBe(null);
    });
  });

  it('refuses leaving a section twice', () => {
    const rcu = new Rcu();
    const guard = rcu.readLock(new Task('t'));
    guard.release();
    expect(() => guard.release()).toThrow(RcuError);
  });
});

describe('Rcu({ sleepable: true }) (SRCU)', () => {
  it('lets a reader take a sleeping lock inside its section, and still waits for it', async () => {
    const clock = new VirtualClock();
    const env = new LockEnv({ clock, lockdep: true });
    const srcu = new Rcu({
      name: 'srcu',
      clock,
      sleepable: true,
      costs: new CostModel({ 'rcu.gracePeriod': { ms: 1 } }),
    });
    const mutex = new Mutex(env.lockClass('link_ops_mutex'));
    const reader = new Task('rtnl_newlink');
    let synchronizedAt = -1;
    await clock.run(async () => {
      const section = srcu.readLock(reader);
      await mutex.runExclusive(reader, () => clock.sleep(10));
      const writer = srcu.synchronize(new Task('rtnl_link_unregister')).then(() => {
        synchronizedAt = clock.now();
      });
      await clock.sleep(5);
      section.release();
      await writer;
    });
    expect(reader.rcuDepth).toBe(0);
    expect(env.lockdep?.reports).toEqual([]);
    expect(synchronizedAt).toBe(15); // the reader left at 15; the 1 ms grace-period cost ran meanwhile
  });

  it("refuses a synchronize from inside the same task's section of the domain", async () => {
    const srcu = new Rcu({ name: 'srcu', sleepable: true });
    const task = new Task('t');
    using _section = srcu.readLock(task);
    await expect(srcu.synchronize(task)).rejects.toThrow(/inside its own srcu read-side section/);
  });
});
