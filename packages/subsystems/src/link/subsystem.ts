/**
 * The link subsystem as a {@link Subsystem}: the pernet hooks that give every namespace its
 * device table and its loopback device, and the RTM_GETLINK handler. Declared lock classes:
 * `rtnl` only (every link path in Linux 6.18 that rtnlkit models runs under RTNL).
 */
import {
  AF,
  type DoitRequest,
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
import { registerNetdevice, unregisterNetdeviceMany } from './dev';
import { bridgeLinkOps } from './drivers/bridge';
import { dummyLinkOps } from './drivers/dummy';
import { ifbLinkOps } from './drivers/ifb';
import { macvlanLinkOps } from './drivers/macvlan';
import { vethLinkOps } from './drivers/veth';
import { registerRtnetlinkEvent } from './events';
import { rtnlDumpIfinfo, rtnlGetlink } from './getlink';
import { linkKinds, type RtnlLinkOps } from './kinds';
import { linkwatchRunQueue } from './linkwatch';
import { loopbackDevice } from './loopback';
import { rtnlDellink, rtnlDellinkPrepare, rtnlNewlink, rtnlNewlinkPrepare } from './newlink';
import { netdevRunTodo, netdevTodo } from './run-todo';
import { rtnlSetlink, rtnlSetlinkPrepare } from './setlink';
import { dropLinkTable, linkTable } from './table';

/** The names of the kinds rtnlkit has drivers for, in the order they register by default. */
export const LINK_KINDS: readonly string[] = ['ifb', 'bridge', 'veth', 'macvlan', 'dummy'];

/** What the link subsystem can be installed with. */
export interface LinkSubsystemOptions {
  /**
   * The kinds to register (`rtnl_link_register()`), in this order: names of rtnlkit's drivers
   * ({@link LINK_KINDS}, all of them by default) or kinds of your own. A model of a given kernel
   * registers exactly the kinds that kernel has.
   */
  kinds?: readonly (string | RtnlLinkOps)[];
  /**
   * `num_possible_cpus()` of the modelled machine (1 by default): the default queue count of a
   * veth device (`veth_get_num_queues()`). Never read from the host: a model answers the same
   * wherever it runs.
   */
  possibleCpus?: number;
}

/** The kind of rtnlkit's driver called `name`. */
function builtinKind(name: string, options: LinkSubsystemOptions): RtnlLinkOps {
  switch (name) {
    case 'ifb':
      return ifbLinkOps;
    case 'bridge':
      return bridgeLinkOps;
    case 'veth':
      return vethLinkOps(options.possibleCpus === undefined ? {} : { possibleCpus: options.possibleCpus });
    case 'macvlan':
      return macvlanLinkOps;
    case 'dummy':
      return dummyLinkOps;
    default:
      throw new RangeError(`rtnlkit has no link kind ${JSON.stringify(name)} (it has ${LINK_KINDS.join(', ')})`);
  }
}

/**
 * A link doit, then what the kernel does around its `rtnl_unlock()`: the link watch queue (see
 * linkwatch.ts) settles the carrier changes the request caused, still under RTNL; the devices it
 * unregistered are taken off `net_todo_list` while RTNL is held and freed once it is released
 * (`netdev_run_todo()`), before the answer.
 */
function withLinkwatch(doit: (req: DoitRequest) => void | Promise<void>): (req: DoitRequest) => Promise<void> {
  return async (req) => {
    try {
      await doit(req);
    } finally {
      await linkwatchRunQueue(req.rtnl);
      const unregistered = netdevTodo(req.rtnl).take();
      if (unregistered.length > 0) req.afterUnlock(() => netdevRunTodo(req.rtnl, req.task, unregistered));
    }
  };
}

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
      await underRtnl(net, task, () => registerNetdevice(rtnl, net, loopbackDevice()));
    },
    async exit(net, task) {
      const table = linkTable(net);
      // default_device_exit_batch(): what is left goes, in reverse ifindex order; a device of a
      // kind through its dellink (a veth takes its peer, wherever that is), the others alone.
      const unregistered = await underRtnl(net, task, async () => {
        for (const dev of table.devices().reverse()) {
          if (dev.regState !== 'registered') continue;
          const ops = dev.rtnlLinkOps;
          await unregisterNetdeviceMany(rtnl, ops?.dellink ? await ops.dellink(rtnl, dev) : [dev]);
        }
        return netdevTodo(rtnl).take();
      });
      await netdevRunTodo(rtnl, task, unregistered);
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
export function linkSubsystem(options: LinkSubsystemOptions = {}): Subsystem {
  const wanted = (options.kinds ?? LINK_KINDS).map((kind) =>
    typeof kind === 'string' ? builtinKind(kind, options) : kind,
  );
  return {
    name: 'link',
    lockClasses: LINK_LOCK_CLASSES,
    async install(rtnl: Rtnetlink): Promise<InstalledSubsystem> {
      const netns = netnsOf(rtnl);
      const ops = linkPernetOps(rtnl);
      // rtnetlink_init(): rtnetlink_event is on the netdevice chain before any device exists.
      const unregisterEvent = registerRtnetlinkEvent(rtnl);
      try {
        await runTask('link-install', (task) => netns.register(ops, task));
      } catch (error) {
        unregisterEvent();
        throw error;
      }
      const kinds = linkKinds(rtnl);
      const kindOps = wanted.filter((kind) => !kinds.get(kind.kind));
      for (const kind of kindOps) kinds.register(kind);
      const unregisterHandlers = rtnl.handlers.registerMany([
        {
          family: AF.UNSPEC,
          type: RTM.GETLINK,
          doit: rtnlGetlink,
          dumpit: rtnlDumpIfinfo,
          flags: RTNL_FLAG.DUMP_SPLIT_NLM_DONE,
          locks: ['rtnl'],
          // Linux 6.18 still dumps links under RTNL (no DUMP_UNLOCKED), and global / elided do so.
          // A pass reads the device table and each device's fields without awaiting, and checks
          // dev_base_seq: it needs no lock, only RCU, which is the seed's proposal that the
          // finegrained strategy models (the link explorer checks it under every strategy).
          dumpLocks: [],
          name: 'rtnl_getlink',
        },
        {
          family: AF.UNSPEC,
          type: RTM.SETLINK,
          prepare: rtnlSetlinkPrepare,
          doit: withLinkwatch(rtnlSetlink),
          flags: RTNL_FLAG.DOIT_PERNET_WIP,
          locks: ['rtnl'],
          name: 'rtnl_setlink',
        },
        {
          family: AF.UNSPEC,
          type: RTM.NEWLINK,
          prepare: rtnlNewlinkPrepare,
          doit: withLinkwatch(rtnlNewlink),
          flags: RTNL_FLAG.DOIT_PERNET,
          locks: ['rtnl'],
          name: 'rtnl_newlink',
        },
        {
          family: AF.UNSPEC,
          type: RTM.DELLINK,
          prepare: rtnlDellinkPrepare,
          doit: withLinkwatch(rtnlDellink),
          flags: RTNL_FLAG.DOIT_PERNET_WIP,
          locks: ['rtnl'],
          name: 'rtnl_dellink',
        },
      ]);
      let removing: Promise<void> | undefined;
      const remove = (): Promise<void> => {
        if (!removing) {
          unregisterHandlers();
          removing = (async () => {
            for (const kind of [...kindOps].reverse()) await kinds.unregister(kind);
            await runTask('link-remove', (task) => netns.unregister(ops, task));
          })().finally(unregisterEvent);
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
