/**
 * The IPv4 FIB as a {@link Subsystem}: per-namespace tables (`ip_fib_net_init`), the AF_INET
 * route handlers (`ip_fib_init` + `ip_rt_init` registrations), `fib_netdev_event` and
 * `fib_inetaddr_event` (the routes of addresses: install devinet for those), and the calls devinet
 * makes into the FIB directly (promotion, metric change).
 *
 * Lock classes: `rtnl`, and `fib`, the FIB's private mutex the seed proposes, ranked above
 * `rtnl`: RTM_NEWROUTE / RTM_DELROUTE declare both, so under the finegrained strategy they hold
 * RTNL and then the FIB mutex (the allowed order); nothing in the FIB takes RTNL while holding
 * `fib`, which is what keeps the seed's ABBA away.
 */
import {
  AF,
  type LockClassDecl,
  RTM,
  RTNL_CLASS,
  RTNL_FLAG,
  type Rtnetlink,
  runTask,
  type Subsystem,
} from '@rtnlkit/core';
import { registerInetaddrNotifier } from '../devinet/chains';
import { setInetFibHooks } from '../devinet/fib-hooks';
import { inDevGet } from '../devinet/in-device';
import type { InstalledSubsystem } from '../link/subsystem';
import { linkTable } from '../link/table';
import { netnsOf, type PernetOps } from '../netns/netns';
import { registerFibNetdevEvent } from './events';
import { inetDumpFib, inetRtmGetroute } from './getroute';
import { fibAddIfaddr, fibInetaddrEvent, fibInetFibHooks } from './ifaddr';
import { inetRouteConfigPrepare, inetRtmDelroute, inetRtmNewroute } from './route';
import { type FibSeqMode, fibSeqCounter } from './seq';
import { FibNet, setFibNet } from './table';

/** The FIB's private mutex (the seed's `fib_private`), above `rtnl`. */
export const FIB_CLASS: LockClassDecl = { name: 'fib', rank: 20, description: 'the IPv4 FIB (fib_private)' };

export const FIB_LOCK_CLASSES: readonly LockClassDecl[] = [RTNL_CLASS, FIB_CLASS];

export interface FibSubsystemOptions {
  /** How `fib_seq` counts (see seq.ts): `seqcount` (default) or the plain `atomic` counter. */
  fibSeq?: FibSeqMode;
}

/**
 * `ip_fib_net_init()` / `ip_fib_net_exit()`: a FIB (main and local) per namespace. A FIB installed
 * after devinet already gave devices addresses starts with their routes, as if each address had
 * just come (`fib_add_ifaddr()` under RTNL): the kernel's FIB exists from boot, so it never
 * meets an address it did not see arrive.
 */
export function fibPernetOps(rtnl: Rtnetlink, options: FibSubsystemOptions = {}): PernetOps {
  return {
    name: 'fib',
    async init(net, task) {
      setFibNet(net, new FibNet(net, fibSeqCounter(options.fibSeq ?? 'seqcount')));
      const devices = linkTable(net)
        .devices()
        .filter((dev) => inDevGet(dev)?.ifaList.length);
      if (devices.length === 0) return;
      await rtnl.strategy.lock('rtnl', net).run(task, async () => {
        for (const dev of devices) for (const ifa of inDevGet(dev)?.ifaList ?? []) await fibAddIfaddr(rtnl, ifa);
      });
    },
    exit(net) {
      setFibNet(net, undefined);
    },
  };
}

/** The IPv4 FIB: `await rtnl.install(fibSubsystem())`, after the link subsystem. */
export function fibSubsystem(options: FibSubsystemOptions = {}): Subsystem {
  return {
    name: 'fib',
    lockClasses: FIB_LOCK_CLASSES,
    async install(rtnl: Rtnetlink): Promise<InstalledSubsystem> {
      const netns = netnsOf(rtnl);
      const ops = fibPernetOps(rtnl, options);
      await runTask('fib-install', (task) => netns.register(ops, task));
      // ip_fib_init(): the netdevice and inetaddr notifiers, then the handlers.
      const unregisterEvent = registerFibNetdevEvent(rtnl);
      const unregisterInetaddr = registerInetaddrNotifier(rtnl, (event, ifa) => fibInetaddrEvent(rtnl, event, ifa), {
        name: 'fib_inetaddr_event',
      });
      const hooks = fibInetFibHooks(rtnl);
      setInetFibHooks(rtnl, hooks);
      const unregisterHandlers = rtnl.handlers.registerMany([
        {
          family: AF.INET,
          type: RTM.NEWROUTE,
          prepare: inetRouteConfigPrepare,
          doit: inetRtmNewroute,
          flags: RTNL_FLAG.DOIT_PERNET,
          locks: ['rtnl', 'fib'],
          name: 'inet_rtm_newroute',
        },
        {
          family: AF.INET,
          type: RTM.DELROUTE,
          prepare: inetRouteConfigPrepare,
          doit: inetRtmDelroute,
          flags: RTNL_FLAG.DOIT_PERNET,
          locks: ['rtnl', 'fib'],
          name: 'inet_rtm_delroute',
        },
        {
          family: AF.INET,
          type: RTM.GETROUTE,
          doit: inetRtmGetroute,
          dumpit: inetDumpFib,
          flags: RTNL_FLAG.DOIT_UNLOCKED | RTNL_FLAG.DUMP_UNLOCKED | RTNL_FLAG.DUMP_SPLIT_NLM_DONE,
          locks: [],
          name: 'inet_rtm_getroute',
        },
      ]);
      let removing: Promise<void> | undefined;
      const remove = (): Promise<void> => {
        if (!removing) {
          unregisterHandlers();
          unregisterEvent();
          unregisterInetaddr();
          setInetFibHooks(rtnl, undefined);
          removing = runTask('fib-remove', (task) => netns.unregister(ops, task));
        }
        return removing;
      };
      return {
        get removed() {
          return removing ?? Promise.resolve();
        },
        [Symbol.dispose]() {
          remove().catch((error: unknown) => rtnl.fault(error));
        },
        [Symbol.asyncDispose]: remove,
      };
    },
  };
}
