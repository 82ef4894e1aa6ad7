/**
 * A stand-in for the subsystems that keep a reference to an unregistering device for a while
 * (route cache entries on other CPUs, sockets bound to it, pending packets): on NETDEV_UNREGISTER
 * it takes a reference for `holder` and puts it back after one draw of `cost` from the cost
 * model (`netdev.refWait`, 250 ms ± 50% by default). That is the seed's slow unregistration:
 * `netdev_run_todo()` waits for it, and reports the holder by name meanwhile. Opt in with it where
 * a scenario wants that slowness; nothing registers it by default.
 */
import { type CostName, NOTIFY_DONE, type Rtnetlink } from '@rtnlkit/core';
import { NETDEV, registerNetdeviceNotifier } from './events';

/** Installs the lingering holder on `rtnl`'s netdevice chain; returns the function that removes it. */
export function lingerOnUnregister(
  rtnl: Rtnetlink,
  holder = 'dst_cache',
  cost: CostName | (string & {}) = 'netdev.refWait',
): () => void {
  rtnl.costs.get(cost); // an unknown cost is an error now, not at the first unregistration
  return registerNetdeviceNotifier(
    rtnl,
    (event, { dev }) => {
      // A device moving to another namespace sees NETDEV_UNREGISTER too, but stays registered.
      if (event !== NETDEV.UNREGISTER || dev.regState !== 'unregistering') return NOTIFY_DONE;
      const tracker = dev.refcnt.hold(holder);
      rtnl.clock.setTimer(rtnl.costs.sample(cost), () => dev.refcnt.put(tracker));
      return NOTIFY_DONE;
    },
    { name: `linger:${holder}` },
  );
}
