/**
 * Device operations of net/core/dev.c that change a registered device, each raising the netdevice
 * notifier events and the RTNLGRP_LINK notifications Linux 6.18 raises: registration and
 * unregistration, opening and closing (`__dev_change_flags`), mtu, tx queue length, alias, group,
 * name. The caller holds RTNL. Validation that can fail comes before any change, so a thrown
 * error leaves the device as it was.
 */
import {
  Errno,
  ErrnoError,
  failAt,
  faultPoint,
  IFF,
  type Net,
  RefCount,
  RTM,
  type Rtnetlink,
  type Task,
} from '@rtnlkit/core';
import { IFALIASZ } from './constants';
import { callNetdeviceNotifiers, NETDEV, type NotifyOrigin, rtmsgIfinfo, rtmsgIfinfoBuild } from './events';
import type { NetDevice } from './netdevice';
import { writeDevName } from './rename-lock';
import { netdevTodo } from './run-todo';
import { linkTable } from './table';

const encoder = new TextEncoder();

/** The `dev->flags` bits user space may set directly (`__dev_change_flags`). */
const USER_FLAGS =
  IFF.DEBUG | IFF.NO_TRAILERS | IFF.NO_ARP | IFF.DYNAMIC | IFF.MULTICAST | IFF.PORTSEL | IFF.AUTO_MEDIA;
/** `IFF_VOLATILE`: flags the device (driver or link state) owns. */
const IFF_VOLATILE =
  IFF.LOOPBACK |
  IFF.POINT_TO_POINT |
  IFF.BROADCAST |
  IFF.ECHO |
  IFF.MASTER |
  IFF.SLAVE |
  IFF.RUNNING |
  IFF.LOWER_UP |
  IFF.DORMANT;
/** The `dev->flags` bits kept as they are by `__dev_change_flags`. */
const KEPT_FLAGS = IFF.UP | IFF_VOLATILE | IFF.PROMISC | IFF.ALL_MULTI;

export interface RegisterOptions {
  /** The ifindex asked for (IFLA_NEW_IFINDEX / ifi_index on create). */
  ifindex?: number;
  /**
   * Send the RTM_NEWLINK of registration (true by default). A device created by RTM_NEWLINK
   * (`rtnl_link_state == RTNL_LINK_INITIALIZING`) is announced by `rtnl_configure_link()` instead.
   */
  announce?: boolean;
}

/**
 * `register_netdevice()`: lists the device in `net`'s table (see {@link LinkTable.register}),
 * takes the registration's reference, calls NETDEV_REGISTER (a veto unregisters it again and
 * throws), then announces it.
 */
export async function registerNetdevice(
  rtnl: Rtnetlink,
  net: Net,
  dev: NetDevice,
  options: RegisterOptions = {},
): Promise<void> {
  // The allocations before the device is listed (name nodes, `ndo_init`): nothing to undo yet.
  failAt(rtnl, 'register_netdevice:alloc', 'alloc');
  const table = linkTable(net);
  table.register(dev, options.ifindex === undefined ? {} : { ifindex: options.ifindex });
  dev.refcnt = new RefCount(dev.name, { clock: rtnl.clock });
  dev.registeredRef = dev.refcnt.hold('dev_registered_tracker');
  dev.regState = 'registered';
  dev.linkInitializing = !(options.announce ?? true);
  const errno =
    faultPoint(rtnl, 'notifier:NETDEV_REGISTER', 'notifier') ||
    (await callNetdeviceNotifiers(rtnl, NETDEV.REGISTER, { dev }));
  if (errno) {
    // The kernel's rollback: unregister_netdevice_queue() of the half-registered device.
    await unregisterNetdevice(rtnl, dev);
    throw new ErrnoError(errno);
  }
  if (!dev.linkInitializing) rtmsgIfinfo(rtnl, RTM.NEWLINK, dev, ~0);
}

/**
/**
 * `unregister_netdevice_many_notify()` for one device: see {@link unregisterNetdeviceMany}.
 */
export async function unregisterNetdevice(rtnl: Rtnetlink, dev: NetDevice, origin?: NotifyOrigin): Promise<void> {
  await unregisterNetdeviceMany(rtnl, [dev], origin);
}

/**
 * `unregister_netdevice_many_notify()`, the part under RTNL, for devices that are registered
 * (one already on its way out is skipped): closes the running ones together
 * (`netif_close_many()`: NETDEV_GOING_DOWN for each, then `ndo_stop` and IFF_UP cleared for each,
 * then RTM_NEWLINK with IFF_UP | IFF_RUNNING and NETDEV_DOWN for each), unlists them all
 * (UNREGISTERING), `synchronize_net()` (expedited: RTNL is held), then for each NETDEV_UNREGISTER
 * and RTM_DELLINK (change ~0; with the requester's sequence number and port id when the request
 * asked for an echo; none for a device RTM_NEWLINK had not finished configuring),
 * `synchronize_net()` again, drops the registrations' references and queues the devices for
 * {@link netdevRunTodo}, which the caller runs once it released RTNL (`req.afterUnlock()`).
 */
