/**
 * `inetdev_event()` (net/ipv4/devinet.c), devinet's netdevice notifier: an in_device for every
 * device from NETDEV_REGISTER to NETDEV_UNREGISTER, 127.0.0.1/8 on loopback at NETDEV_UP,
 * labels that follow a rename, and IPv4 off while the MTU is below 68.
 */
import { IFF, NOTIFY_DONE, RT_SCOPE, RTM, type Rtnetlink } from '@rtnlkit/core';
import { NETDEV, type NetdevNotifierInfo, registerNetdeviceNotifier } from '../link/events';
import type { NetDevice } from '../link/netdevice';
import { defaultDevconf, IPV4_DEVCONF } from './devconf';
import { rtmsgIfa } from './fill';
import { inetAllocIfa, inetDelIfa, inetInsertIfa, setIfaLifetime } from './ifa';
import {
  INFINITY_LIFE_TIME,
  InDevice,
  type InIfaddr,
  IPV4_MIN_MTU,
  inDevGet,
  inDevSet,
  inetMakeMask,
} from './in-device';

/** `INADDR_LOOPBACK`. */
const INADDR_LOOPBACK = 0x7f000001;
const IFNAMSIZ = 16;

/**
 * `inetdev_init()`: a fresh in_device with the namespace's default settings (loopback without
 * xfrm and policy checks), holding a named reference on the device until it is freed.
 */
export function inetdevInit(dev: NetDevice): InDevice {
  const inDev = new InDevice(dev, defaultDevconf());
  if (dev.flags & IFF.LOOPBACK) {
    inDev.cnf[IPV4_DEVCONF.NOXFRM] = 1;
    inDev.cnf[IPV4_DEVCONF.NOPOLICY] = 1;
  }
  inDev.devRef = dev.refcnt.hold('in_dev');
  inDevSet(dev, inDev);
  return inDev;
}

/**
 * `inetdev_destroy()`: marks it dead, deletes every address (RTM_DELADDR + NETDEV_DOWN each, no
 * promotion), unpublishes it, and frees it after a grace period (`in_dev_put()` through
 * `call_rcu`), which puts its device reference: unregistration waits for that.
 */
export async function inetdevDestroy(rtnl: Rtnetlink, inDev: InDevice): Promise<void> {
  inDev.dead = true;
  for (let ifa = inDev.ifaList[0]; ifa; ifa = inDev.ifaList[0]) await inetDelIfa(rtnl, ifa);
  inDevSet(inDev.dev, undefined);
  rtnl.rcu.callRcu(() => {
    if (inDev.devRef) inDev.dev.refcnt.put(inDev.devRef);
    inDev.devRef = undefined;
  });
}

/** `inetdev_changename()`: labels take the new name, keeping (or gaining) their `:alias` part. */
function inetdevChangename(rtnl: Rtnetlink, dev: NetDevice, inDev: InDevice): void {
  let named = 0;
  for (const ifa of inDev.ifaList) {
    const old = ifa.label;
    ifa.label = dev.name;
    if (named++ !== 0) {
      const colon = old.indexOf(':');
      const dot = colon >= 0 ? old.slice(colon) : `:${named}`;
      ifa.label =
        dot.length + dev.name.length < IFNAMSIZ ? dev.name + dot : dev.name.slice(0, IFNAMSIZ - dot.length - 1) + dot;
    }
    rtmsgIfa(rtnl, RTM.NEWADDR, ifa);
  }
}

/** NETDEV_UP on loopback: 127.0.0.1/8, scope host, permanent (an existing one stays: EEXIST is ignored). */
async function loopbackUp(rtnl: Rtnetlink, dev: NetDevice, inDev: InDevice): Promise<void> {
  const ifa: InIfaddr = inetAllocIfa(inDev, {
    local: INADDR_LOOPBACK,
    address: INADDR_LOOPBACK,
    prefixlen: 8,
    mask: inetMakeMask(8),
    broadcast: 0,
    scope: RT_SCOPE.HOST,
    flags: 0,
    label: dev.name,
    rtPriority: 0,
    proto: 0,
  });
  setIfaLifetime(rtnl, ifa, INFINITY_LIFE_TIME, INFINITY_LIFE_TIME);
  try {
    await inetInsertIfa(rtnl, ifa);
  } catch {
    // inet_insert_ifa()'s error is not looked at: lo keeps the address it has.
  }
}

/** `inetdev_event()`. */
export async function inetdevEvent(rtnl: Rtnetlink, event: number, info: NetdevNotifierInfo): Promise<number> {
  const dev = info.dev;
  const inDev = inDevGet(dev);
  if (!inDev) {
    if (event === NETDEV.REGISTER) inetdevInit(dev);
    else if (event === NETDEV.CHANGEMTU && dev.mtu >= IPV4_MIN_MTU) inetdevInit(dev); // re-enabling IP
    return NOTIFY_DONE;
  }
  switch (event) {
    case NETDEV.UP:
      if (dev.mtu >= IPV4_MIN_MTU && dev.flags & IFF.LOOPBACK) await loopbackUp(rtnl, dev, inDev);
      break;
    case NETDEV.CHANGENAME:
      inetdevChangename(rtnl, dev, inDev);
      break;
    case NETDEV.CHANGEMTU:
      if (dev.mtu < IPV4_MIN_MTU) await inetdevDestroy(rtnl, inDev); // disable IP when MTU is not enough
      break;
    case NETDEV.UNREGISTER:
      await inetdevDestroy(rtnl, inDev);
      break;
    default:
      break;
  }
  return NOTIFY_DONE;
}

/** `register_netdevice_notifier(&ip_netdev_notifier)`; returns the unregister function. */
export function registerInetdevEvent(rtnl: Rtnetlink): () => void {
  return registerNetdeviceNotifier(rtnl, (event, info) => inetdevEvent(rtnl, event, info), { name: 'inetdev_event' });
}
