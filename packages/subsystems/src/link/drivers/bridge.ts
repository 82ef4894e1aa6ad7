/**
 * The `bridge` kind (net/bridge/): the bridge device (`br_dev_setup()`, `br_link_ops`) and its
 * ports (`br_add_if()`, `br_del_if()`, net/bridge/br_if.c), with what a port changes on the
 * bridge: its mtu (`br_mtu_auto_adjust()`), its address (`br_stp_recalculate_bridge_id()`) and its
 * carrier (`br_port_state_selection()` with STP off: a port that is up with its carrier on
 * forwards at once, and the bridge has carrier while one port forwards).
 *
 * Not modelled: the bridge options (IFLA_INFO_DATA), port options (IFLA_INFO_SLAVE_DATA), STP,
 * VLANs, the FDB, and the AF_BRIDGE RTM_NEWLINK/DELLINK notifications of port state changes
 * (`br_ifinfo_notify()`).
 */
import { Errno, ErrnoError, failAt, IFF, IFLA, NOTIFY_DONE, type Rtnetlink, rtLink } from '@rtnlkit/core';
import { ARPHRD, ETH_ALEN, ETH_DATA_LEN, ETH_MAX_MTU } from '../constants';
import { devSetAllmulti, devSetMtu, devSetPromiscuity, registerNetdevice } from '../dev';
import { callNetdeviceNotifiers, NETDEV, type NetdevNotifierInfo, registerNetdeviceNotifier } from '../events';
import type { RtnlLinkOps } from '../kinds';
import { netifCarrierOff, netifCarrierOn } from '../linkwatch';
import { netdevMasterUpperDevLink, netdevUpperDevUnlink } from '../master';
import { NET_ADDR, NetDevice, type NetDeviceOps, netdevRxHandlerRegister } from '../netdevice';
import { compareEtherAddr, isValidEtherAddr, randomEtherAddr } from './ether';

/** `BR_STATE_*`: the port states rtnlkit uses (STP off: disabled or forwarding). */
const BR_STATE = { DISABLED: 0, FORWARDING: 3, BLOCKING: 4 } as const;

/** `struct net_bridge_port`. */
interface BridgePort {
  readonly br: NetDevice;
  readonly dev: NetDevice;
  state: number;
  /** BR_PROMISC: the bridge put the port in promiscuous mode. */
  promisc: boolean;
}

/** `struct net_bridge`, as far as rtnlkit models it. */
interface Bridge {
  /** `port_list`: new ports go first (`list_add_rcu()`). */
  ports: BridgePort[];
  /** BROPT_MTU_SET_BY_USER. */
  mtuSetByUser: boolean;
  /** `bridge_id.addr`. */
  bridgeIdAddr: Uint8Array;
}

const bridges = new WeakMap<NetDevice, Bridge>();
const portsByDev = new WeakMap<NetDevice, BridgePort>();

/** `netif_is_bridge_master()`. */
export function isBridgeMaster(dev: NetDevice): boolean {
  return bridges.has(dev);
}

/** The ports of bridge `br`, in the order of its port list (newest first). */
export function bridgePorts(br: NetDevice): NetDevice[] {
  return bridges.get(br)?.ports.map((p) => p.dev) ?? [];
}

function bridgeOf(br: NetDevice): Bridge {
  const bridge = bridges.get(br);
  if (!bridge) throw new TypeError(`${br} is not a bridge`);
  return bridge;
}

/** `br_port_state_selection()` with STP off: forwarding ports keep the bridge's carrier on. */
function brPortStateSelection(rtnl: Rtnetlink, br: NetDevice): void {
  let liveports = 0;
  for (const p of bridgeOf(br).ports) {
    if (p.state === BR_STATE.DISABLED) continue;
    // br_make_forwarding(): without STP a blocking port forwards at once.
    if (p.state === BR_STATE.BLOCKING) p.state = BR_STATE.FORWARDING;
    if (p.state === BR_STATE.FORWARDING) liveports += 1;
  }
  if (liveports === 0) netifCarrierOff(rtnl, br);
  else netifCarrierOn(rtnl, br);
}

/** `br_stp_enable_port()`: `br_init_port()` (blocking), then the state selection. */
function brStpEnablePort(rtnl: Rtnetlink, p: BridgePort): void {
  p.state = BR_STATE.BLOCKING;
  brPortStateSelection(rtnl, p.br);
}

/** `br_stp_disable_port()`. */
function brStpDisablePort(rtnl: Rtnetlink, p: BridgePort): void {
  p.state = BR_STATE.DISABLED;
  brPortStateSelection(rtnl, p.br);
}

/** `br_port_carrier_check()`: a port follows its device's running and operational state. */
function brPortCarrierCheck(rtnl: Rtnetlink, p: BridgePort): void {
  if (!p.br.running) return;
  if (p.dev.running && p.dev.operUp) {
    if (p.state === BR_STATE.DISABLED) brStpEnablePort(rtnl, p);
  } else if (p.state !== BR_STATE.DISABLED) brStpDisablePort(rtnl, p);
}

