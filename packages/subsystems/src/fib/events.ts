/**
 * `fib_netdev_event()` (net/ipv4/fib_frontend.c) on the netdevice chain: a device going down
 * or away takes the routes through it (`fib_disable_ip`: `fib_sync_down_dev` + `fib_flush`,
 * with no RTM_DELROUTE, as in the kernel); a carrier change flags nexthops LINKDOWN; a device
 * coming up re-adds its addresses' routes (from its in_device) and revives multipath nexthops.
 */
import { NOTIFY_DONE, type Rtnetlink } from '@rtnlkit/core';
import { bumpDevAddrGenid, inDevGet } from '../devinet/in-device';
import { NETDEV, type NetdevNotifierInfo, registerNetdeviceNotifier } from '../link/events';
import { fibAddIfaddr, fibDisableIp } from './ifaddr';
import { fibSyncLinkdown, fibSyncUp } from './ops';
import { fibNet } from './table';

/** Registers `fib_netdev_event` on the netdevice chain of `rtnl`; returns the unregister function. */
export function registerFibNetdevEvent(rtnl: Rtnetlink): () => void {
  const fibNetdevEvent = async (event: number, info: NetdevNotifierInfo): Promise<number> => {
    const { dev } = info;
    switch (event) {
      case NETDEV.UNREGISTER:
        await fibDisableIp(rtnl, dev, 'unregister', true);
        break;
      case NETDEV.UP: {
        for (const ifa of inDevGet(dev)?.ifaList ?? []) await fibAddIfaddr(rtnl, ifa);
        if (dev.net) {
          fibSyncUp(fibNet(dev.net), dev);
          bumpDevAddrGenid(dev.net);
        }
        break;
      }
      case NETDEV.DOWN:
        await fibDisableIp(rtnl, dev, 'down', false);
        break;
      case NETDEV.CHANGE:
        if (dev.net) fibSyncLinkdown(fibNet(dev.net), dev, !dev.carrier);
        break;
    }
    return NOTIFY_DONE;
  };
  return registerNetdeviceNotifier(rtnl, fibNetdevEvent, { name: 'fib_netdev_event' });
}
