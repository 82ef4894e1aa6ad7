import {
  CostModel,
  Errno,
  IFLA,
  IFLA_INFO,
  NETLINK_OPT,
  NLM_F,
  NOTIFY_DONE,
  notifierFromErrno,
  RTM,
  runTask,
  Task,
  VirtualClock,
} from '@rtnlkit/core';
import { call } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { netnsOf } from '../netns/netns';
import { ifbLinkOps } from './drivers/ifb';
import { NETDEV, registerNetdeviceNotifier } from './events';
import { linkKinds, type RtnlLinkOps } from './kinds';
import { lingerOnUnregister } from './lingering-refs';
import type { NetDevice } from './netdevice';
import { netdevCopyName, netdevGetName, netdevRenameLock, readNameUnlocked, writeDevName } from './rename-lock';
import { netdevTodo } from './run-todo';
import { linkTable } from './table';
import { linkRequest, linkWorld } from './test-support';

const add = (name: string, kind: string) =>
  linkRequest(RTM.NEWLINK, NLM_F.CREATE | NLM_F.EXCL, {}, (b) => {
    b.string(IFLA.IFNAME, name);
    b.nest(IFLA.LINKINFO, (n) => n.string(IFLA_INFO.KIND, kind));
  });
const del = (name: string) => linkRequest(RTM.DELLINK, 0, {}, (b) => b.string(IFLA.IFNAME, name));
const get = (name: string) => linkRequest(RTM.GETLINK, 0, {}, (b) => b.string(IFLA.IFNAME, name));

/** A link world on a virtual clock: grace periods of 20 ms (expedited 1 ms), reports every 100 ms. */
async function slowWorld() {
  const clock = new VirtualClock({ seed: 1 });
  const costs = new CostModel({
    'rcu.gracePeriod': { ms: 20 },
    'rcu.expedited': { ms: 1 },
    'netdev.unregisterReport': { ms: 100 },
  });
  const world = await clock.run(() => linkWorld({ clock, costs }));
  return { ...world, clock };
}

describe('the unregister path (unregister_netdevice + netdev_run_todo)', () => {
  it('unlists at once, answers DELLINK once every holder put its reference, and frees RTNL meanwhile', async () => {
    const { rtnl, clock, table, env } = await slowWorld();
    const admin = rtnl.socket({ admin: true, name: 'ip-link-del' });
    const at: Record<string, number> = {};
    await clock.run(async () => {
      expect(await call(admin, add('ifb0', 'ifb'))).toBe(0);
      const dev = table.getByName('ifb0') as NetDevice;
      // Two other subsystems keep the device: a cached route and a pending link event.
      const dst = dev.refcnt.hold('dst_cache');
      const linkwatch = dev.refcnt.hold('linkwatch');
      clock.setTimer(250, () => dev.refcnt.put(linkwatch));
      clock.setTimer(330, () => dev.refcnt.put(dst));
      const start = clock.now();
      const deletion = call(admin, del('ifb0')).then((errno) => {
        at.dellink = clock.now() - start;
        return errno;
      });
      await clock.sleep(5);
      // Meanwhile RTNL is free: a lookup gets through, and the device is gone from the table.
      const reader = rtnl.socket({ name: 'ip-link-show' });
      expect(await call(reader, get('ifb0'))).toBe(Errno.ENODEV);
      at.getlink = clock.now() - start;
      expect(dev.regState).toBe('unregistering');
      expect(await deletion).toBe(0);
      expect(dev.regState).toBe('unregistered');
    });
    expect(at.getlink).toBe(5);
    expect(at.dellink).toBeGreaterThanOrEqual(330);
    expect(at.dellink).toBeLessThan(360);
    // Reports every 100 ms name the holders that are left.
    const reports = netdevTodo(rtnl).reports;
    expect(reports.map((r) => r.holders.map((h) => h.holder))).toEqual([
      ['dst_cache', 'linkwatch'],
      ['dst_cache', 'linkwatch'],
      ['dst_cache'],
    ]);
    expect(reports[0]?.message).toMatch(/^unregister_netdevice: waiting for ifb0 to become free\. Usage count = 2/);
    expect(netdevTodo(rtnl).count).toBe(0);
    expect(env.lockdep?.reports).toEqual([]);
  });

  it('waits for an RCU grace period: a reader that found the device before its unlisting is done before the free', async () => {
    const { rtnl, clock, table } = await slowWorld();
    const admin = rtnl.socket({ admin: true });
    let seenByReader: string | undefined;
    await clock.run(async () => {
      expect(await call(admin, add('ifb0', 'ifb'))).toBe(0);
      const reader = new Task('rcu-reader');
      const section = rtnl.rcu.readLock(reader);
      const dev = table.getByName('ifb0') as NetDevice; // dev_get_by_name_rcu()
      const deletion = call(admin, del('ifb0'));
      await clock.sleep(60); // the reader keeps its section open across the deletion
      seenByReader = dev.regState;
      section.release();
      expect(await deletion).toBe(0);
      expect(dev.regState).toBe('unregistered');
    });
    expect(seenByReader).toBe('unregistering');
  });

  it('sends no RTM_DELLINK for a device whose RTM_NEWLINK configuration failed, and frees it', async () => {
    const { rtnl, clock, table } = await slowWorld();
    registerNetdeviceNotifier(rtnl, (event) =>
      event === NETDEV.PRE_UP ? notifierFromErrno(Errno.ENETDOWN) : NOTIFY_DONE,
    );
    const admin = rtnl.socket({ admin: true });
    admin.setOption(NETLINK_OPT.EXT_ACK, true);
    const listener = rtnl.socket();
    listener.addMembership(1); // RTNLGRP_LINK
    const up = linkRequest(RTM.NEWLINK, NLM_F.CREATE | NLM_F.EXCL, { flags: 1, change: 1 }, (b) => {
      b.string(IFLA.IFNAME, 'ifb0');
      b.nest(IFLA.LINKINFO, (n) => n.string(IFLA_INFO.KIND, 'ifb'));
    });
    await clock.run(async () => {
      expect(await call(admin, up)).toBe(Errno.ENETDOWN);
    });
    expect(table.getByName('ifb0')).toBeUndefined();
    expect(listener.tryRecv()).toBeUndefined();
    expect(netdevTodo(rtnl).count).toBe(0);
  });
});

