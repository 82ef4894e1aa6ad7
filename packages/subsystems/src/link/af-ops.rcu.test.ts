/**
 * The RCU guarantee of af ops registration, on a virtual clock: `rtnl_af_unregister()` unlists
 * under RTNL, then waits outside RTNL for every reader that could still use the ops.
 */
import {
  CostModel,
  IFINFOMSG_LEN,
  IFLA,
  LockEnv,
  NLMSG_HDRLEN,
  RTM,
  Rtnetlink,
  runTask,
  Task,
  VirtualClock,
  walkAttrs,
} from '@rtnlkit/core';
import { rtnlMutexStrategy } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { type RtnlAfOps, rtnlAfLookup, rtnlAfOps, rtnlAfRegister, rtnlAfUnregister } from './af-ops';
import { fillIfinfo } from './fill';
import { NetDevice } from './netdevice';

const AF_TEST = 200;
const GRACE_PERIOD_MS = 20;

function setup() {
  const clock = new VirtualClock();
  const env = new LockEnv({ lockdep: true, clock });
  const costs = new CostModel({ 'rcu.gracePeriod': { ms: GRACE_PERIOD_MS }, 'rcu.expedited': { ms: 1 } });
  const rtnl = new Rtnetlink({ strategy: rtnlMutexStrategy(), env, costs });
  const readersInFill: number[] = [];
  const ops: RtnlAfOps = {
    family: AF_TEST,
    fillLinkAf(b) {
      readersInFill.push(rtnl.rcu.readers);
      b.u8(1, 1);
    },
    setLinkAf() {},
  };
  const rtnlLock = () => rtnl.strategy.lock('rtnl');
  return { clock, env, rtnl, ops, readersInFill, rtnlLock, dev: new NetDevice({ name: 'test0' }) };
}

function hasAfSpec(message: Uint8Array): boolean {
  return walkAttrs(message, NLMSG_HDRLEN + IFINFOMSG_LEN, message.length).attrs.some((a) => a.type === IFLA.AF_SPEC);
}

const fill = (rtnl: Rtnetlink, dev: NetDevice, task?: Task) =>
  fillIfinfo(dev, { type: RTM.NEWLINK, flags: 0, seq: 0, portId: 0, rtnl, ...(task ? { task } : {}) });

describe('af ops registration under RCU', () => {
  it('unregister returns only after a reader that was inside its read section has left', async () => {
    const { clock, rtnl, ops, env } = setup();
    await clock.run(async () => {
      await rtnlAfRegister(rtnl, ops);
      const start = clock.now();
      const reader = new Task('reader');
      const held = rtnlAfLookup(rtnl, AF_TEST, reader);
      expect(held?.ops).toBe(ops);
      let unregisteredAt: number | undefined;
      const unregistering = rtnlAfUnregister(rtnl, ops).then(() => {
        unregisteredAt = clock.now();
      });
      await clock.sleep(100); // the reader keeps using the ops meanwhile
      expect(rtnlAfOps(rtnl).size).toBe(0); // unlisted at once…
      expect(unregisteredAt).toBeUndefined(); // …but not returned: the reader is still inside
      held?.[Symbol.dispose]();
      await unregistering;
      expect(unregisteredAt).toBe(start + 100);
    });
    expect(env.lockdep?.reports).toEqual([]);
  });

  it('costs one grace period when no reader is inside', async () => {
    const { clock, rtnl, ops } = setup();
    await clock.run(async () => {
      await rtnlAfRegister(rtnl, ops);
      const start = clock.now();
      await rtnlAfUnregister(rtnl, ops);
      expect(clock.now() - start).toBe(GRACE_PERIOD_MS);
    });
  });

  it('a reader that starts after the unlisting does not see the ops', async () => {
    const { clock, rtnl, ops, dev } = setup();
    await clock.run(async () => {
      await rtnlAfRegister(rtnl, ops);
      const early = new Task('early reader');
      const held = rtnlAfLookup(rtnl, AF_TEST, early);
      const unregistering = rtnlAfUnregister(rtnl, ops);
      await clock.sleep(1); // unlisted, still waiting for `early`
      const late = new Task('late reader');
      expect(rtnlAfLookup(rtnl, AF_TEST, late)).toBeUndefined();
      expect(late.rcuDepth).toBe(0); // a failed lookup leaves no section open
      expect(hasAfSpec(fill(rtnl, dev, late))).toBe(false);
      held?.[Symbol.dispose]();
      await unregistering;
    });
  });

  it('does not hold RTNL while it waits: other RTNL users get through', async () => {
    const { clock, rtnl, ops, rtnlLock } = setup();
    await clock.run(async () => {
      await rtnlAfRegister(rtnl, ops);
      const held = rtnlAfLookup(rtnl, AF_TEST, new Task('reader'));
      const unregistering = rtnlAfUnregister(rtnl, ops);
      await clock.sleep(1);
      const before = clock.now();
      await runTask('ip-link-set', (task) => rtnlLock().run(task, () => undefined));
      expect(clock.now()).toBe(before); // no wait for the grace period
      held?.[Symbol.dispose]();
      await unregistering;
    });
  });

  it('lockdep reports a reader that sleeps on a lock between lookup and put (RCU, not SRCU)', async () => {
    const { clock, rtnl, ops, rtnlLock, env } = setup();
    await clock.run(async () => {
      await rtnlAfRegister(rtnl, ops);
      await runTask('doit', async (task) => {
        using held = rtnlAfLookup(rtnl, AF_TEST, task);
        expect(held?.ops).toBe(ops);
        await rtnlLock().run(task, () => undefined);
      });
    });
    expect(env.lockdep?.reports.map((r) => r.kind)).toEqual(['rcu-sleep']);
  });

  it('registration and the unlisting take RTNL', async () => {
    const { clock, rtnl, ops, rtnlLock, env } = setup();
    await clock.run(async () => {
      const holder = new Task('rtnl-holder');
      await rtnlLock().lock(holder);
      const registering = rtnlAfRegister(rtnl, ops);
      await clock.sleep(10);
      expect(rtnlAfOps(rtnl).size).toBe(0); // waiting for RTNL
      rtnlLock().unlock(holder);
      await registering;
      expect(rtnlAfOps(rtnl).size).toBe(1);

      await rtnlLock().lock(holder);
      const unregistering = rtnlAfUnregister(rtnl, ops);
      await clock.sleep(10);
      expect(rtnlAfOps(rtnl).size).toBe(1); // cannot unlist without RTNL
      rtnlLock().unlock(holder);
      await unregistering;
      expect(rtnlAfOps(rtnl).size).toBe(0);
      holder.end();
    });
    expect(env.lockdep?.reports).toEqual([]);
  });

  it('fills IFLA_AF_SPEC inside an RCU read section, with the caller’s task or one of its own', async () => {
    const { clock, rtnl, ops, dev, readersInFill } = setup();
    await clock.run(async () => {
      await rtnlAfRegister(rtnl, ops);
      await runTask('getlink', (task) => {
        expect(hasAfSpec(fill(rtnl, dev, task))).toBe(true);
        expect(task.rcuDepth).toBe(0);
      });
      expect(hasAfSpec(fill(rtnl, dev))).toBe(true); // a notification: no request task
      expect(readersInFill).toEqual([1, 1]);
      expect(rtnl.rcu.readers).toBe(0);
    });
  });
});
