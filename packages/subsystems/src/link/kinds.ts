/**
 * Link kinds (`struct rtnl_link_ops`, net/core/rtnetlink.c): the registry RTM_NEWLINK looks a
 * kind up in, one per rtnetlink instance, and the kinds rtnlkit has: `ifb` and `bridge`.
 */
import { Errno, ErrnoError, IFF, Rcu, type Rtnetlink, runTask, type Task } from '@rtnlkit/core';
import { netnsOf } from '../netns/netns';
import { ETH_ALEN, ETH_MAX_MTU } from './constants';
import { unregisterNetdevice } from './dev';
import { NetDevice } from './netdevice';
import { netdevRunTodo, netdevTodo } from './run-todo';
import { linkTable } from './table';

/** `struct rtnl_link_ops`, as far as rtnlkit models it. */
export interface RtnlLinkOps {
  /** IFLA_INFO_KIND. */
  readonly kind: string;
  /** `alloc_netdev(…, ops->setup)`: a device of this kind, not registered yet, named `name`. */
  setup(name: string): NetDevice;
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
      await netns.pernetOpsRwsem.write(task, async () => {
        await netdevTodo(this.rtnl).allUnregistered();
        for (const net of netns.nets) {
          await this.rtnl.strategy.lock('rtnl', net).run(task, async () => {
            for (const dev of linkTable(net).devices().reverse())
              if (dev.rtnlLinkOps === ops && dev.regState === 'registered') await unregisterNetdevice(this.rtnl, dev);
          });
        }
      });
      await netdevRunTodo(this.rtnl, task);
      // The kernel holds RTNL from dev_unreg_count == 0 through the kills, and its rtnl_unlock()
      // snapshots net_todo_list before unlocking, so it frees what it killed itself. Here RTNL is
      // taken per namespace and a run takes the list after the unlock: another task's run may hold
      // some device of the kind (or a DELLINK unlisted one meanwhile). Wait until all are freed.
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

/** `eth_hw_addr_random()`: a random unicast, locally administered address. */
export function randomEtherAddr(): Uint8Array {
  const addr = crypto.getRandomValues(new Uint8Array(ETH_ALEN));
  addr[0] = ((addr[0] ?? 0) & 0xfe) | 0x02;
  return addr;
}

/** `TX_Q_LIMIT` of drivers/net/ifb.c. */
const IFB_TX_Q_LIMIT = 32;

/**
 * `ifb_link_ops` (drivers/net/ifb.c): `ether_setup()`, then NOARP and no MULTICAST, txqlen 32,
 * a random address, min and max mtu 0 (no range check).
 */
export const ifbLinkOps: RtnlLinkOps = {
  kind: 'ifb',
  setup: (name) =>
    new NetDevice({
      name,
      kind: 'ifb',
      flags: IFF.BROADCAST | IFF.NO_ARP,
      txqlen: IFB_TX_Q_LIMIT,
      address: randomEtherAddr(),
      minMtu: 0,
      maxMtu: 0,
    }),
};

/**
 * `br_link_ops` (net/bridge/br_netlink.c, `br_dev_setup()`): an Ethernet device with a random
 * address, max mtu ETH_MAX_MTU, netns-immutable. Ports, STP and the bridge options are not
 * modelled.
 */
export const bridgeLinkOps: RtnlLinkOps = {
  kind: 'bridge',
  setup: (name) =>
    new NetDevice({
      name,
      kind: 'bridge',
      address: randomEtherAddr(),
      maxMtu: ETH_MAX_MTU,
      netnsImmutable: true,
    }),
};
