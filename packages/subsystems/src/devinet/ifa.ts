/**
 * Adding and removing one address: `set_ifa_lifetime()`, `__inet_insert_ifa()` and
 * `__inet_del_ifa()` of net/ipv4/devinet.c. Callers hold RTNL.
 *
 * The list is ordered as the kernel orders it: a new primary goes after the last primary whose
 * scope is not wider than its own (`last_primary`), a secondary (an address in the subnet of an
 * existing one, same mask) at the end.
 */
import { Errno, ErrnoError, faultPoint, IFA_F, type Net, notifierToErrno, RTM, type Rtnetlink } from '@rtnlkit/core';
import { NETDEV } from '../link/events';
import { type InValidatorInfo, inetaddrChains } from './chains';
import { inetFibHooks } from './fib-hooks';
import { type IfaOrigin, rtmsgIfa } from './fill';
import { INFINITY_LIFE_TIME, type InDevice, type InIfaddr, inetIfaMatch } from './in-device';
import { addrChkSchedule } from './lifetime';

/** `IPV6ONLY_FLAGS`: IFA_F_* that mean nothing for IPv4 and are dropped on insert. */
export const IPV6ONLY_FLAGS =
  IFA_F.NODAD |
  IFA_F.OPTIMISTIC |
  IFA_F.DADFAILED |
  IFA_F.HOMEADDRESS |
  IFA_F.TENTATIVE |
  IFA_F.MANAGETEMPADDR |
  IFA_F.STABLE_PRIVACY;

/** `devconf` index of promote_secondaries (IPV4_DEVCONF_PROMOTE_SECONDARIES). */
const PROMOTE_SECONDARIES = 20;

/** What `inet_alloc_ifa()` plus `inet_rtm_to_ifa()` fill in. */
export interface IfaFields {
  local: number;
  address: number;
  prefixlen: number;
  mask: number;
  broadcast: number;
  scope: number;
  flags: number;
  label: string;
  rtPriority: number;
  proto: number;
}

/** `inet_alloc_ifa()` with its fields: lifetimes 0 until {@link setIfaLifetime}. */
export function inetAllocIfa(inDev: InDevice, fields: IfaFields): InIfaddr {
  return { ...fields, dev: inDev.dev, inDev, validLft: 0, preferredLft: 0, tstamp: 0, cstamp: 0 };
}

/**
 * `set_ifa_lifetime()`: an infinite valid lifetime makes the address IFA_F_PERMANENT, a preferred
 * lifetime of 0 IFA_F_DEPRECATED; a lifetime that is infinite leaves the stored one as it was
 * (the kernel writes only finite ones). Stamps the update time, and the creation time once.
 */
export function setIfaLifetime(rtnl: Rtnetlink, ifa: InIfaddr, validLft: number, preferredLft: number): void {
  let flags = ifa.flags & ~(IFA_F.PERMANENT | IFA_F.DEPRECATED);
  if (validLft !== INFINITY_LIFE_TIME) ifa.validLft = validLft;
  else flags |= IFA_F.PERMANENT;
  if (preferredLft !== INFINITY_LIFE_TIME) {
    if (preferredLft === 0) flags |= IFA_F.DEPRECATED;
    ifa.preferredLft = preferredLft;
  }
  ifa.flags = flags >>> 0;
  ifa.tstamp = rtnl.clock.now();
  if (!ifa.cstamp) ifa.cstamp = ifa.tstamp || Number.MIN_VALUE;
}

/** Publishes a new list (`rcu_assign_pointer`): readers keep the array they loaded. */
function publish(inDev: InDevice, list: InIfaddr[]): void {
  inDev.ifaList = list;
}

/**
 * `__inet_insert_ifa()`: EEXIST for the same local address in the same subnet; EINVAL "ipv4:
 * Invalid scope value" for another address of that subnet with another scope (else the new one
 * is a secondary); then the validator chain (its veto is the errno, with its extack), then the
 * insert, the lifetime check re-armed, RTM_NEWADDR and the inetaddr chain's NETDEV_UP, in this order.
 */
