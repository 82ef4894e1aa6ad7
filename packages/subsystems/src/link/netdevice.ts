/**
 * `struct net_device`, as far as rtnlkit models it: identity (ifindex, name, namespace), the
 * fields RTM_NEWLINK messages report, and the state flags that derive the reported ones. Defaults
 * are those of an Ethernet device after `alloc_netdev()` + `ether_setup()`; a kind (or the
 * loopback setup) overrides them before registration.
 */
import { Errno, ErrnoError, IFF, type Net, RefCount, type RefTracker, type Rtnetlink } from '@rtnlkit/core';
import {
  ARPHRD,
  DEFAULT_TX_QUEUE_LEN,
  ETH_ALEN,
  ETH_DATA_LEN,
  ETH_MIN_MTU,
  IF_LINK_MODE,
  IF_OPER,
  IFNAMSIZ,
  INIT_NETDEV_GROUP,
} from './constants';
import type { RtnlLinkOps } from './kinds';

/**
 * `dev->reg_state`: UNINITIALIZED until `register_netdevice()`, REGISTERED while listed,
 * UNREGISTERING from the unlisting until `netdev_run_todo()` saw the last reference go and an
 * RCU grace period pass, then UNREGISTERED (the kernel frees the device there: any use after
 * that is a use after free).
 */
export type NetregState = 'uninitialized' | 'registered' | 'unregistering' | 'unregistered';

const encoder = new TextEncoder();

/** The fields a device can be set up with before registration. */
export interface NetDeviceSetup {
  /** A name, or a pattern with one `%d` (`dev_alloc_name`). */
  name: string;
  /** ARPHRD_*; default ARPHRD_ETHER. */
  type?: number;
  /** IFF_* as set in `dev->flags` (UP, LOOPBACK, NOARP, …); default BROADCAST | MULTICAST. */
  flags?: number;
  mtu?: number;
  minMtu?: number;
  maxMtu?: number;
  txqlen?: number;
  /** Hardware address; its length is `addr_len`. Default: six zero bytes. */
  address?: Uint8Array;
  /** Broadcast address; default ff:ff:ff:ff:ff:ff for a 6-byte address, zeros otherwise. */
  broadcast?: Uint8Array;
  group?: number;
  numTxQueues?: number;
  numRxQueues?: number;
  /** `netns_immutable` (was NETIF_F_NETNS_LOCAL): the device may not change namespace. */
  netnsImmutable?: boolean;
  /** The device starts with its carrier off (`netif_carrier_off()` in setup, as veth does). */
  noCarrier?: boolean;
  /** The `rtnl_link_ops` kind (`veth`, `bridge`, …), undefined for devices without one (lo). */
  kind?: string;
  /** `dev->netdev_ops`; none by default. */
  netdevOps?: NetDeviceOps;
  /** NET_ADDR_*; NET_ADDR_PERM by default, NET_ADDR_RANDOM for `eth_hw_addr_random()`. */
  addrAssignType?: number;
}

/**
 * `struct net_device_ops`: the driver hooks rtnlkit's device operations call. All optional; a
 * hook that throws an ErrnoError makes the operation fail with it.
 */
export interface NetDeviceOps {
  /** `ndo_open`: called while opening, before IFF_UP is set (veth turns the carriers on here). */
  open?(rtnl: Rtnetlink, dev: NetDevice): Promise<void>;
  /** `ndo_stop`: called while closing, IFF_UP already cleared. */
  stop?(rtnl: Rtnetlink, dev: NetDevice): Promise<void>;
  /** `ndo_get_iflink`: the ifindex of the device this one sits on (IFLA_LINK). */
  getIflink?(dev: NetDevice): number;
  /** `ndo_change_mtu`: a check (throw) or a side effect before the new mtu is stored. */
  changeMtu?(dev: NetDevice, mtu: number): void;
  /** `ndo_add_slave`: enslaves `slave` to `dev` (IFLA_MASTER). */
  addSlave?(rtnl: Rtnetlink, dev: NetDevice, slave: NetDevice): Promise<void>;
  /** `ndo_del_slave`: releases `slave` from `dev`. */
  delSlave?(rtnl: Rtnetlink, dev: NetDevice, slave: NetDevice): Promise<void>;
}

