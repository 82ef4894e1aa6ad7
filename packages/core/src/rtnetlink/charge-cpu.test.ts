/**
 * `chargeCpu`: request processing takes time on the clock, inside the strategy's call, so that a
 * lock held for a request is held for that time and others wait for it.
 */
import { describe, expect, it } from 'vitest';
import { LockEnv } from '../locking/lock-class';
import { rtnlMutexStrategy } from '../testing/rtnl-mutex-strategy';
import { call, callDump, toyDumpRequest, toyRequest } from '../testing/toy-world';
import { CostModel } from '../time/cost-model';
import { VirtualClock } from '../time/virtual-clock';
import { AF } from '../wire/constants';
import { RTM } from '../wire/generated';
import { Rtnetlink } from './rtnetlink';

function world(chargeCpu: boolean) {
  const clock = new VirtualClock();
  const costs = new CostModel({ 'cpu.doit': { ms: 2 }, 'netlink.copy': { ms: 0.5 } });
  const rtnl = new Rtnetlink({ strategy: rtnlMutexStrategy(), env: new LockEnv({ clock }), costs, chargeCpu });
  rtnl.handlers.registerMany([
    { family: AF.UNSPEC, type: RTM.NEWLINK, doit: () => {}, flags: 0, locks: ['rtnl'], name: 'noop_doit' },
    {
      family: AF.UNSPEC,
      type: RTM.GETLINK,
      flags: 0,
      locks: ['rtnl'],
      name: 'three_messages',
      dumpit(cb) {
        for (let i = 0; i < 3; i += 1) cb.put(cb.builder(RTM.NEWLINK).finish());
        return false;
      },
    },
  ]);
  return { rtnl, clock };
}

describe('chargeCpu', () => {
  it('spends cpu.doit per doit and per dump pass, netlink.copy per dumped message, under the strategy', async () => {
    const { rtnl, clock } = world(true);
    const socket = rtnl.socket({ admin: true });
    await clock.run(async () => {
      const t0 = clock.now();
      // two doits at once: the second waits for the first's 2 ms under RTNL
      await Promise.all([
        call(socket, toyRequest(RTM.NEWLINK)),
        call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK)),
      ]);
      expect(clock.now() - t0).toBe(4);
      const t1 = clock.now();
      expect(await callDump(socket, toyDumpRequest(RTM.GETLINK))).toEqual({ errno: 0, messages: 3 });
      expect(clock.now() - t1).toBe(2 + 1.5); // the pass, then three messages
    });
  });

  it('takes no time when off (the default)', async () => {
    const { rtnl, clock } = world(false);
    const socket = rtnl.socket({ admin: true });
    await clock.run(async () => {
      await call(socket, toyRequest(RTM.NEWLINK));
      await callDump(socket, toyDumpRequest(RTM.GETLINK));
      expect(clock.now()).toBe(0);
    });
  });
});
