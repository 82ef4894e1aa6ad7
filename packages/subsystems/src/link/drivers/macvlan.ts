/**
 * The `macvlan` kind (drivers/net/macvlan.c): a virtual device on a lower Ethernet device
 * (IFLA_LINK). What rtnlkit models: `macvlan_common_newlink()` (the lower device, the mtu and its
 * range taken from it, a random address, the mode), the carrier and operstate following the lower
 * device (`netif_stacked_transfer_operstate()` on its NETDEV_UP/DOWN/CHANGE), the lower's unicast
 * filter (a lower without one goes promiscuous while a macvlan on it is up), an mtu never above
 * the lower's (`macvlan_change_mtu()`, NETDEV_CHANGEMTU of the lower), and the macvlans deleted
 * with their lower device (`macvlan_device_event()` on NETDEV_UNREGISTER).
 *
 * Not modelled: passthru and source modes, the MAC address lists, broadcast queue options, flags
 * (refused with EOPNOTSUPP), changing a macvlan (`macvlan_changelink()`), macvtap.
 */
import {
  defineAttrSet,
  Errno,
  ErrnoError,
  IFF,
  IFLA,
  NOTIFY_DONE,
  nla,
  type ParsedAttrs,
  type Rtnetlink,
} from '@rtnlkit/core';
import { ARPHRD, ETH_ALEN, ETH_MAX_MTU, ETH_MIN_MTU, MAX_ADDR_LEN } from '../constants';
import { devSetMtu, registerNetdevice, unregisterNetdeviceMany } from '../dev';
import { callNetdeviceNotifiers, NETDEV, type NetdevNotifierInfo, registerNetdeviceNotifier } from '../events';
import type { NewlinkParams, RtnlLinkOps } from '../kinds';
import { linkwatchFireEvent, netifCarrierOff, netifCarrierOn, rfc2863Policy } from '../linkwatch';
import { NET_ADDR, NetDevice, type NetDeviceOps, netdevRxHandlerRegister } from '../netdevice';
import { linkTable } from '../table';
import { isValidEtherAddr, randomEtherAddr } from './ether';

/** `IFLA_MACVLAN_*` (include/uapi/linux/if_link.h). */
export const IFLA_MACVLAN = {
  MODE: 1,
  FLAGS: 2,
  MACADDR_MODE: 3,
  MACADDR: 4,
  MACADDR_DATA: 5,
  MACADDR_COUNT: 6,
  BC_QUEUE_LEN: 7,
  BC_QUEUE_LEN_USED: 8,
  BC_CUTOFF: 9,
} as const;

/** `enum macvlan_mode`. */
export const MACVLAN_MODE = { PRIVATE: 1, VEPA: 2, BRIDGE: 4, PASSTHRU: 8, SOURCE: 16 } as const;

/** `macvlan_policy`. */
export const macvlanPolicy = defineAttrSet('macvlan-info', [
  { name: 'mode', type: IFLA_MACVLAN.MODE, nla: 'u32' },
  { name: 'flags', type: IFLA_MACVLAN.FLAGS, nla: 'u16' },
  { name: 'macaddr-mode', type: IFLA_MACVLAN.MACADDR_MODE, nla: 'u32' },
  { name: 'macaddr', type: IFLA_MACVLAN.MACADDR, nla: 'binary', len: MAX_ADDR_LEN },
  { name: 'macaddr-data', type: IFLA_MACVLAN.MACADDR_DATA, nla: 'nested' },
  { name: 'macaddr-count', type: IFLA_MACVLAN.MACADDR_COUNT, nla: 'u32' },
  { name: 'bc-queue-len', type: IFLA_MACVLAN.BC_QUEUE_LEN, nla: 'u32' },
  { name: 'bc-queue-len-used', type: IFLA_MACVLAN.BC_QUEUE_LEN_USED, nla: 'reject' },
  { name: 'bc-cutoff', type: IFLA_MACVLAN.BC_CUTOFF, nla: 's32' },
]);

/** The modes rtnlkit models (passthru and source need more than it has). */
const MODELLED_MODES = new Set<number>([MACVLAN_MODE.PRIVATE, MACVLAN_MODE.VEPA, MACVLAN_MODE.BRIDGE]);

