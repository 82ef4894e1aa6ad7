/**
 * The devinet subsystem (IPv4 addresses) as a {@link Subsystem}: RTM_NEWADDR, RTM_DELADDR and
 * the RTM_GETADDR dump for AF_INET, RTM_GETNETCONF (doit and dump, unlocked), `inet_af_ops`
 * (IFLA_AF_SPEC[AF_INET]), `inetdev_event()` on the netdevice chain, and an in_device for every device. Install it after the link subsystem: `await rtnl.install(devinetSubsystem())`.
 *
 * Lock classes: `rtnl` only. In Linux 6.18 every devinet writer runs under RTNL (per-namespace
 * where enabled) and the inetaddr chains run under it; a `devinet` class of its own would have
 * to nest inside `rtnl` anyway, because address changes come from netdevice events that hold
 * RTNL (the seed's devinet section), so it would order nothing new. The dump takes no lock.
 */
import {
  AF,
  IFF,
  type LockClassDecl,
  type Net,
  RTM,
  RTNL_CLASS,
  RTNL_FLAG,
  type Rtnetlink,
  runTask,
  type Subsystem,
  type Task,
} from '@rtnlkit/core';
import { rtnlAfRegister, rtnlAfUnregister } from '../link/af-ops';
import { NETDEV } from '../link/events';
import type { InstalledSubsystem } from '../link/subsystem';
import { linkTable } from '../link/table';
import { netnsOf, type PernetOps } from '../netns/netns';
import { inetAfOps } from './af';
import { inetDumpIfaddr } from './dump';
import { inetdevDestroy, inetdevEvent, inetdevInit, registerInetdevEvent } from './events';
import { inDevGet } from './in-device';
import { addrChkCancel, addrChkStopAll } from './lifetime';
import { inetNetconfDumpDevconf, inetNetconfGetDevconf, RTM_GETNETCONF } from './netconf';
import { inetRtmDeladdr, inetRtmDeladdrPrepare, inetRtmNewaddr, inetRtmNewaddrPrepare } from './newaddr';

/** What the devinet subsystem declares: RTNL alone. */
export const DEVINET_LOCK_CLASSES: readonly LockClassDecl[] = [RTNL_CLASS];

/**
 * The pernet hooks: at init (a new namespace, or every existing one when the subsystem is
 * installed) each device that exists gets its in_device, as if NETDEV_REGISTER had been seen
 * (and a loopback device that is up its 127.0.0.1, as at NETDEV_UP); at exit the lifetime check
 * stops and every in_device goes (`inetdev_destroy()`).
 */
function devinetPernetOps(rtnl: Rtnetlink): PernetOps {
  const underRtnl = <T>(net: Net, task: Task, body: () => T) => rtnl.strategy.lock('rtnl', net).run(task, body);
  return {
    name: 'devinet',
    async init(net, task) {
      await underRtnl(net, task, async () => {
        for (const dev of linkTable(net).devices()) {
          if (inDevGet(dev) || dev.regState !== 'registered') continue;
          inetdevInit(dev);
          if (dev.flags & IFF.UP) await inetdevEvent(rtnl, NETDEV.UP, { dev });
        }
      });
    },
    async exit(net, task) {
      addrChkCancel(rtnl, net);
      await underRtnl(net, task, async () => {
        for (const dev of linkTable(net).devices()) {
          const inDev = inDevGet(dev);
          if (inDev) await inetdevDestroy(rtnl, inDev);
        }
      });
    },
  };
}

/** The devinet subsystem: `await rtnl.install(devinetSubsystem())`, after `linkSubsystem()`. */
export function devinetSubsystem(): Subsystem {
  return {
    name: 'devinet',
    lockClasses: DEVINET_LOCK_CLASSES,
    async install(rtnl: Rtnetlink): Promise<InstalledSubsystem> {
      const netns = netnsOf(rtnl);
      const ops = devinetPernetOps(rtnl);
      addrChkStopAll(rtnl, false);
      // devinet_init(): the netdevice notifier first, then the existing devices (pernet init).
      const unregisterEvent = registerInetdevEvent(rtnl);
      try {
        await runTask('devinet-install', async (task) => {
          await netns.register(ops, task);
          // rtnl_af_register(&inet_af_ops): link messages carry IFLA_AF_SPEC[AF_INET] from now on.
          await rtnlAfRegister(rtnl, inetAfOps, task);
        });
      } catch (error) {
        unregisterEvent();
        throw error;
      }
      const unregisterHandlers = rtnl.handlers.registerMany([
        {
          family: AF.INET,
          type: RTM.NEWADDR,
          prepare: inetRtmNewaddrPrepare,
          doit: inetRtmNewaddr,
          flags: RTNL_FLAG.DOIT_PERNET,
          locks: ['rtnl'],
          name: 'inet_rtm_newaddr',
        },
        {
          family: AF.INET,
          type: RTM.DELADDR,
          prepare: inetRtmDeladdrPrepare,
          doit: inetRtmDeladdr,
          flags: RTNL_FLAG.DOIT_PERNET,
          locks: ['rtnl'],
          name: 'inet_rtm_deladdr',
        },
        {
          family: AF.INET,
          type: RTM.GETADDR,
          dumpit: inetDumpIfaddr,
          flags: RTNL_FLAG.DUMP_UNLOCKED | RTNL_FLAG.DUMP_SPLIT_NLM_DONE,
          locks: [],
          name: 'inet_dump_ifaddr',
        },
        {
          family: AF.INET,
          type: RTM_GETNETCONF,
          doit: inetNetconfGetDevconf,
          dumpit: inetNetconfDumpDevconf,
          flags: RTNL_FLAG.DOIT_UNLOCKED | RTNL_FLAG.DUMP_UNLOCKED,
          locks: [],
          name: 'inet_netconf_get_devconf',
        },
      ]);
      let removing: Promise<void> | undefined;
      const remove = (): Promise<void> => {
        if (!removing) {
          unregisterHandlers();
          addrChkStopAll(rtnl);
          removing = runTask('devinet-remove', async (task) => {
            await rtnlAfUnregister(rtnl, inetAfOps, task);
            await netns.unregister(ops, task);
          }).finally(unregisterEvent);
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
