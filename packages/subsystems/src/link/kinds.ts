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
  type ParsedAttrs,
  type Rtnetlink,
  runTask,
} from '@rtnlkit/core';
import { netnsOf } from '../netns/netns';
import { unregisterNetdevice } from './dev';
import type { NotifyOrigin } from './events';
import type { NetDevice } from './netdevice';
import { linkTable } from './table';

/** `struct rtnl_newlink_params`: what `ops->newlink` gets besides the new device. */
export interface NewlinkParams {
  readonly rtnl: Rtnetlink;
  /** `src_net`: the requester's namespace. */
  readonly srcNet: Net;
  /** The namespace the new device registers in (`tgt_net`; `dev_net(dev)`). */
  readonly net: Net;
  /**
   * `peer_net`: where a kind with a peer (veth) creates it. rtnlkit does not model IFLA_NET_NS_*
   * yet, so this is always the request's namespace; drivers take it from here, not from `net`.
   */
  readonly peerNet: Net;
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