/** `NET_ADDR_*`: how the device got its hardware address (`addr_assign_type`). */
export const NET_ADDR = { PERM: 0, RANDOM: 1, STOLEN: 2, SET: 3 } as const;

/** `netdev_rx_handler_register()`: EBUSY if the device has an rx handler already. */
export function netdevRxHandlerRegister(dev: NetDevice, owner: string): void {
  if (dev.rxHandler !== undefined) throw new ErrnoError(Errno.EBUSY);
  dev.rxHandler = owner;
}

export class NetDevice {
  /** 0 until registered. */
  ifindex = 0;
  /**
   * `dev->name` for RTNL holders (renames happen under RTNL). Readers without RTNL use
   * `netdevCopyName()`, which reads {@link nameBytes} under `netdev_rename_lock`.
   */
  name: string;
  /** `dev->name` as the bytes lockless readers copy (NUL-padded, IFNAMSIZ). */
  readonly nameBytes = new Uint8Array(IFNAMSIZ);
  regState: NetregState = 'uninitialized';
  /**
   * `dev->rtnl_link_state == RTNL_LINK_INITIALIZING`: created by RTM_NEWLINK and not yet
   * configured (`rtnl_configure_link()`); such a device is announced by the configuration, and
   * unregistered without an RTM_DELLINK if the configuration fails.
   */
  linkInitializing = false;
  /**
   * `dev->dev_refcnt` with its tracker (`netdev_hold()` / `netdev_put()` name the holder). The
   * registration holds one reference (`dev_registered_tracker`) until the unlisting; the
   * unregistration then waits for every other holder.
   */
  refcnt: RefCount;
  /** The registration's own reference (`dev->dev_registered_tracker`), held while listed. */
  registeredRef: RefTracker | undefined;
  /** The namespace the device is registered in. */
  net: Net | undefined;
  /** ARPHRD_* */
  type: number;
  /**
   * `dev->flags`: IFF_UP and the configuration flags. RUNNING, LOWER_UP and DORMANT are derived
   * (see {@link reportedFlags}), PROMISC and ALLMULTI reported from `gflags`.
   */
  flags: number;
  /** `dev->gflags`: PROMISC / ALLMULTI as user space asked for them. */
  gflags = 0;
  mtu: number;
  minMtu: number;
  maxMtu: number;
  txqlen: number;
  address: Uint8Array;
  broadcast: Uint8Array;
  /** IF_OPER_*; reported only while the device runs (IF_OPER_DOWN otherwise). */
  operstate: number = IF_OPER.UNKNOWN;
  /** IF_LINK_MODE_* */
  linkMode: number = IF_LINK_MODE.DEFAULT;
  /** `netif_carrier_ok()`. */
  carrier: boolean;
  carrierUpCount = 0;
  carrierDownCount = 0;
  /** `ifalias`, undefined when unset. */
  alias: string | undefined;
  group: number;
  /** The master (upper) device, e.g. a bridge, if enslaved. */
  master: NetDevice | undefined;
  promiscuity = 0;
  allmulti = 0;
  numTxQueues: number;
  numRxQueues: number;
  netnsImmutable: boolean;
  protoDown = false;
  readonly kind: string | undefined;
  /**
   * `dev->rtnl_link_ops`: the kind that created the device through RTM_NEWLINK (set by it), used
   * to delete it even while the kind is being unregistered.
   */
  rtnlLinkOps: RtnlLinkOps | undefined;
  /** `dev->netdev_ops`. */
  netdevOps: NetDeviceOps;
  /** `dev->addr_assign_type` (NET_ADDR_*). */
  addrAssignType: number;
  /** Who registered `dev->rx_handler` (a bridge port, a macvlan lower), if anyone. */
  rxHandler: string | undefined = undefined;

