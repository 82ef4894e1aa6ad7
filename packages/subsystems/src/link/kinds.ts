/**
 * Link kinds (`struct rtnl_link_ops`, include/net/rtnetlink.h): the hooks RTM_NEWLINK and
 * RTM_DELLINK call, and the registry RTM_NEWLINK looks a kind up in, one per rtnetlink instance.
 * The kinds themselves are drivers, in `drivers/`.
 */
import {
  type AttrSet,
  Errno,
  ErrnoError,
  type IfInfoMsg,
  type Net,
  type Nlattr,
  type ParsedAttrs,
  Rcu,
  type Rtnetlink,
  runTask,
  type Task,
} from '@rtnlkit/core';
import { netnsOf } from '../netns/netns';
import { unregisterNetdeviceMany } from './dev';
import type { NotifyOrigin } from './events';
import type { NetDevice } from './netdevice';
import { netdevRunTodo, netdevTodo } from './run-todo';
import { linkTable } from './table';

/** `struct rtnl_newlink_params`: what `ops->newlink` gets besides the new device. */
export interface NewlinkParams {
  readonly rtnl: Rtnetlink;
  /** `src_net`: the requester's namespace. */
  readonly srcNet: Net;
  /** The namespace the new device registers in (`tgt_net`; `dev_net(dev)`). */
  readonly net: Net;
  /**
   * `peer_net`: where a kind with a peer (veth) creates it: the namespace the peer's own
   * IFLA_NET_NS_PID / FD name, else the request's selectors', else the requester's (`src_net`).
   */
  readonly peerNet: Net;
  /** `link_net`: the namespace IFLA_LINK_NETNSID names, where a lower device is looked up. */
  readonly linkNet?: Net | undefined;
  /** The request's ifinfomsg (`ifi_index` is the index asked for the new device, 0 for any). */
  readonly ifm: IfInfoMsg;
  /** The request's IFLA attributes (`ifla_policy`). */
  readonly tb: ParsedAttrs;
  /** IFLA_INFO_DATA parsed with the kind's policy, if the request had one. */
  readonly data: ParsedAttrs | undefined;
  /**
   * The requester. `rtnl_newlink_create()` announces the new device with it; a kind announcing
   * another device itself (a veth peer) does so without, as Linux does.
   */
  readonly origin: NotifyOrigin;
}

/** `struct rtnl_link_ops`, as far as rtnlkit models it. */
export interface RtnlLinkOps {
  /** IFLA_INFO_KIND. */
  readonly kind: string;
  /** `alloc_netdev(…, ops->setup)`: a device of this kind, not registered yet, named `name`. */
  setup(name: string): NetDevice;
  /**
   * `ops->policy` (its `maxType` is `ops->maxtype`): how IFLA_INFO_DATA is parsed. A kind without
   * one ignores IFLA_INFO_DATA, as the kernel does for `maxtype == 0`.
   */
  readonly policy?: AttrSet;
  /**
   * The IFLA_INFO_DATA attributes rtnlkit models for this kind; any other one the policy accepts
   * is refused with EOPNOTSUPP rather than silently ignored.
   */
  readonly modelledData?: ReadonlySet<number>;
  /**
   * `ops->peer_type`: the IFLA_INFO_DATA attribute that describes a peer device (veth). Linux
   * takes the peer's namespace from it in `rtnl_newlink()`; rtnlkit has no other namespace to
   * take yet, so the kind's `validate` parses the peer and `NewlinkParams.peerNet` is the
   * request's namespace.
   */
  readonly peerType?: number;
  /**
   * The peer's IFLA attributes inside its `peerType` attribute (`rtnl_nla_parse_ifinfomsg()`), so
   * that `rtnl_get_peer_net()` can find the namespace they name.
   */
  peerTb?(attr: Nlattr): ParsedAttrs;
  /**
   * `ops->get_link_net()`: the namespace of the device this one sits on (a veth's peer, a
   * macvlan's lower); when it is not the device's own, fills carry IFLA_LINK_NETNSID.
   */
  getLinkNet?(dev: NetDevice): Net | undefined;
  /** `ops->validate(tb, data, extack)`: throws an ErrnoError to refuse the request. */
  validate?(tb: ParsedAttrs, data: ParsedAttrs | undefined): void;
  /** `ops->get_num_tx_queues()`: the default when IFLA_NUM_TX_QUEUES is absent (else 1). */
  getNumTxQueues?(): number;
  /** `ops->get_num_rx_queues()`. */
  getNumRxQueues?(): number;
  /**
   * `ops->newlink()`: registers `dev` (ifindex `params.ifm.index` if non-zero) with
   * `registerNetdevice(…, { announce: false })`, and whatever else the kind needs. Without it,
   * `rtnl_newlink_create()` registers the device itself.
   */
  newlink?(dev: NetDevice, params: NewlinkParams): Promise<void>;
  /**
   * `ops->dellink()`: what the kind undoes first (a bridge releases its ports), then the devices
   * to unregister together with `dev` (`unregister_netdevice_queue`), in order; without it, `dev`
   * alone.
   */
  dellink?(rtnl: Rtnetlink, dev: NetDevice): Promise<NetDevice[]>;
  /** The kind has `ops->changelink` (IFLA_INFO_DATA on an existing device; not modelled). */
  readonly changelink?: boolean;
}