/** `struct macvlan_dev`. */
interface Macvlan {
  readonly dev: NetDevice;
  readonly lowerdev: NetDevice;
  readonly mode: number;
  /** On its port's list (`vlan->list`); the lower stays known after, as IFLA_LINK reports it. */
  listed: boolean;
}

/** `struct macvlan_port`, plus the lower's unicast address list as macvlans use it. */
interface MacvlanPort {
  vlans: Macvlan[];
  /** Unicast addresses macvlans that are up added to the lower (`dev_uc_add()`). */
  uc: number;
  /** `dev->uc_promisc`: the lower has no unicast filter, so it went promiscuous for them. */
  ucPromisc: boolean;
}

const vlans = new WeakMap<NetDevice, Macvlan>();
const ports = new WeakMap<NetDevice, MacvlanPort>();

/** The lower device of a macvlan, if `dev` is one. */
export function macvlanLowerDev(dev: NetDevice): NetDevice | undefined {
  return vlans.get(dev)?.lowerdev;
}

/** The mode of a macvlan (MACVLAN_MODE_*). */
export function macvlanMode(dev: NetDevice): number | undefined {
  return vlans.get(dev)?.mode;
}

/**
 * `__dev_set_rx_mode()` for a lower device without IFF_UNICAST_FLT (veth, bridge, …): while it is
 * up and has unicast addresses it is promiscuous (`__dev_set_promiscuity(dev, ±1, false)`: no
 * notification).
 */
function lowerSetRxMode(lower: NetDevice, port: MacvlanPort): void {
  if (!(lower.flags & IFF.UP)) return;
  if (port.uc > 0 && !port.ucPromisc) {
    lower.promiscuity += 1;
    lower.flags |= IFF.PROMISC;
    port.ucPromisc = true;
  } else if (port.uc === 0 && port.ucPromisc) {
    lower.promiscuity = Math.max(0, lower.promiscuity - 1);
    if (lower.promiscuity === 0) lower.flags &= ~IFF.PROMISC;
    port.ucPromisc = false;
  }
}

/** `netif_stacked_transfer_operstate()`: the carrier of the lower device (dormant/testing not modelled). */
function transferOperstate(rtnl: Rtnetlink, lower: NetDevice, dev: NetDevice): void {
  if (lower.carrier) netifCarrierOn(rtnl, dev);
  else netifCarrierOff(rtnl, dev);
}

const macvlanNetdevOps: NetDeviceOps = {
  /** `macvlan_open()`: its address goes on the lower's unicast list (`dev_uc_add()`). */
  async open(_rtnl, dev) {
    const vlan = vlans.get(dev);
    const port = vlan && ports.get(vlan.lowerdev);
    if (!vlan || !port) throw new ErrnoError(Errno.ENODEV);
    port.uc += 1;
    lowerSetRxMode(vlan.lowerdev, port);
  },
  /** `macvlan_stop()`: `dev_uc_del()`. */
  async stop(_rtnl, dev) {
    const vlan = vlans.get(dev);
    const port = vlan && ports.get(vlan.lowerdev);
    if (!vlan || !port) return;
    port.uc = Math.max(0, port.uc - 1);
    lowerSetRxMode(vlan.lowerdev, port);
  },
  // macvlan_dev_get_iflink()
  getIflink: (dev) => vlans.get(dev)?.lowerdev.ifindex ?? 0,
  /** `macvlan_change_mtu()`: never above the lower device's mtu. */
  changeMtu(dev, mtu) {
    const lower = vlans.get(dev)?.lowerdev;
    if (lower && lower.mtu < mtu) throw new ErrnoError(Errno.EINVAL);
  },
};

/**
 * `macvlan_validate()`: IFLA_ADDRESS a valid unicast address (EINVAL, EADDRNOTAVAIL), flags only
 * NOPROMISC | NODST, a known mode, no MACADDR_COUNT (EINVAL). Modes rtnlkit does not model are
 * refused after that, with EOPNOTSUPP.
 */