  constructor(setup: NetDeviceSetup) {
    this.name = setup.name;
    this.storeName(setup.name);
    this.refcnt = new RefCount(setup.name);
    this.net = undefined;
    this.type = setup.type ?? ARPHRD.ETHER;
    this.flags = setup.flags ?? IFF.BROADCAST | IFF.MULTICAST;
    this.mtu = setup.mtu ?? ETH_DATA_LEN;
    this.minMtu = setup.minMtu ?? ETH_MIN_MTU;
    this.maxMtu = setup.maxMtu ?? ETH_DATA_LEN;
    this.txqlen = setup.txqlen ?? DEFAULT_TX_QUEUE_LEN;
    this.address = setup.address ? new Uint8Array(setup.address) : new Uint8Array(ETH_ALEN);
    const addrLen = this.address.length;
    this.broadcast = setup.broadcast
      ? new Uint8Array(setup.broadcast)
      : addrLen === ETH_ALEN
        ? new Uint8Array(ETH_ALEN).fill(0xff)
        : new Uint8Array(addrLen);
    this.carrier = !setup.noCarrier;
    this.alias = undefined;
    this.group = setup.group ?? INIT_NETDEV_GROUP;
    this.master = undefined;
    this.numTxQueues = setup.numTxQueues ?? 1;
    this.numRxQueues = setup.numRxQueues ?? 1;
    this.netnsImmutable = setup.netnsImmutable ?? false;
    this.kind = setup.kind;
    this.netdevOps = setup.netdevOps ?? {};
    this.addrAssignType = setup.addrAssignType ?? NET_ADDR.PERM;
  }

  /** `dev_get_iflink()`: `ndo_get_iflink` if the driver has one, else the device's own ifindex. */
  get iflink(): number {
    return this.netdevOps.getIflink ? this.netdevOps.getIflink(this) : this.ifindex;
  }

  /**
   * Sets the name of a device no lockless reader can reach yet (not listed): the registration's
   * `dev_get_valid_name()`. A listed device is renamed with `writeDevName()` under the seqlock.
   */
  storeName(name: string): void {
    this.name = name;
    this.nameBytes.fill(0);
    this.nameBytes.set(encoder.encode(name).subarray(0, IFNAMSIZ - 1));
  }

  /** `dev->addr_len`. */
  get addrLen(): number {
    return this.address.length;
  }

  /** `netif_running()`: the device is administratively up (`__LINK_STATE_START`). */
  get running(): boolean {
    return (this.flags & IFF.UP) !== 0;
  }

  /** `netif_oper_up()`. */
  get operUp(): boolean {
    return this.operstate === IF_OPER.UP || this.operstate === IF_OPER.UNKNOWN;
  }

  /** `dev_get_flags()`: what `ifi_flags` reports. */
  get reportedFlags(): number {
    let flags =
      (this.flags & ~(IFF.PROMISC | IFF.ALL_MULTI | IFF.RUNNING | IFF.LOWER_UP | IFF.DORMANT)) |
      (this.gflags & (IFF.PROMISC | IFF.ALL_MULTI));
    if (this.running) {
      if (this.operUp) flags |= IFF.RUNNING;
      if (this.carrier) flags |= IFF.LOWER_UP;
      if (this.operstate === IF_OPER.DORMANT) flags |= IFF.DORMANT;
    }
    return flags >>> 0;
  }

  /** What IFLA_OPERSTATE reports: the operstate while running, IF_OPER_DOWN otherwise. */
  get reportedOperstate(): number {
    return this.running ? this.operstate : IF_OPER.DOWN;
  }

  /** `carrier_up_count + carrier_down_count`: IFLA_CARRIER_CHANGES. */
  get carrierChanges(): number {
    return this.carrierUpCount + this.carrierDownCount;
  }

  toString(): string {
    return this.ifindex ? `${this.name}(${this.ifindex})` : this.name;
  }
}
