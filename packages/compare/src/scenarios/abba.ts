/**
 * Scenario 4 of the seed: the ABBA trap of a private FIB mutex. Address changes run under RTNL
 * and their notifier updates the FIB, so they take RTNL then the FIB mutex; a FIB that takes only
 * its own mutex for route changes, and calls out to a notifier that needs RTNL (a switchdev
 * driver), takes them the other way round.
 */
import { AF, RTM } from '@rtnlkit/core';
import { finegrainedStrategy } from '@rtnlkit/strategy-finegrained';
import { addAddr, addLink, addRoute, setLinkUp } from '../scenario/requests';
import type { CompareScenario } from '../scenario/types';
import type { StrategyVariant } from '../strategies';

/**
 * Per-subsystem mutexes with nothing enforcing their order: lockdep only reports, and the
 * acquisition goes ahead (what a first attempt at a private FIB mutex looks like).
 */
export const NAIVE_FIB_MUTEX: StrategyVariant = {
  name: 'naive-fib-mutex',
  create: () => finegrainedStrategy({ onViolation: 'report' }),
};

const DEVICES = 4;

export const abbaTrap: CompareScenario = {
  name: 'abba-fib-mutex',
  title: 'The ABBA trap of a private FIB mutex',
  description:
    "An agent adds addresses: RTM_NEWADDR holds RTNL, and the inetaddr notifier then updates the FIB under the FIB's own mutex (RTNL → fib). A routing daemon adds routes through a FIB that takes only its mutex, and its FIB notifier calls a switchdev driver that needs RTNL (fib → RTNL). With both orders in play, the naive variant (per-subsystem mutexes, order not enforced) deadlocks as soon as the two interleave: the virtual clock finds the cycle of waits and lockdep reports the inversion. The finegrained strategy refuses the fib → RTNL acquisition before waiting (EDEADLK with lockdep's report in the extack), so nothing deadlocks; global and elided never see two locks at all, because for them every subsystem lock is RTNL.",
  durationMs: 200,
  extraVariants: [NAIVE_FIB_MUTEX],
  instrument(world) {
    const { rtnl } = world;
    const newaddr = rtnl.handlers.get(AF.INET, RTM.NEWADDR);
    if (!newaddr?.doit) throw new Error('abba-fib-mutex needs devinet');
    const realNewaddr = newaddr.doit;
    // RTM_NEWADDR as before, then the notifier's FIB update under the FIB mutex: RTNL → fib.
    rtnl.handlers.unregister(AF.INET, RTM.NEWADDR);
    rtnl.handlers.register({
      family: AF.INET,
      type: RTM.NEWADDR,
      ...(newaddr.prepare && { prepare: newaddr.prepare }),
      async doit(req) {
        await realNewaddr(req);
        await req.lock('fib').run(req.task, () => world.clock.sleep(0.05));
      },
      flags: newaddr.flags,
      locks: ['rtnl'],
      name: 'inet_rtm_newaddr+naive_fib_update',
    });
    // A naive RTM_NEWROUTE: the FIB mutex only; its notifier then needs RTNL: fib → RTNL.
    rtnl.handlers.unregister(AF.INET, RTM.NEWROUTE);
    rtnl.handlers.register({
      family: AF.INET,
      type: RTM.NEWROUTE,
      async doit(req) {
        await world.clock.sleep(0.05); // linking the route in
        await req.lock('rtnl').run(req.task, () => world.clock.sleep(0.02)); // call_fib_notifiers → driver → rtnl_lock()
      },
      flags: 0,
      locks: ['fib'],
      name: 'naive_fib_newroute',
    });
    return undefined;
  },
  async setup(world) {
    for (let i = 0; i < DEVICES; i += 1) {
      await world.must(addLink(10 + 2 * i, `ifb${i}`));
      await world.must(setLinkUp(11 + 2 * i, `ifb${i}`));
    }
  },
  classes: [
    {
      name: 'add-addr',
      kind: 'write',
      arrival: { kind: 'closed', thinkMs: 0.3 },
      count: 40,
      request: ({ world, seq, index }) =>
        addAddr(seq, world.ifindex(`ifb${index % DEVICES}`), `10.${index % DEVICES}.${index >> 2}.1`, 32),
    },
    {
      name: 'add-route',
      kind: 'write',
      arrival: { kind: 'closed', thinkMs: 0.3 },
      count: 40,
      request: ({ seq, index }) => addRoute(seq, `172.16.${index}.0`, 24, { gw: '10.0.0.2' }),
    },
  ],
};
