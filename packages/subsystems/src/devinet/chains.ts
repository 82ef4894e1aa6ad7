/**
 * The two IPv4 address notifier chains of net/ipv4/devinet.c, one of each per rtnetlink instance:
 *
 * - `inetaddr_chain` (`register_inetaddr_notifier()`): NETDEV_UP after an address was added (and
 *   announced with RTM_NEWADDR), NETDEV_DOWN after one was removed (and announced with
 *   RTM_DELADDR). The FIB listens here to add and remove its local, prefix and broadcast routes.
 * - `inetaddr_validator_chain` (`register_inetaddr_validator_notifier()`): NETDEV_UP with the
 *   candidate address before anything is committed; a callback vetoes with
 *   `notifierFromErrno(-errno)` (ipvlan refuses an address another port of its master uses).
 *
 * Both run under RTNL, from `__inet_insert_ifa()` / `__inet_del_ifa()`.
 */
import {
  Errno,
  NOTIFY_DONE,
  NotifierChain,
  type NotifierRegisterOptions,
  notifierFromErrno,
  type Rtnetlink,
} from '@rtnlkit/core';
import { NETDEV } from '../link/events';
import type { NetDevice } from '../link/netdevice';
import { type InDevice, type InIfaddr, inDevGet } from './in-device';

/** `struct in_validator_info`. */
export interface InValidatorInfo {
  /** `ivi_addr`: the candidate's `ifa_address` (its prefix address or peer). */
  readonly address: number;
  /** `ivi_addr` is the kernel's only address; the local address is given too, for convenience. */
  readonly local: number;
  /** `ivi_dev`. */
  readonly inDev: InDevice;
  /**
   * `ivi->extack`: a vetoing callback may set a message here; it is the request's extack
   * (`NL_SET_ERR_MSG(ivi->extack, …)`).
   */
  extack: string | undefined;
}

export type InetaddrCallback = (event: number, ifa: InIfaddr) => number | Promise<number>;
export type InetaddrValidatorCallback = (event: number, info: InValidatorInfo) => number | Promise<number>;

interface Chains {
  readonly inetaddr: NotifierChain<number, InIfaddr>;
  readonly validator: NotifierChain<number, InValidatorInfo>;
}

const chains = new WeakMap<Rtnetlink, Chains>();

/** The chains of `rtnl`, created (empty) on first use. */
export function inetaddrChains(rtnl: Rtnetlink): Chains {
  let c = chains.get(rtnl);
  if (!c) {
    c = {
      inetaddr: new NotifierChain<number, InIfaddr>('inetaddr_chain'),
      validator: new NotifierChain<number, InValidatorInfo>('inetaddr_validator_chain'),
    };
    chains.set(rtnl, c);
  }
  return c;
}

/** `register_inetaddr_notifier()`; returns the unregister function. */
export function registerInetaddrNotifier(
  rtnl: Rtnetlink,
  callback: InetaddrCallback,
  options?: NotifierRegisterOptions,
): () => void {
  return inetaddrChains(rtnl).inetaddr.register(callback, options);
}

/** `register_inetaddr_validator_notifier()`; returns the unregister function. */
export function registerInetaddrValidatorNotifier(
  rtnl: Rtnetlink,
  callback: InetaddrValidatorCallback,
  options?: NotifierRegisterOptions,
): () => void {
  return inetaddrChains(rtnl).validator.register(callback, options);
}

/**
 * An ipvlan-like validator (`ipvlan_addr4_validator_event()`): refuses with EADDRINUSE an address
 * whose `ifa_address` some *sibling* of the device already uses, siblings being what `siblings`
 * says (ipvlan: the other ports of the same master). Extack as ipvlan's: "Address already
 * assigned to an ipvlan device". Register it with {@link registerInetaddrValidatorNotifier}.
 */
export function siblingAddressValidator(siblings: (dev: NetDevice) => readonly NetDevice[]): InetaddrValidatorCallback {
  return (event, info) => {
    if (event !== NETDEV.UP) return NOTIFY_DONE;
    for (const other of siblings(info.inDev.dev)) {
      if (other === info.inDev.dev) continue;
      const inDev = inDevGet(other);
      if (inDev?.ifaList.some((ifa) => ifa.local === info.address)) {
        info.extack = 'Address already assigned to an ipvlan device';
        return notifierFromErrno(-Errno.EADDRINUSE);
      }
    }
    return NOTIFY_DONE;
  };
}
