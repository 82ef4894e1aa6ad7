/**
 * The link subsystem as a {@link Subsystem}: the pernet hooks that give every namespace its
 * device table and its loopback device, and the RTM_GETLINK handler. Declared lock classes:
 * `rtnl` only (every link path in Linux 6.18 that rtnlkit models runs under RTNL).
 */
import {
  AF,
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
import { netnsOf, type PernetOps } from '../netns/netns';
import { rtnlDumpIfinfo, rtnlGetlink } from './getlink';
import { loopbackDevice } from './loopback';
import { dropLinkTable, linkTable } from './table';

/** What the link subsystem declares: RTNL alone for now. */
export const LINK_LOCK_CLASSES: readonly LockClassDecl[] = [RTNL_CLASS];

/**
 * The pernet hooks of the link layer: `loopback_net_ops` (init: a device table and `lo`, the
 * first device, so ifindex 1) and `default_device_ops` (exit: every remaining device is
 * unregistered, then the table goes). Both run under RTNL, taken through the strategy.
 */
export function linkPernetOps(rtnl: Rtnetlink): PernetOps {
  const underRtnl = <T>(net: Net, task: Task, body: () => T) => rtnl.strategy.lock('rtnl', net).run(task, body);
  return {
    name: 'link',
    async init(net, task) {
      const table = linkTable(net);
      await underRtnl(net, task, () => table.register(loopbackDevice()));
    },
    async exit(net, task) {
      const table = linkTable(net);
      // default_device_exit_batch(): what is left is unregistered, in reverse ifindex order.
      await underRtnl(net, task, () => {
        for (const dev of table.devices().reverse()) table.unregister(dev);
      });
      dropLinkTable(net);
    },
  };
}

/** What `install` returns: dispose (sync) or asyncDispose (waits for the pernet exits). */
export interface InstalledSubsystem extends Disposable, AsyncDisposable {
  /** Settles when a `[Symbol.dispose]()` started earlier has finished its pernet exits. */
  readonly removed: Promise<void>;
}

/** The link subsystem: `await rtnl.install(linkSubsystem())`. */
export function linkSubsystem(): Subsystem {
  return {
    name: 'link',
    lockClasses: LINK_LOCK_CLASSES,
    async install(rtnl: Rtnetlink): Promise<InstalledSubsystem> {
      const netns = netnsOf(rtnl);
      const ops = linkPernetOps(rtnl);
      await runTask('link-install', (task) => netns.register(ops, task));
      const unregisterHandlers = rtnl.handlers.registerMany([
        {
          family: AF.UNSPEC,
          type: RTM.GETLINK,
          doit: rtnlGetlink,
          dumpit: rtnlDumpIfinfo,
          flags: RTNL_FLAG.DUMP_SPLIT_NLM_DONE,
          locks: ['rtnl'],
          name: 'rtnl_getlink',
        },
      ]);
      let removing: Promise<void> | undefined;
      const remove = (): Promise<void> => {
        if (!removing) {
          unregisterHandlers();
          removing = runTask('link-remove', (task) => netns.unregister(ops, task));
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