export async function inetInsertIfa(rtnl: Rtnetlink, ifa: InIfaddr, origin?: IfaOrigin): Promise<void> {
  const inDev = ifa.inDev;
  ifa.flags = (ifa.flags & ~IFA_F.SECONDARY & ~IPV6ONLY_FLAGS) >>> 0;
  const list = inDev.ifaList;
  let lastPrimary = 0; // index after the last primary of no wider scope
  for (let i = 0; i < list.length; i += 1) {
    const ifa1 = list[i] as InIfaddr;
    if (!(ifa1.flags & IFA_F.SECONDARY) && ifa.scope <= ifa1.scope) lastPrimary = i + 1;
    if (ifa1.mask === ifa.mask && inetIfaMatch(ifa1.address, ifa)) {
      if (ifa1.local === ifa.local) throw new ErrnoError(Errno.EEXIST);
      if (ifa1.scope !== ifa.scope) throw new ErrnoError(Errno.EINVAL, 'ipv4: Invalid scope value');
      ifa.flags |= IFA_F.SECONDARY;
    }
  }
  // "Allow any devices that wish to register ifaddr validators to weigh in now, before changes
  // are committed": RTNL keeps the state from changing between this call and the commit.
  const info: InValidatorInfo = { address: ifa.address, local: ifa.local, inDev, extack: undefined };
  const errno =
    faultPoint(rtnl, 'notifier:inetaddr_validator', 'notifier') ||
    notifierToErrno((await inetaddrChains(rtnl).validator.call(NETDEV.UP, info)).ret);
  if (errno) throw new ErrnoError(errno, info.extack);
  const at = ifa.flags & IFA_F.SECONDARY ? list.length : lastPrimary;
  publish(inDev, [...list.slice(0, at), ifa, ...list.slice(at)]);
  addrChkSchedule(rtnl, inDev.dev.net as Net, 0);
  // "Send message first, then call notifier. Notifier will trigger FIB update, so that
  // listeners of netlink will know about new ifaddr."
  rtmsgIfa(rtnl, RTM.NEWADDR, ifa, origin);
  await inetaddrChains(rtnl).inetaddr.call(NETDEV.UP, ifa);
}

/**
 * `__inet_del_ifa()`: removes `ifa1`. Removing a primary removes the secondaries of its subnet
 * too (each RTM_DELADDR + NETDEV_DOWN, before the primary's), unless the device has
 * promote_secondaries: then the first of them becomes primary, after the primary's RTM_DELADDR +
 * NETDEV_DOWN, with RTM_NEWADDR + NETDEV_UP, and moves to where primaries go. A dead in_device
 * (being destroyed) promotes nothing.
 *
 * On promotion the subnet's secondaries change primary, and with it their routes' prefsrc: their
 * routes are removed while every address is still listed (`fib_del_ifaddr(ifa, ifa1)`) and added
 * back after the promotion (`fib_add_ifaddr()`), straight into the FIB ({@link inetFibHooks}).
 */
export async function inetDelIfa(rtnl: Rtnetlink, ifa1: InIfaddr, origin?: IfaOrigin): Promise<void> {
  const inDev = ifa1.inDev;
  const chain = inetaddrChains(rtnl).inetaddr;
  let promote: InIfaddr | undefined;
  if (!inDev.dead && !(ifa1.flags & IFA_F.SECONDARY)) {
    const doPromote = (inDev.cnf[PROMOTE_SECONDARIES] ?? 0) !== 0;
    for (const ifa of [...inDev.ifaList]) {
      if (ifa === ifa1 || !inDev.ifaList.includes(ifa)) continue;
      if (!(ifa.flags & IFA_F.SECONDARY) || ifa1.mask !== ifa.mask || !inetIfaMatch(ifa1.address, ifa)) continue;
      if (!doPromote) {
        publish(
          inDev,
          inDev.ifaList.filter((x) => x !== ifa),
        );
        rtmsgIfa(rtnl, RTM.DELADDR, ifa, origin);
        await chain.call(NETDEV.DOWN, ifa);
      } else {
        promote = ifa;
        break;
      }
    }
  }
  const fib = inetFibHooks(rtnl);
  if (promote && fib) {
    for (const ifa of inDev.ifaList.slice(inDev.ifaList.indexOf(promote)))
      if (ifa1.mask === ifa.mask && inetIfaMatch(ifa1.address, ifa)) await fib.delIfaddr(ifa, ifa1);
  }
  // 2. Unlink it. 3. Announce the deletion: message first, then the notifier.
  const slot = inDev.ifaList.indexOf(ifa1);
  publish(
    inDev,
    inDev.ifaList.filter((x) => x !== ifa1),
  );
  rtmsgIfa(rtnl, RTM.DELADDR, ifa1, origin);
  await chain.call(NETDEV.DOWN, ifa1);
  if (promote && inDev.ifaList.includes(promote)) {
    // The kernel's walk from ifa1's slot to the promoted address: `last_prim` follows the
    // primaries of no narrower scope than ifa1; if anything lay between (`prev_prom`), the
    // promoted address is relinked there, else it stays where it is.
    const list = inDev.ifaList;
    const from = list.indexOf(promote);
    let lastPrim = Math.min(slot, from);
    for (let i = lastPrim; i < from; i += 1) {
      const ifa = list[i] as InIfaddr;
      if (!(ifa.flags & IFA_F.SECONDARY) && ifa1.scope <= ifa.scope) lastPrim = i + 1;
    }
    const rest = list.filter((x) => x !== promote);
    promote.flags = (promote.flags & ~IFA_F.SECONDARY) >>> 0;
    publish(inDev, [...rest.slice(0, lastPrim), promote, ...rest.slice(lastPrim)]);
    rtmsgIfa(rtnl, RTM.NEWADDR, promote, origin);
    await chain.call(NETDEV.UP, promote);
    if (fib) {
      const after = inDev.ifaList;
      for (const ifa of after.slice(after.indexOf(promote) + 1))
        if (ifa1.mask === ifa.mask && inetIfaMatch(ifa1.address, ifa)) await fib.addIfaddr(ifa);
    }
  }
}