/**
 * `br_stp_recalculate_bridge_id()`: unless the user set the bridge's address, it takes the
 * smallest port address (all zeros without ports). True when it changed.
 */
function brStpRecalculateBridgeId(rtnl: Rtnetlink, br: NetDevice): boolean {
  const bridge = bridgeOf(br);
  if (br.addrAssignType === NET_ADDR.SET) return false;
  let addr: Uint8Array | undefined;
  for (const p of bridge.ports) if (!addr || compareEtherAddr(p.dev.address, addr) < 0) addr = p.dev.address;
  const next = addr ?? new Uint8Array(ETH_ALEN);
  if (compareEtherAddr(next, bridge.bridgeIdAddr) === 0) return false;
  // br_stp_change_bridge_id(): the new id, then br_port_state_selection() (so a bridge whose
  // ports do not forward loses its carrier here).
  bridge.bridgeIdAddr = new Uint8Array(next);
  br.address = new Uint8Array(next);
  brPortStateSelection(rtnl, br);
  return true;
}

/** `br_mtu_auto_adjust()`: unless the user set it, the bridge's mtu is its smallest port mtu. */
async function brMtuAutoAdjust(rtnl: Rtnetlink, br: NetDevice): Promise<void> {
  const bridge = bridgeOf(br);
  if (bridge.mtuSetByUser) return;
  let mtu = 0;
  for (const p of bridge.ports) if (!mtu || mtu > p.dev.mtu) mtu = p.dev.mtu;
  // dev_set_mtu()'s error is ignored here, as the kernel's br_mtu_auto_adjust() ignores it.
  try {
    await devSetMtu(rtnl, br, mtu || ETH_DATA_LEN);
  } catch (error) {
    if (!(error instanceof ErrnoError)) throw error;
  }
  bridge.mtuSetByUser = false;
}

/** `nbp_update_port_count()` → `br_manage_promisc()`: without VLAN filtering every port is promiscuous. */
function brManagePromisc(rtnl: Rtnetlink, br: NetDevice): void {
  for (const p of bridgeOf(br).ports) {
    if (p.promisc) continue;
    devSetPromiscuity(rtnl, p.dev, 1);
    p.promisc = true;
  }
}

/**
 * `br_add_if()`: EINVAL for a device that is not Ethernet-like (lo included), ELOOP for a
 * bridge ("Can not enslave a bridge to a bridge"), EBUSY for a device with a master; then the
 * port: allmulti, the master link (NETDEV_CHANGEUPPER), promiscuity, the bridge address, the port
 * enabled if the device and the bridge are up, and the bridge mtu.
 */
export async function brAddIf(rtnl: Rtnetlink, br: NetDevice, dev: NetDevice): Promise<void> {
  const bridge = bridgeOf(br);
  if (
    dev.flags & IFF.LOOPBACK ||
    dev.type !== ARPHRD.ETHER ||
    dev.addrLen !== ETH_ALEN ||
    !isValidEtherAddr(dev.address)
  )
    throw new ErrnoError(Errno.EINVAL);
  if (isBridgeMaster(dev)) throw new ErrnoError(Errno.ELOOP, 'Can not enslave a bridge to a bridge');
  if (dev.master) throw new ErrnoError(Errno.EBUSY);
  // new_nbp(): the port's kzalloc, before anything changed.
  failAt(rtnl, 'br_add_if:new_nbp', 'alloc');
  const p: BridgePort = { br, dev, state: BR_STATE.DISABLED, promisc: false };
  devSetAllmulti(dev, 1);
  try {
    netdevRxHandlerRegister(dev, 'bridge');
    try {
      await netdevMasterUpperDevLink(rtnl, dev, br);
    } catch (error) {
      dev.rxHandler = undefined;
      throw error;
    }
  } catch (error) {
    devSetAllmulti(dev, -1);
    throw error;
  }
  portsByDev.set(dev, p);
  bridge.ports.unshift(p);
  brManagePromisc(rtnl, br);
  const changedAddr = brStpRecalculateBridgeId(rtnl, br);
  if (dev.running && dev.operUp && br.running) brStpEnablePort(rtnl, p);
  if (changedAddr) await callNetdeviceNotifiers(rtnl, NETDEV.CHANGEADDR, { dev: br });
  await brMtuAutoAdjust(rtnl, br);
}

/**
 * `del_nbp()`: allmulti and promiscuity given back, the port disabled (the bridge may lose its
 * carrier), unlisted, the master link gone (NETDEV_CHANGEUPPER).
 */
async function delNbp(rtnl: Rtnetlink, p: BridgePort): Promise<void> {
  const bridge = bridgeOf(p.br);
  devSetAllmulti(p.dev, -1);
  if (p.promisc) {
    devSetPromiscuity(rtnl, p.dev, -1);
    p.promisc = false;
  }
  brStpDisablePort(rtnl, p);
  bridge.ports = bridge.ports.filter((q) => q !== p);
  portsByDev.delete(p.dev);
  await netdevUpperDevUnlink(rtnl, p.dev, p.br);
  p.dev.rxHandler = undefined; // netdev_rx_handler_unregister()
}

