/**
 * IFLA_MASTER (`do_set_master()`, net/core/rtnetlink.c) and the master/upper link of a device
 * (`netdev_master_upper_dev_link()` / `netdev_upper_dev_unlink()`, net/core/dev.c).
 */
import { Errno, ErrnoError, failAt, faultPoint, type Rtnetlink } from '@rtnlkit/core';
import { callNetdeviceNotifiers, NETDEV } from './events';
import type { NetDevice } from './netdevice';
import { linkTable } from './table';

/**
 * `do_set_master()`: nothing if `ifindex` is the current master; otherwise the current master
 * releases the device (`ndo_del_slave`, EOPNOTSUPP without one), then, unless `ifindex` is 0, the
 * new master (EINVAL if no device has that index in the device's namespace) enslaves it
 * (`ndo_add_slave`, EOPNOTSUPP without one: not a bridge, bond, …).
 */
export async function doSetMaster(rtnl: Rtnetlink, dev: NetDevice, ifindex: number): Promise<void> {
  const current = dev.master;
  if (current) {
    if (current.ifindex === ifindex) return;
    const del = current.netdevOps.delSlave;
    if (!del) throw new ErrnoError(Errno.EOPNOTSUPP);
    await del(rtnl, current, dev);
  }
  if (ifindex) {
    const net = dev.net;
    const upper = net ? linkTable(net).getByIndex(ifindex) : undefined;
    if (!upper) throw new ErrnoError(Errno.EINVAL);
    const add = upper.netdevOps.addSlave;
    if (!add) throw new ErrnoError(Errno.EOPNOTSUPP);
    await add(rtnl, upper, dev);
  }
}

/**
 * `netdev_master_upper_dev_link()`: EBUSY if `dev` has a master already or `upper` sits on `dev`
 * (a loop); NETDEV_PRECHANGEUPPER may veto (rtnlkit raises no such event, so only an injected
 * veto); the adjacency lists are allocated; then NETDEV_CHANGEUPPER (which `rtnetlink_event()`
 * turns into an RTM_NEWLINK), whose veto unlinks again (`rollback:`) and is returned.
 */
export async function netdevMasterUpperDevLink(rtnl: Rtnetlink, dev: NetDevice, upper: NetDevice): Promise<void> {
  if (dev === upper) throw new ErrnoError(Errno.EBUSY);
  if (dev.master) throw new ErrnoError(Errno.EBUSY);
  for (let m = upper.master; m; m = m.master) if (m === dev) throw new ErrnoError(Errno.EBUSY);
  failAt(rtnl, 'notifier:NETDEV_PRECHANGEUPPER', 'notifier');
  failAt(rtnl, 'netdev_upper_dev_link:adjacent_alloc', 'alloc');
  dev.master = upper;
  const errno =
    faultPoint(rtnl, 'notifier:NETDEV_CHANGEUPPER', 'notifier') ||
    (await callNetdeviceNotifiers(rtnl, NETDEV.CHANGEUPPER, { dev }));
  if (errno) {
    dev.master = undefined;
    throw new ErrnoError(errno);
  }
}

/** `netdev_upper_dev_unlink()`: NETDEV_CHANGEUPPER once the link is gone. */
export async function netdevUpperDevUnlink(rtnl: Rtnetlink, dev: NetDevice, upper: NetDevice): Promise<void> {
  if (dev.master !== upper) return;
  dev.master = undefined;
  await callNetdeviceNotifiers(rtnl, NETDEV.CHANGEUPPER, { dev });
}