describe('lingerOnUnregister: the slow path on demand', () => {
  it('keeps a deleted device for one draw of netdev.refWait, named in the wait report, and stops when removed', async () => {
    const clock = new VirtualClock({ seed: 1 });
    const costs = new CostModel({
      'rcu.gracePeriod': { ms: 20 },
      'rcu.expedited': { ms: 1 },
      'netdev.refWait': { ms: 300 },
      'netdev.unregisterReport': { ms: 100 },
    });
    const { rtnl } = await clock.run(() => linkWorld({ clock, costs }));
    const remove = lingerOnUnregister(rtnl, 'dst_cache');
    const admin = rtnl.socket({ admin: true });
    const took: number[] = [];
    await clock.run(async () => {
      for (const name of ['ifb0', 'ifb1']) expect(await call(admin, add(name, 'ifb'))).toBe(0);
      let start = clock.now();
      expect(await call(admin, del('ifb0'))).toBe(0);
      took.push(clock.now() - start);
      remove();
      start = clock.now();
      expect(await call(admin, del('ifb1'))).toBe(0);
      took.push(clock.now() - start);
    });
    // 1 ms + 20 ms of grace periods, then the 300 ms reference (which began after the first 1 ms).
    expect(took).toEqual([301, 22]);
    // The wait began after the first grace period (21 ms): reports at 121 and 221 ms.
    expect(netdevTodo(rtnl).reports.map((r) => r.holders.map((h) => h.holder))).toEqual([['dst_cache'], ['dst_cache']]);
    expect(() => lingerOnUnregister(rtnl, 'x', 'no.such.cost')).toThrow(RangeError);
  });
});

