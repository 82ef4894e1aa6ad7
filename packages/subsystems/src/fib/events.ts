/**
 * `fib_netdev_event()` (net/ipv4/fib_frontend.c) on the netdevice chain: a device going down
 * or away takes the routes through it (`fib_disable_ip`: `fib_sync_down_dev` + `fib_flush`,
 * with no RTM_DELROUTE, as in the kernel); a carrier change flags nexthops LINKDOWN; a device
 * coming up revives multipath nexthops and re-adds its addresses' routes (through the lister
 * devinet registers with {@link setFibIfaddrLister}).
 */
import { NOTIFY_DONE, type Rtnetlink } from '@rtnlkit/core';
import { NETDEV, type NetdevNotifierInfo, registerNetdeviceNotifier } from '../link/events';
import type { NetDevice } from '../link/netdevice';
import { type FibIfaddr, fibAddIfaddr } from './ifaddr';
import { fibFlush, fibSyncDownDev, fibSyncLinkdown, fibSyncUp } from './ops';
import { fibNet } from './table';

type IfaddrLister = (dev: NetDevice) => readonly FibIfaddr[];
const listers = new WeakMap<Rtnetlink, IfaddrLister>();

/** devinet's hook: the addresses of a device (`in_dev_for_each_ifa_rtnl`), for NETDEV_UP. */
export function setFibIfaddrLister(rtnl: Rtnetlink, lister: IfaddrLister | undefined): void {
  if (lister) listers.set(rtnl, lister);
  else listers.delete(rtnl);
}

/** `fib_disable_ip()`. */
async function disableIp(dev: NetDevice, unregister: boolean): Promise<void> {
  if (!dev.net) return;
  const fib = fibNet(dev.net);
  if (fibSyncDownDev(fib, dev, unregister) > 0) await fibFlush(fib);
}

/** Registers `fib_netdev_event` on the netdevice chain of `rtnl`; returns the unregister function. */
export function registerFibNetdevEvent(rtnl: Rtnetlink): () => void {
  const fibNetdevEvent = async (event: number, info: NetdevNotifierInfo): Promise<number> => {
    const { dev } = info;
    switch (event) {
      case NETDEV.UNREGISTER:
        await disableIp(dev, true);
        break;
      case NETDEV.UP: {
        for (const ifa of listers.get(rtnl)?.(dev) ?? []) await fibAddIfaddr(rtnl, ifa);
        if (dev.net) {
          const fib = fibNet(dev.net);
          fibSyncUp(fib, dev);
          fib.devAddrGenid += 1;
        }
        break;
      }
      case NETDEV.DOWN:
        await disableIp(dev, false);
        break;
      case NETDEV.CHANGE:
        if (dev.net) fibSyncLinkdown(fibNet(dev.net), dev, !dev.carrier);
        break;
    }
    return NOTIFY_DONE;
  };
  return registerNetdeviceNotifier(rtnl, fibNetdevEvent, { name: 'fib_netdev_event' });
}
