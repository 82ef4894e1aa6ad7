/**
 * Link kinds (`struct rtnl_link_ops`, net/core/rtnetlink.c): the registry RTM_NEWLINK looks a
 * kind up in, one per rtnetlink instance, and the kinds rtnlkit has: `ifb` and `bridge`.
 */
import { Errno, ErrnoError, IFF, type Rtnetlink, runTask } from '@rtnlkit/core';
import { netnsOf } from '../netns/netns';
import { ETH_ALEN, ETH_MAX_MTU } from './constants';
import { unregisterNetdevice } from './dev';
import { NetDevice } from './netdevice';
import { linkTable } from './table';

/** `struct rtnl_link_ops`, as far as rtnlkit models it. */
export interface RtnlLinkOps {
  /** IFLA_INFO_KIND. */
  readonly kind: string;
  /** `alloc_netdev(…, ops->setup)`: a device of this kind, not registered yet, named `name`. */
  setup(name: string): NetDevice;
}

/** The kind registry of one rtnetlink instance (`link_ops`, guarded by `link_ops_mutex`). */
export class LinkKinds {
  private readonly ops = new Map<string, RtnlLinkOps>();

  constructor(readonly rtnl: Rtnetlink) {}

  /** `rtnl_link_ops_get()`. */
  get(kind: string): RtnlLinkOps | undefined {
    return this.ops.get(kind);
  }

  /** Registered kinds, in registration order. */
  kinds(): string[] {
    return [...this.ops.keys()];
  }

  /** `rtnl_link_register()`: EEXIST for a kind already registered. */
  register(ops: RtnlLinkOps): void {
    if (this.ops.has(ops.kind)) throw new ErrnoError(Errno.EEXIST);
    this.ops.set(ops.kind, ops);
  }

  /**
   * `rtnl_link_unregister()`: unlists the kind, then unregisters its devices in every namespace,
   * each namespace under its RTNL.
   */
  async unregister(ops: RtnlLinkOps): Promise<void> {
    if (this.ops.get(ops.kind) !== ops) return;
    this.ops.delete(ops.kind);
    await runTask(`rtnl-link-unregister-${ops.kind}`, async (task) => {
      for (const net of netnsOf(this.rtnl).nets) {
        await this.rtnl.strategy.lock('rtnl', net).run(task, async () => {
          for (const dev of linkTable(net).devices().reverse())
            if (dev.kind === ops.kind) await unregisterNetdevice(this.rtnl, dev);
        });
      }
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