/** `br_del_if()`: EINVAL if `dev` is not a port of `br`; then the bridge's mtu and address follow. */
export async function brDelIf(rtnl: Rtnetlink, br: NetDevice, dev: NetDevice): Promise<void> {
  const p = portsByDev.get(dev);
  if (!p || p.br !== br) throw new ErrnoError(Errno.EINVAL);
  await delNbp(rtnl, p);
  await brMtuAutoAdjust(rtnl, br);
  if (brStpRecalculateBridgeId(rtnl, br)) await callNetdeviceNotifiers(rtnl, NETDEV.CHANGEADDR, { dev: br });
}

const bridgeNetdevOps: NetDeviceOps = {
  // br_dev_open() → br_stp_enable_bridge(): the ports that are up and operational.
  async open(rtnl, br) {
    for (const p of bridgeOf(br).ports) if (p.dev.running && p.dev.operUp) brStpEnablePort(rtnl, p);
  },
  // br_dev_stop() → br_stp_disable_bridge().
  async stop(rtnl, br) {
    for (const p of bridgeOf(br).ports) if (p.state !== BR_STATE.DISABLED) brStpDisablePort(rtnl, p);
  },
  // br_change_mtu(): from now on the user's choice (br_mtu_auto_adjust() clears it again).
  changeMtu(br) {
    bridgeOf(br).mtuSetByUser = true;
  },
  addSlave: brAddIf,
  delSlave: brDelIf,
};

/** `br_device_event()`: what happens to a port's device changes the port and the bridge. */
async function brDeviceEvent(rtnl: Rtnetlink, event: number, info: NetdevNotifierInfo): Promise<number> {
  // A bridge going away without br_dev_delete() (its namespace exits): its ports are released.
  if (event === NETDEV.UNREGISTER && isBridgeMaster(info.dev)) {
    for (const p of [...bridgeOf(info.dev).ports]) await delNbp(rtnl, p);
    return NOTIFY_DONE;
  }
  const p = portsByDev.get(info.dev);
  if (!p) return NOTIFY_DONE;
  const br = p.br;
  switch (event) {
    case NETDEV.CHANGEMTU:
      await brMtuAutoAdjust(rtnl, br);
      break;
    case NETDEV.CHANGEADDR:
      if (brStpRecalculateBridgeId(rtnl, br)) await callNetdeviceNotifiers(rtnl, NETDEV.CHANGEADDR, { dev: br });
      break;
    case NETDEV.CHANGE:
      brPortCarrierCheck(rtnl, p);
      break;
    case NETDEV.DOWN:
      if (br.flags & IFF.UP) brStpDisablePort(rtnl, p);
      break;
    case NETDEV.UP:
      if (br.running && info.dev.operUp) brStpEnablePort(rtnl, p);
      break;
    case NETDEV.UNREGISTER:
      await brDelIf(rtnl, br, info.dev);
      break;
  }
  return NOTIFY_DONE;
}

/** `br_device_notifier`, registered once per rtnetlink instance (by `br_init()` in Linux). */
const notified = new WeakSet<Rtnetlink>();
function registerBrDeviceNotifier(rtnl: Rtnetlink): void {
  if (notified.has(rtnl)) return;
  notified.add(rtnl);
  registerNetdeviceNotifier(rtnl, (event, info) => brDeviceEvent(rtnl, event, info), { name: 'br_device_event' });
}

/**
 * `br_link_ops`: `br_dev_setup()` (an Ethernet device with a random address, max mtu
 * ETH_MAX_MTU, netns-immutable, the bridge device ops); `br_dev_newlink()` registers it;
 * `br_dev_delete()` releases every port before the bridge goes.
 */
export const bridgeLinkOps: RtnlLinkOps = {
  kind: 'bridge',
  // br_policy: parsed, but no bridge option is modelled, so any one is refused.
  policy: rtLink.linkinfoBridgeAttrs,
  modelledData: new Set(),
  changelink: true,
  setup: (name) => {
    const br = new NetDevice({
      name,
      kind: 'bridge',
      address: randomEtherAddr(),
      addrAssignType: NET_ADDR.RANDOM,
      maxMtu: ETH_MAX_MTU,
      netnsImmutable: true,
      netdevOps: bridgeNetdevOps,
    });
    bridges.set(br, { ports: [], mtuSetByUser: false, bridgeIdAddr: new Uint8Array(ETH_ALEN) });
    return br;
  },
  async newlink(dev, params) {
    registerBrDeviceNotifier(params.rtnl);
    await registerNetdevice(params.rtnl, params.net, dev, {
      ...(params.ifm.index > 0 ? { ifindex: params.ifm.index } : {}),
      announce: false,
    });
    // br_stp_change_bridge_id() with IFLA_ADDRESS (then NET_ADDR_SET: ports do not change it).
    if (params.tb.tb[IFLA.ADDRESS]) bridgeOf(dev).bridgeIdAddr = new Uint8Array(dev.address);
  },
  async dellink(rtnl, br) {
    for (const p of [...bridgeOf(br).ports]) await delNbp(rtnl, p);
    return [br];
  },
};