export async function unregisterNetdeviceMany(
  rtnl: Rtnetlink,
  devs: readonly NetDevice[],
  origin?: NotifyOrigin,
): Promise<void> {
  const registered = devs.filter((dev) => dev.regState === 'registered');
  const closing = registered.filter((dev) => dev.running);
  for (const dev of closing) await callNetdeviceNotifiers(rtnl, NETDEV.GOING_DOWN, { dev });
  for (const dev of closing) {
    dev.flags &= ~IFF.UP;
    await ndoStop(rtnl, dev);
  }
  for (const dev of closing) {
    rtmsgIfinfo(rtnl, RTM.NEWLINK, dev, IFF.UP | IFF.RUNNING);
    await callNetdeviceNotifiers(rtnl, NETDEV.DOWN, { dev });
  }
  // A notifier callback may have unregistered one of them meanwhile.
  const going = registered.filter((dev) => dev.regState === 'registered');
  for (const dev of going) {
    linkTable(dev.net as Net).unregister(dev);
    dev.regState = 'unregistering';
  }
  await rtnl.rcu.synchronizeExpedited();
  for (const dev of going) {
    await callNetdeviceNotifiers(rtnl, NETDEV.UNREGISTER, { dev });
    if (!dev.linkInitializing) rtmsgIfinfoBuild(RTM.DELLINK, dev, ~0, origin, { rtnl })(rtnl, dev.net as Net);
  }
  await rtnl.rcu.synchronizeExpedited();
  for (const dev of going) {
    if (dev.registeredRef) dev.refcnt.put(dev.registeredRef);
    dev.registeredRef = undefined;
    netdevTodo(rtnl).add(dev);
  }
}

/** `dev_get_flags()`-based combination of `ifi_flags` and `ifi_change` (`rtnl_dev_combine_flags`). */
export function combineFlags(dev: NetDevice, flags: number, change: number): number {
  // bugwards compatibility: ifi_change == 0 is treated as ~0
  if (change) return ((flags & change) | (dev.reportedFlags & ~change)) >>> 0;
  return flags >>> 0;
}

/**
 * `__dev_change_flags()`: applies the user flags, opens or closes the device on IFF_UP (a
 * NETDEV_PRE_UP veto is thrown before anything changes; GOING_DOWN before a close), toggles
 * promiscuity and allmulti as asked. Sends nothing: see {@link devChangeFlags}.
 */
export async function devChangeFlagsNoNotify(rtnl: Rtnetlink, dev: NetDevice, flags: number): Promise<void> {
  const oldFlags = dev.flags;
  const opening = ((oldFlags ^ flags) & IFF.UP) !== 0 && (oldFlags & IFF.UP) === 0;
  const closing = ((oldFlags ^ flags) & IFF.UP) !== 0 && (oldFlags & IFF.UP) !== 0;
  if (opening) {
    // __dev_open(): NETDEV_PRE_UP may veto before anything changes.
    const errno =
      faultPoint(rtnl, 'notifier:NETDEV_PRE_UP', 'notifier') ||
      (await callNetdeviceNotifiers(rtnl, NETDEV.PRE_UP, { dev }));
    if (errno) throw new ErrnoError(errno);
    // ndo_open: may fail (veth without a peer: ENOTCONN), and then nothing changed.
    const open = dev.netdevOps.open;
    if (open) {
      failAt(rtnl, 'dev_open:ndo_open', 'driver');
      await open(rtnl, dev);
    }
  }
  if (closing) await callNetdeviceNotifiers(rtnl, NETDEV.GOING_DOWN, { dev });
  dev.flags = ((flags & USER_FLAGS) | (dev.flags & KEPT_FLAGS)) >>> 0;
  if (opening) dev.flags |= IFF.UP;
  if (closing) {
    dev.flags &= ~IFF.UP;
    await ndoStop(rtnl, dev);
  }
  if ((flags ^ dev.gflags) & IFF.PROMISC) {
    dev.gflags ^= IFF.PROMISC;
    dev.promiscuity += flags & IFF.PROMISC ? 1 : -1;
  }
  if ((flags ^ dev.gflags) & IFF.ALL_MULTI) {
    dev.gflags ^= IFF.ALL_MULTI;
    dev.allmulti += flags & IFF.ALL_MULTI ? 1 : -1;
  }
}