function macvlanValidate(tb: ParsedAttrs, data: ParsedAttrs | undefined): void {
  const address = tb.tb[IFLA.ADDRESS];
  if (address) {
    if (address.data.length !== ETH_ALEN) throw new ErrnoError(Errno.EINVAL);
    if (!isValidEtherAddr(address.data)) throw new ErrnoError(Errno.EADDRNOTAVAIL);
  }
  const modeAttr = data?.tb[IFLA_MACVLAN.MODE];
  if (!modeAttr) return;
  const mode = nla.u32(modeAttr);
  if (!Object.values(MACVLAN_MODE).includes(mode as never)) throw new ErrnoError(Errno.EINVAL);
  if (!MODELLED_MODES.has(mode))
    throw new ErrnoError(Errno.EOPNOTSUPP, 'rtnlkit: macvlan passthru and source modes are not modelled');
}

/**
 * `macvlan_setup()` → `macvlan_common_setup()`: `ether_setup()` (txqlen 1000), min mtu 0 and max
 * ETH_MAX_MTU until `macvlan_common_newlink()` takes the lower's range.
 */
function macvlanSetup(name: string): NetDevice {
  return new NetDevice({
    name,
    kind: 'macvlan',
    minMtu: 0,
    maxMtu: ETH_MAX_MTU,
    address: randomEtherAddr(),
    addrAssignType: NET_ADDR.RANDOM,
    netdevOps: macvlanNetdevOps,
  });
}

/**
 * `macvlan_common_newlink()`: IFLA_LINK is required (EINVAL) and names the lower device in the
 * link namespace (ENODEV); on a macvlan, its own lower is used. The mtu is the lower's unless
 * given, and then not above it (EINVAL); its range is 68 up to the lower's maximum. The lower
 * becomes a macvlan port (`macvlan_port_create()`: EINVAL for a non-Ethernet or loopback device,
 * EBUSY if it has an rx handler, a bridge port for one). At registration the device takes the
 * lower's carrier (`macvlan_init()`), then it is linked above the lower and a link event fired.
 */
async function macvlanNewlink(dev: NetDevice, params: NewlinkParams): Promise<void> {
  const { rtnl, tb, data } = params;
  const link = tb.tb[IFLA.LINK];
  if (!link) throw new ErrnoError(Errno.EINVAL);
  // rtnl_newlink_link_net(): IFLA_LINK_NETNSID is not modelled, so the link namespace is src_net.
  // rtnl_newlink_link_net(): IFLA_LINK_NETNSID's namespace, else the requester's.
  let lowerdev = linkTable(params.linkNet ?? params.srcNet).getByIndex(nla.u32(link));
  if (!lowerdev) throw new ErrnoError(Errno.ENODEV);
  lowerdev = vlans.get(lowerdev)?.lowerdev ?? lowerdev;
  if (!tb.tb[IFLA.MTU]) dev.mtu = lowerdev.mtu;
  else if (dev.mtu > lowerdev.mtu) throw new ErrnoError(Errno.EINVAL);
  dev.minMtu = ETH_MIN_MTU;
  dev.maxMtu = lowerdev.maxMtu;
  let port = ports.get(lowerdev);
  const create = !port;
  if (!port) {
    // macvlan_port_create()
    if (lowerdev.type !== ARPHRD.ETHER || lowerdev.flags & IFF.LOOPBACK) throw new ErrnoError(Errno.EINVAL);
    netdevRxHandlerRegister(lowerdev, 'macvlan');
    port = { vlans: [], uc: 0, ucPromisc: false };
    ports.set(lowerdev, port);
  }
  const modeAttr = data?.tb[IFLA_MACVLAN.MODE];
  const vlan: Macvlan = { dev, lowerdev, mode: modeAttr ? nla.u32(modeAttr) : MACVLAN_MODE.VEPA, listed: true };
  // macvlan_init(), during registration: the lower's carrier, silently.
  dev.carrier = lowerdev.carrier;
  vlans.set(dev, vlan);
  try {
    await registerNetdevice(rtnl, params.net, dev, {
      ...(params.ifm.index > 0 ? { ifindex: params.ifm.index } : {}),
      announce: false,
    });
  } catch (error) {
    vlans.delete(dev);
    if (create) {
      ports.delete(lowerdev);
      lowerdev.rxHandler = undefined;
    }
    throw error;
  }
  // linkwatch_init_dev() of register_netdevice(): a device registered without carrier gets its
  // operstate at once.
  if (!dev.carrier) rfc2863Policy(dev);
  registerMacvlanNotifier(rtnl);
  // netdev_upper_dev_link(lowerdev, dev): NETDEV_CHANGEUPPER of the lower (an RTM_NEWLINK for it).
  await callNetdeviceNotifiers(rtnl, NETDEV.CHANGEUPPER, { dev: lowerdev });
  port.vlans.push(vlan);
  transferOperstate(rtnl, lowerdev, dev);
  linkwatchFireEvent(rtnl, dev);
}

