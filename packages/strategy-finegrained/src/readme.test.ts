/**
 * The README's examples, run: using the strategy with a subsystem that declares its classes, and
 * the "write your own strategy" example held to the contract it promises.
 */
import {
  AF,
  aliasLock,
  compareNets,
  type LockStrategy,
  Mutex,
  type Net,
  RTM,
  Rtnetlink,
  type StrategyHost,
  type Subsystem,
  type SubsystemLock,
} from '@rtnlkit/core';
import {
  call,
  exploreSchedules,
  formatExploreResult,
  strategyContract,
  toyRequest,
  toyWorkload,
} from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { finegrainedStrategy } from './index';

// --- README: "Write your own strategy" -------------------------------------------------------

/** One big lock per namespace: every doit and dump pass of a namespace under its own mutex. */
function perNetBigLock(): LockStrategy {
  let host: StrategyHost | undefined;
  const locks = new WeakMap<Net, { mutex: Mutex; aliases: Map<string, SubsystemLock> }>();
  const of = (net: Net) => {
    let entry = locks.get(net);
    if (!entry) {
      if (!host) throw new Error('not attached');
      const cls = host.env.lockClass('rtnl_net', { compare: compareNets });
      entry = { mutex: new Mutex(cls, { name: `rtnl_net(${net.name})`, key: net }), aliases: new Map() };
      locks.set(net, entry);
    }
    return entry;
  };
  return {
    name: 'pernet-big-lock',
    attach(h) {
      host = h;
    },
    run: (call, body) => of(call.net).mutex.runExclusive(call.task, body, { at: call.handler.name }),
    lock(cls, net) {
      if (!net) throw new TypeError(`${cls}: this strategy locks per namespace`);
      const entry = of(net);
      let lock = entry.aliases.get(cls);
      if (!lock) {
        // Every class is the namespace's big lock: free when held, the lock itself otherwise.
        lock = aliasLock(cls, entry.mutex);
        entry.aliases.set(cls, lock);
      }
      return lock;
    },
  };
}

describe('README examples', () => {
  it('a subsystem declares its classes and the strategy takes them', async () => {
    const order: string[] = [];
    const fib: Subsystem = {
      name: 'fib',
      lockClasses: [{ name: 'fib', rank: 20, description: 'the IPv4 FIB' }],
      install(rtnl) {
        const unregister = rtnl.handlers.registerMany([
          {
            family: AF.INET,
            type: RTM.NEWROUTE,
            locks: ['fib'],
            name: 'inet_rtm_newroute',
            async doit(req) {
              req.lock('fib').assertHeld(req.task);
              order.push('newroute');
            },
          },
        ]);
        return { [Symbol.dispose]: unregister };
      },
    };
    const rtnl = new Rtnetlink({ strategy: finegrainedStrategy() });
    using _fib = await rtnl.install(fib);
    expect(await call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWROUTE, AF.INET))).toBe(0);
    expect(order).toEqual(['newroute']);
  });

  const promises = {
    exclusiveSameClass: true,
    exclusiveAll: true,
    unlockedConcurrent: false,
    disjointConcurrent: false,
  };
  for (const c of strategyContract(perNetBigLock, promises)) it(`perNetBigLock: ${c.name}`, c.run);

  it('perNetBigLock: the explorer finds nothing in 200 seeds', async () => {
    const result = await exploreSchedules({ seeds: 200, run: toyWorkload(perNetBigLock) });
    expect(formatExploreResult('pernet-big-lock', result)).toBe('pernet-big-lock: 200 seeds, no violation');
  });
});