/**
 * `ndo_stop`: `__dev_close_many()` ignores what it returns, so an injected error is a driver that
 * stopped and then answered an error: the close goes on as if it had succeeded.
 */
async function ndoStop(rtnl: Rtnetlink, dev: NetDevice): Promise<void> {
  const stop = dev.netdevOps.stop;
  if (!stop) return;
  faultPoint(rtnl, 'dev_close:ndo_stop', 'driver');
  await stop(rtnl, dev);
}

/**
 * `netif_change_flags()`: {@link devChangeFlagsNoNotify}, then `__dev_notify_flags()`:
 * RTM_NEWLINK with the changed bits, NETDEV_UP / NETDEV_DOWN, NETDEV_CHANGE for other changes
 * while up.
 */
export async function devChangeFlags(
  rtnl: Rtnetlink,
  dev: NetDevice,
  flags: number,
  origin?: NotifyOrigin,
): Promise<void> {
  const oldFlags = dev.flags;
  const oldGflags = dev.gflags;
  await devChangeFlagsNoNotify(rtnl, dev, flags);
  const gchanges = (oldFlags ^ dev.flags) | (oldGflags ^ dev.gflags);
  await notifyFlags(rtnl, dev, oldFlags, gchanges, origin);
}

/** `__dev_notify_flags()`. */
export async function notifyFlags(
  rtnl: Rtnetlink,
  dev: NetDevice,
  oldFlags: number,
  gchanges: number,
  origin?: NotifyOrigin,
): Promise<void> {
  const changes = dev.flags ^ oldFlags;
  if (gchanges) rtmsgIfinfo(rtnl, RTM.NEWLINK, dev, gchanges, origin);
  if (changes & IFF.UP) await callNetdeviceNotifiers(rtnl, dev.flags & IFF.UP ? NETDEV.UP : NETDEV.DOWN, { dev });
  if (dev.flags & IFF.UP && changes & ~(IFF.UP | IFF.PROMISC | IFF.ALL_MULTI | IFF_VOLATILE))
    await callNetdeviceNotifiers(rtnl, NETDEV.CHANGE, { dev, flagsChanged: changes });
}

/**
 * `dev_validate_mtu()`: EINVAL below the minimum or (when the device has one) above the maximum,
 * with the kernel's extack. `mtu` is the u32 of IFLA_MTU; the kernel compares it as an int.
 */
export function devValidateMtu(dev: NetDevice, mtu: number): void {
  const signed = mtu | 0;
  if (signed < 0 || signed < dev.minMtu) throw new ErrnoError(Errno.EINVAL, 'mtu less than device minimum');
  if (dev.maxMtu > 0 && signed > dev.maxMtu) throw new ErrnoError(Errno.EINVAL, 'mtu greater than device maximum');
}

/**
 * `netif_set_mtu_ext()`: validates, changes, raises NETDEV_CHANGEMTU (nothing if unchanged). A
 * veto sets the old mtu back and raises NETDEV_CHANGEMTU again "so that they have a chance to
 * revert changes", then returns the veto's errno.
 */
export async function devSetMtu(rtnl: Rtnetlink, dev: NetDevice, mtu: number): Promise<void> {
  if (mtu === dev.mtu) return;
  devValidateMtu(dev, mtu);
  const changeMtu = dev.netdevOps.changeMtu;
  if (changeMtu) {
    // __netif_set_mtu(): the driver's error comes back before the mtu changed.
    failAt(rtnl, 'dev_set_mtu:ndo_change_mtu', 'driver');
    changeMtu(dev, mtu);
  }
  const oldMtu = dev.mtu;
  dev.mtu = mtu;
  const errno =
    faultPoint(rtnl, 'notifier:NETDEV_CHANGEMTU', 'notifier') ||
    (await callNetdeviceNotifiers(rtnl, NETDEV.CHANGEMTU, { dev, oldMtu }));
  if (errno) {
    // The rollback's own __netif_set_mtu() and notifier answers are ignored, as in the kernel.
    changeMtu?.(dev, oldMtu);
    dev.mtu = oldMtu;
    await callNetdeviceNotifiers(rtnl, NETDEV.CHANGEMTU, { dev, oldMtu: mtu });
    throw new ErrnoError(errno);
  }
}

/**
 * `netif_change_tx_queue_len()`: NETDEV_CHANGE_TX_QUEUE_LEN when it changed, then the qdiscs'
 * queues resized (`dev_qdisc_change_tx_queue_len()`, which allocates). A veto or a failed resize
 * puts the old length back (`err_rollback`, no second notification) and returns the error.
 */