/** A kind the registry lists, with its SRCU domain (`ops->srcu`). */
interface Registered {
  readonly ops: RtnlLinkOps;
  readonly srcu: Rcu;
}

/** What {@link LinkKinds.acquire} returns: the kind, pinned until `release()` (`rtnl_link_ops_put`). */
export interface PinnedKind {
  readonly ops: RtnlLinkOps;
  release(): void;
}

/**
 * The kind registry of one rtnetlink instance (`link_ops`, Linux 6.13+): lookups pin a kind with
 * its SRCU read side, so RTM_NEWLINK can look it up before taking any lock and use it until it
 * is done; `rtnl_link_unregister()` unlists the kind, waits for those readers (outside RTNL),
 * then deletes every device of the kind in every namespace. The kernel serialises list changes
 * with `link_ops_mutex`; here a list change is synchronous, so it cannot interleave with another.
 */
export class LinkKinds {
  private readonly ops = new Map<string, Registered>();

  constructor(readonly rtnl: Rtnetlink) {}

  /** Whether `kind` is listed (not pinned: for a lookup that is over at once, e.g. a dump filter). */
  get(kind: string): RtnlLinkOps | undefined {
    return this.ops.get(kind)?.ops;
  }

  /**
   * `rtnl_link_ops_get()`: the listed kind, pinned for `task` by its SRCU read side until
   * `release()`; undefined when no such kind is listed.
   */
  acquire(kind: string, task: Task): PinnedKind | undefined {
    const registered = this.ops.get(kind);
    if (!registered) return undefined;
    const section = registered.srcu.readLock(task);
    return { ops: registered.ops, release: () => section.release() };
  }

  /** Registered kinds, in registration order. */
  kinds(): string[] {
    return [...this.ops.keys()];
  }

  /** `rtnl_link_register()`: EEXIST for a kind already registered. */
  register(ops: RtnlLinkOps): void {
    if (this.ops.has(ops.kind)) throw new ErrnoError(Errno.EEXIST);
    const srcu = new Rcu({ name: `srcu:${ops.kind}`, clock: this.rtnl.clock, costs: this.rtnl.costs, sleepable: true });
    this.ops.set(ops.kind, { ops, srcu });
  }

  /**
   * `rtnl_link_unregister()`: unlists the kind; `synchronize_srcu()` without RTNL (every
   * RTM_NEWLINK that found the kind is done, its device registered); then under
   * `pernet_ops_rwsem` (no namespace comes or goes) waits until no device is half unregistered
   * (`rtnl_lock_unregistering_all()`) and deletes the devices of the kind in every namespace under
   * its RTNL (`__rtnl_kill_links()`), and finally runs their slow unregistration. Once it
   * returns, nothing uses the kind and no device of it exists.
   */
  async unregister(ops: RtnlLinkOps): Promise<void> {
    const registered = this.ops.get(ops.kind);
    if (registered?.ops !== ops) return;
    this.ops.delete(ops.kind);
    await runTask(`rtnl-link-unregister-${ops.kind}`, async (task) => {
      await registered.srcu.synchronize(task);
      const netns = netnsOf(this.rtnl);
      const killed: NetDevice[] = [];
      await netns.pernetOpsRwsem.write(task, async () => {
        await netdevTodo(this.rtnl).allUnregistered();
        for (const net of netns.nets) {
          await this.rtnl.strategy.lock('rtnl', net).run(task, async () => {
            // __rtnl_kill_links(): each device through the kind's dellink (a veth takes its peer).
            for (const dev of linkTable(net).devices().reverse()) {
              if (dev.rtnlLinkOps !== ops || dev.regState !== 'registered') continue;
              const devs = ops.dellink ? await ops.dellink(this.rtnl, dev) : [dev];
              await unregisterNetdeviceMany(this.rtnl, devs);
            }
            killed.push(...netdevTodo(this.rtnl).take());
          });
        }
      });
      await netdevRunTodo(this.rtnl, task, killed);
      // The kernel holds RTNL from dev_unreg_count == 0 through the kills. Here RTNL is taken per
      // namespace, so a DELLINK may have unregistered a device of the kind between two of them,
      // to be freed by that request: wait until all are freed.
      const todo = netdevTodo(this.rtnl);
      await Promise.all(
        todo
          .pending()
          .filter((dev) => dev.rtnlLinkOps === ops)
          .map((dev) => todo.whenFreed(dev)),
      );
    });
  }
}

const registries = new WeakMap<Rtnetlink, LinkKinds>();

/** The kind registry of `rtnl`, created (empty) on first use. */
export function linkKinds(rtnl: Rtnetlink): LinkKinds {
  let kinds = registries.get(rtnl);
  if (!kinds) {
    kinds = new LinkKinds(rtnl);
    registries.set(rtnl, kinds);
  }
  return kinds;
}