describe('kind unregistration (rtnl_link_unregister) against in-flight RTM_NEWLINK', () => {
  it('waits for a NEWLINK that pinned the kind, deletes every device of it everywhere, and refuses later ones', async () => {
    const { rtnl, clock, env } = await slowWorld();
    const setups: number[] = [];
    const slow: RtnlLinkOps = {
      kind: 'slow',
      setup(name) {
        setups.push(clock.now());
        return ifbLinkOps.setup(name);
      },
    };
    linkKinds(rtnl).register(slow);
    // Registration of a `slow` device takes 50 ms (a notifier that sleeps), with the kind pinned.
    registerNetdeviceNotifier(rtnl, async (event, info) => {
      if (event === NETDEV.REGISTER && info.dev.kind === 'ifb' && info.dev.name.startsWith('slow'))
        await clock.sleep(50);
      return NOTIFY_DONE;
    });
    const admin = rtnl.socket({ admin: true });
    admin.setOption(NETLINK_OPT.EXT_ACK, true);
    let unregisteredAt = -1;
    const answers: number[] = [];
    await clock.run(async () => {
      const ns = await runTask('ip-netns-add', (t) => netnsOf(rtnl).create('blue', t));
      const inBlue = rtnl.socket({ admin: true, net: ns });
      expect(await call(inBlue, add('slow-blue', 'slow'))).toBe(0);
      const first = call(admin, add('slow0', 'slow'));
      await clock.sleep(10);
      const unregistering = linkKinds(rtnl)
        .unregister(slow)
        .then(() => {
          unregisteredAt = clock.now();
        });
      await clock.sleep(10);
      answers.push(await call(admin, add('slow1', 'slow')));
      answers.push(await first);
      await unregistering;
      for (const net of netnsOf(rtnl).nets)
        expect(
          linkTable(net)
            .devices()
            .filter((d) => d.rtnlLinkOps === slow),
        ).toEqual([]);
    });
    expect(answers).toEqual([Errno.EOPNOTSUPP, 0]);
    expect(linkKinds(rtnl).get('slow')).toBeUndefined();
    expect(setups.every((t) => t < unregisteredAt)).toBe(true);
    expect(setups).toHaveLength(2);
    expect(unregisteredAt).toBeGreaterThanOrEqual(50);
    expect(netdevTodo(rtnl).count).toBe(0);
    expect(env.lockdep?.reports).toEqual([]);
  });
});

describe('kind unregistration (rtnl_link_unregister) against other unregistrations', () => {
  it("returns only once every device of the kind is freed, even one another task's netdev_run_todo took", async () => {
    const { rtnl, clock, table } = await slowWorld();
    const temp: RtnlLinkOps = { kind: 'temp', setup: (name) => ifbLinkOps.setup(name) };
    linkKinds(rtnl).register(temp);
    const admin = rtnl.socket({ admin: true });
    let returnedAt = -1;
    let heldStateThen: string | undefined;
    await clock.run(async () => {
      const ns = await runTask('ip-netns-add', (t) => netnsOf(rtnl).create('blue', t));
      expect(await call(rtnl.socket({ admin: true, net: ns }), add('temp-blue', 'temp'))).toBe(0);
      expect(await call(admin, add('temp0', 'temp'))).toBe(0);
      expect(await call(admin, add('ifb0', 'ifb'))).toBe(0);
      const held = table.getByName('temp0') as NetDevice;
      const ref = held.refcnt.hold('dst_cache');
      clock.setTimer(500, () => held.refcnt.put(ref));
      const unregistering = linkKinds(rtnl)
        .unregister(temp)
        .then(() => {
          returnedAt = clock.now();
          heldStateThen = held.regState;
        });
      // The SRCU grace period is over at 20 ms; while init_net's devices of the kind are killed, a
      // DELLINK queues on RTNL, gets it before blue's kill, and its netdev_run_todo takes temp0.
      await clock.sleep(21);
      expect(await call(admin, del('ifb0'))).toBe(0);
      await unregistering;
    });
    expect(heldStateThen).toBe('unregistered');
    expect(returnedAt).toBeGreaterThanOrEqual(500);
    expect(netdevTodo(rtnl).count).toBe(0);
  });
});

describe('renames and lockless readers (netdev_rename_lock)', () => {
  it('never shows netdev_copy_name() a torn name, which a reader without the seqlock can see', async () => {
    const { rtnl, clock, table } = await slowWorld();
    const dev = table.getByName('lo') as NetDevice;
    const writer = new Task('ip-link-set-name');
    const seen: Record<string, string | undefined> = {};
    await clock.run(async () => {
      const rename = writeDevName(rtnl, writer, dev, 'verylongname12');
      // Let the writer run until it is between the two halves of its copy.
      for (let i = 0; i < 100 && readNameUnlocked(dev) === 'lo'; i += 1) await Promise.resolve();
      expect(netdevRenameLock(rtnl).seq.writeInProgress).toBe(true);
      seen.unlocked = readNameUnlocked(dev);
      seen.copied = await netdevCopyName(rtnl, dev);
      await rename;
      seen.after = await netdevGetName(rtnl, new Task('SIOCGIFNAME'), rtnl.initNet, 1);
      seen.missing = await netdevGetName(rtnl, new Task('SIOCGIFNAME'), rtnl.initNet, 99);
    });
    expect(seen).toEqual({
      unlocked: 'verylong', // half of the new name, the rest of the old (NUL) bytes
      copied: 'verylongname12',
      after: 'verylongname12',
      missing: undefined,
    });
  });
});
