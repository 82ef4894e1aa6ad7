/**
 * RTM_SETLINK (`rtnl_setlink()` → `do_setlink()`, net/core/rtnetlink.c) for the fields rtnlkit
 * models: IFLA_MTU, `ifi_flags` / `ifi_change`, IFLA_TXQLEN, IFLA_IFALIAS, IFLA_GROUP, a
 * rename (IFLA_IFNAME with an index) and IFLA_MASTER (enslaving to a bridge, releasing). The request is parsed with `ifla_policy` in liberal mode
 * (`nlmsg_parse_deprecated`), and every check that can fail runs before anything changes, so a
 * rejected request leaves the device as it was (Linux may commit part of a `do_setlink()` before
 * a later step fails; for the checks modelled here the first failing one is the same).
 */
import {
  type DoitRequest,
  decodeIfInfoMsg,
  Errno,
  ErrnoError,
  IFINFOMSG_LEN,
  IFLA,
  type IfInfoMsg,
  NL_VALIDATE,
  NLMSG_HDRLEN,
  nla,
  type ParsedAttrs,
  type Rtnetlink,
} from '@rtnlkit/core';
import { IFALIASZ, IFNAMSIZ } from './constants';
import {
  combineFlags,
  devChangeFlags,
  devChangeName,
  devChangeTxQueueLen,
  devSetAlias,
  devSetMtu,
  devValidateMtu,
  netdevStateChange,
} from './dev';
import type { NotifyOrigin } from './events';
import { devByName, iflaPolicy } from './getlink';
import { doSetMaster } from './master';
import type { NetDevice } from './netdevice';
import { linkTable } from './table';

/**
 * The attributes a SETLINK (or a NEWLINK acting as one) may carry in rtnlkit. Any other one is
 * refused with EOPNOTSUPP rather than ignored, so that the model never silently differs.
 */
const SETLINK_ATTRS = new Set<number>([
  IFLA.IFNAME,
  IFLA.MTU,
  IFLA.TXQLEN,
  IFLA.IFALIAS,
  IFLA.GROUP,
  IFLA.EXT_MASK,
  IFLA.MASTER,
]);

/** What one `do_setlink()` changes, checked beforehand. */
export interface LinkChange {
  mtu?: number;
  /** `rtnl_dev_combine_flags()`, when `ifi_flags` or `ifi_change` is set. */
  flags?: number;
  txqlen?: number;
  alias?: string;
  group?: number;
  name?: string;
  /** IFLA_MASTER: the new master's ifindex, 0 to release (`do_set_master()`). */
  master?: number;
}

/** Refuses the attributes rtnlkit does not model (see {@link SETLINK_ATTRS}). */
export function refuseUnmodelled(tb: ParsedAttrs, allowed: ReadonlySet<number>): void {
  for (let type = 0; type < tb.tb.length; type += 1) {
    if (tb.tb[type] && !allowed.has(type)) {
      const name = iflaPolicy.byType[type]?.name ?? String(type);
      throw new ErrnoError(Errno.EOPNOTSUPP, `rtnlkit: IFLA ${name} is not modelled`);
    }
  }
}

/**
 * `validate_linkmsg()` and the checks `do_setlink()` makes on the way: the mtu range, the alias
 * length and the new name (EINVAL, EEXIST). Changes nothing.
 */
export function checkLinkChange(dev: NetDevice, ifm: IfInfoMsg, tb: ParsedAttrs): LinkChange {
  const change: LinkChange = {};
  const mtu = tb.tb[IFLA.MTU];
  if (mtu) {
    change.mtu = nla.u32(mtu);
    if (change.mtu !== dev.mtu) devValidateMtu(dev, change.mtu);
  }
  const group = tb.tb[IFLA.GROUP];
  if (group) change.group = nla.u32(group);
  const ifname = tb.tb[IFLA.IFNAME];
  if (ifm.index > 0 && ifname) {
    const name = nla.string(ifname).slice(0, IFNAMSIZ - 1);
    if (name !== '' && name !== dev.name) {
      const table = dev.net ? linkTable(dev.net) : undefined;
      table?.validName(name);
      change.name = name;
    }
  }
  const alias = tb.tb[IFLA.IFALIAS];
  if (alias) {
    if (alias.data.length >= IFALIASZ) throw new ErrnoError(Errno.EINVAL);
    change.alias = nla.string(alias);
  }
  if (ifm.flags || ifm.change) change.flags = combineFlags(dev, ifm.flags, ifm.change);
  const txqlen = tb.tb[IFLA.TXQLEN];
  if (txqlen) change.txqlen = nla.u32(txqlen);
  const master = tb.tb[IFLA.MASTER];
  if (master) change.master = nla.u32(master);
  return change;
}

/**
 * `do_setlink()`'s changes in the kernel's order: mtu, group, name, alias, flags, master, txqlen; then
 * `netdev_state_change()` when the group or the alias was set (DO_SETLINK_NOTIFY).
 */
export async function applyLinkChange(
  rtnl: Rtnetlink,
  dev: NetDevice,
  change: LinkChange,
  origin?: NotifyOrigin,
): Promise<void> {
  let notify = false;
  if (change.mtu !== undefined) await devSetMtu(rtnl, dev, change.mtu);
  if (change.group !== undefined) {
    dev.group = change.group;
    notify = true;
  }
  if (change.name !== undefined) await devChangeName(rtnl, dev, change.name);
  if (change.alias !== undefined) {
    devSetAlias(dev, change.alias);
    notify = true;
  }
  if (change.flags !== undefined) await devChangeFlags(rtnl, dev, change.flags, origin);
  // do_set_master(): its errors come after the changes above, as in Linux.
  if (change.master !== undefined) await doSetMaster(rtnl, dev, change.master);
  if (change.txqlen !== undefined) await devChangeTxQueueLen(rtnl, dev, change.txqlen);
  if (notify) await netdevStateChange(rtnl, dev);
}

/** `nlmsg_parse_deprecated(nlh, sizeof(*ifm), tb, IFLA_MAX, ifla_policy, extack)`. */
export function parseIfla(req: DoitRequest): { ifm: IfInfoMsg; tb: ParsedAttrs } {
  const tb = req.parse(IFINFOMSG_LEN, iflaPolicy, NL_VALIDATE.LIBERAL);
  return { ifm: decodeIfInfoMsg(req.message, NLMSG_HDRLEN), tb };
}

/** The device a link request names: `ifi_index` > 0, else IFLA_IFNAME; undefined if none. */
export function requestedDevice(req: DoitRequest, ifm: IfInfoMsg, tb: ParsedAttrs): NetDevice | undefined {
  const table = linkTable(req.net);
  if (ifm.index > 0) return table.getByIndex(ifm.index);
  if (tb.tb[IFLA.IFNAME] || tb.tb[IFLA.ALT_IFNAME]) return devByName(table, tb);
  return undefined;
}

/** `rtnl_setlink()`: ENODEV when the device is not found, EINVAL for neither an index nor a name. */
export async function rtnlSetlink(req: DoitRequest): Promise<void> {
  const { ifm, tb } = parseIfla(req);
  refuseUnmodelled(tb, SETLINK_ATTRS);
  if (!(ifm.index > 0) && !tb.tb[IFLA.IFNAME] && !tb.tb[IFLA.ALT_IFNAME]) throw new ErrnoError(Errno.EINVAL);
  const dev = requestedDevice(req, ifm, tb);
  if (!dev) throw new ErrnoError(Errno.ENODEV);
  const change = checkLinkChange(dev, ifm, tb);
  await applyLinkChange(req.rtnl, dev, change);
}

export { SETLINK_ATTRS };