/** `macvlan_dellink()` and `macvlan_uninit()`: unlisted from its port, which goes with the last macvlan. */
function macvlanUnlink(dev: NetDevice): void {
  const vlan = vlans.get(dev);
  if (!vlan?.listed) return;
  vlan.listed = false;
  const port = ports.get(vlan.lowerdev);
  if (!port) return;
  port.vlans = port.vlans.filter((v) => v !== vlan);
  if (port.vlans.length === 0) {
    // macvlan_port_destroy()
    ports.delete(vlan.lowerdev);
    vlan.lowerdev.rxHandler = undefined;
  }
}

/** `macvlan_device_event()`: what happens to the lower device happens to its macvlans. */
async function macvlanDeviceEvent(rtnl: Rtnetlink, event: number, info: NetdevNotifierInfo): Promise<number> {
  const lower = info.dev;
  if (event === NETDEV.UNREGISTER && vlans.has(lower)) {
    macvlanUnlink(lower); // a macvlan unregistered without macvlan_dellink() (its namespace exits)
    return NOTIFY_DONE;
  }
  const port = ports.get(lower);
  if (!port) return NOTIFY_DONE;
  switch (event) {
    case NETDEV.UP:
      lowerSetRxMode(lower, port); // dev_open() → dev_set_rx_mode()
      for (const vlan of port.vlans) transferOperstate(rtnl, lower, vlan.dev);
      break;
    case NETDEV.DOWN:
    case NETDEV.CHANGE:
      for (const vlan of port.vlans) transferOperstate(rtnl, lower, vlan.dev);
      break;
    case NETDEV.CHANGEMTU:
      for (const vlan of [...port.vlans]) if (vlan.dev.mtu > lower.mtu) await devSetMtu(rtnl, vlan.dev, lower.mtu);
      break;
    case NETDEV.UNREGISTER: {
      // Each macvlan's dellink, then one unregister_netdevice_many() for all of them.
      const devs = port.vlans.map((vlan) => vlan.dev);
      for (const dev of devs) await macvlanLinkOps.dellink?.(rtnl, dev);
      await unregisterNetdeviceMany(rtnl, devs);
      break;
    }
  }
  return NOTIFY_DONE;
}

/** `macvlan_notifier_block`, registered once per rtnetlink instance. */
const notified = new WeakSet<Rtnetlink>();
function registerMacvlanNotifier(rtnl: Rtnetlink): void {
  if (notified.has(rtnl)) return;
  notified.add(rtnl);
  registerNetdeviceNotifier(rtnl, (event, info) => macvlanDeviceEvent(rtnl, event, info), {
    name: 'macvlan_device_event',
  });
}

/** `macvlan_link_ops`. */
export const macvlanLinkOps: RtnlLinkOps = {
  kind: 'macvlan',
  policy: macvlanPolicy,
  modelledData: new Set([IFLA_MACVLAN.MODE]),
  setup: macvlanSetup,
  validate: macvlanValidate,
  // macvlan_get_link_net(): the lower device's namespace.
  getLinkNet: (dev) => vlans.get(dev)?.lowerdev.net,
  newlink: macvlanNewlink,
  async dellink(rtnl, dev) {
    const vlan = vlans.get(dev);
    const lower = vlan?.listed ? vlan.lowerdev : undefined;
    macvlanUnlink(dev);
    // netdev_upper_dev_unlink(vlan->lowerdev, dev), before the queued unregistration runs.
    if (lower) await callNetdeviceNotifiers(rtnl, NETDEV.CHANGEUPPER, { dev: lower });
    return [dev];
  },
  changelink: true,
};