export async function devChangeTxQueueLen(rtnl: Rtnetlink, dev: NetDevice, txqlen: number): Promise<void> {
  if (txqlen === dev.txqlen) return;
  const oldLen = dev.txqlen;
  dev.txqlen = txqlen >>> 0;
  const errno =
    faultPoint(rtnl, 'notifier:NETDEV_CHANGE_TX_QUEUE_LEN', 'notifier') ||
    (await callNetdeviceNotifiers(rtnl, NETDEV.CHANGE_TX_QUEUE_LEN, { dev })) ||
    faultPoint(rtnl, 'dev_qdisc_change_tx_queue_len:alloc', 'alloc');
  if (errno) {
    dev.txqlen = oldLen;
    throw new ErrnoError(errno);
  }
}

/** `netif_set_alias()` after its length check: an empty alias clears it. */
export function devSetAlias(dev: NetDevice, alias: string): void {
  if (encoder.encode(alias).length >= IFALIASZ) throw new ErrnoError(Errno.EINVAL);
  dev.alias = alias === '' ? undefined : alias;
}

/**
 * `netif_change_name()`: the name checks of registration (EINVAL, EEXIST; a `%d` pattern takes
 * the lowest free unit), the name written under `netdev_rename_lock` (lockless readers never see
 * it torn), the name index moved, then NETDEV_CHANGENAME (and its RTM_NEWLINK; a veto renames it
 * back). Nothing happens for the same name. A running device may be renamed (Linux 6.18 allows it; older kernels
 * answered EBUSY).
 */
export async function devChangeName(rtnl: Rtnetlink, task: Task, dev: NetDevice, name: string): Promise<void> {
  const net = dev.net;
  if (!net) throw new TypeError(`${dev} is not registered`);
  if (name === dev.name) return;
  const table = linkTable(net);
  const valid = table.validName(name);
  const oldName = dev.name;
  // device_rename(): the sysfs rename allocates, and fails before the name changed.
  failAt(rtnl, 'dev_change_name:device_rename', 'alloc');
  await writeDevName(rtnl, task, dev, valid);
  table.reindexName(dev, oldName);
  const errno =
    faultPoint(rtnl, 'notifier:NETDEV_CHANGENAME', 'notifier') ||
    (await callNetdeviceNotifiers(rtnl, NETDEV.CHANGENAME, { dev, oldName }));
  if (errno) {
    // The kernel's `goto rollback`: the old name back, NETDEV_CHANGENAME again (a veto of the
    // rollback is only logged), then the first veto's errno.
    await writeDevName(rtnl, task, dev, oldName);
    table.reindexName(dev, valid);
    await callNetdeviceNotifiers(rtnl, NETDEV.CHANGENAME, { dev, oldName: valid });
    throw new ErrnoError(errno);
  }
}

/** `netdev_state_change()`: NETDEV_CHANGE and RTM_NEWLINK (change 0), only while the device is up. */
export async function netdevStateChange(rtnl: Rtnetlink, dev: NetDevice): Promise<void> {
  if (!(dev.flags & IFF.UP)) return;
  await callNetdeviceNotifiers(rtnl, NETDEV.CHANGE, { dev });
  rtmsgIfinfo(rtnl, RTM.NEWLINK, dev, 0);
}

/**
 * `netif_set_promiscuity()` (`dev_set_promiscuity()`): counts a user of promiscuous mode (a
 * bridge port, …). IFF_PROMISC in `dev->flags` follows the count; when it flips, `__dev_notify_flags()`
 * sends RTM_NEWLINK with change IFF_PROMISC. (`ifi_flags` reports IFF_PROMISC only as user space
 * asked for it, `gflags`, so the notification shows the count, not the flag.)
 */
export function devSetPromiscuity(rtnl: Rtnetlink, dev: NetDevice, inc: number): void {
  const oldFlags = dev.flags;
  dev.promiscuity = Math.max(0, dev.promiscuity + inc);
  if (dev.promiscuity > 0) dev.flags |= IFF.PROMISC;
  else dev.flags &= ~IFF.PROMISC;
  if (dev.flags !== oldFlags) rtmsgIfinfo(rtnl, RTM.NEWLINK, dev, IFF.PROMISC);
}

/**
 * `netif_set_allmulti()` (`dev_set_allmulti()`): counts a user of all-multicast mode. IFF_ALLMULTI
 * follows the count silently: `gflags` did not change, so no RTM_NEWLINK.
 */
export function devSetAllmulti(dev: NetDevice, inc: number): void {
  dev.allmulti = Math.max(0, dev.allmulti + inc);
  if (dev.allmulti > 0) dev.flags |= IFF.ALL_MULTI;
  else dev.flags &= ~IFF.ALL_MULTI;
}
