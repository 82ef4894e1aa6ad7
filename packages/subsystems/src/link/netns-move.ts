/**
 * Moving a device to another namespace (`__dev_change_net_namespace()`, net/core/dev.c): a small
 * unregistration in the old namespace and registration in the new one, keeping the device.
 * RTNL is held by the caller, with the per-namespace locks of both namespaces where the strategy
 * has them (the request names the target in its prepare stage).
 */
import { Errno, ErrnoError, IFF, type Net, RTM, type Rtnetlink, type Task } from '@rtnlkit/core';
import { peernet2idAlloc } from '../netns/nsid';
import { callNetdeviceNotifiers, NETDEV, rtmsgIfinfo, rtmsgIfinfoBuild } from './events';
import type { NetDevice } from './netdevice';
import { writeDevName } from './rename-lock';
import { linkTable } from './table';

/** Rethrows `error` (an ErrnoError) with `extack`. */
function withExtack(error: unknown, extack: string): never {
  if (error instanceof ErrnoError) throw new ErrnoError(error.errno, extack);
  throw error;
}

/**
 * `__dev_change_net_namespace(dev, net, pat, new_ifindex)`: EINVAL for a netns-immutable or not
 * fully registered device; nothing for its own namespace. When its name is taken in `net`, the
 * pattern `pat` (e.g. IFLA_IFNAME of the request, or `dev%d`) names it, or EEXIST. The ifindex is
 * `newIfindex` if given (EBUSY …), else its own if free there, else a new one. Then: closed if
 * up, unlisted, `synchronize_net()`, NETDEV_UNREGISTER (the device stays REGISTERED: stacked
 * devices keep it), RTM_DELLINK in the old namespace with IFLA_NEW_NETNSID and IFLA_NEW_IFINDEX,
 * the switch, the new name if any, listed in `net`, NETDEV_REGISTER, RTM_NEWLINK there.
 */
export async function devChangeNetNamespace(
  rtnl: Rtnetlink,
  task: Task,
  dev: NetDevice,
  net: Net,
  pat?: string,
  newIfindex = 0,
): Promise<void> {
  if (dev.netnsImmutable) throw new ErrnoError(Errno.EINVAL, 'The interface netns is immutable');
  const oldNet = dev.net;
  if (dev.regState !== 'registered' || !oldNet)
    throw new ErrnoError(Errno.EINVAL, "The interface isn't a fully registered netdevice");
  if (oldNet === net) return;
  const target = linkTable(net);
  let newName: string | undefined;
  if (target.nameInUse(dev.name)) {
    if (!pat) throw new ErrnoError(Errno.EEXIST, 'An interface with the same name exists in the target netns');
    try {
      newName = target.validName(pat);
    } catch (error) {
      withExtack(error, `Unable to use '${pat}' for the new interface name in the target netns`);
    }
  }
  let ifindex: number;
  try {
    ifindex = target.moveInIndex(dev.ifindex, newIfindex);
  } catch (error) {
    withExtack(
      error,
      newIfindex
        ? `The ifindex ${newIfindex} is not available in the target netns`
        : 'Unable to allocate a new ifindex in the target netns',
    );
  }
  // netif_close()
  if (dev.running) {
    await callNetdeviceNotifiers(rtnl, NETDEV.GOING_DOWN, { dev });
    dev.flags &= ~IFF.UP;
    rtmsgIfinfo(rtnl, RTM.NEWLINK, dev, IFF.UP | IFF.RUNNING);
    await callNetdeviceNotifiers(rtnl, NETDEV.DOWN, { dev });
  }
  linkTable(oldNet).unregister(dev);
  await rtnl.rcu.synchronizeExpedited();
  await callNetdeviceNotifiers(rtnl, NETDEV.UNREGISTER, { dev });
  const newNsid = peernet2idAlloc(oldNet, net);
  rtmsgIfinfoBuild(RTM.DELLINK, dev, ~0, undefined, { rtnl, move: { newNsid, newIfindex: ifindex } })(rtnl, oldNet);
  if (newName !== undefined) await writeDevName(rtnl, task, dev, newName);
  target.list(dev, ifindex);
  await callNetdeviceNotifiers(rtnl, NETDEV.REGISTER, { dev });
  rtmsgIfinfo(rtnl, RTM.NEWLINK, dev, ~0);
  await rtnl.rcu.synchronizeExpedited();
}
