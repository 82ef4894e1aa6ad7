/**
 * RTM_SETLINK (`rtnl_setlink()` → `do_setlink()`, net/core/rtnetlink.c) for the fields rtnlkit
 * models: IFLA_MTU, `ifi_flags` / `ifi_change`, IFLA_TXQLEN, IFLA_IFALIAS, IFLA_GROUP, a
 * rename (IFLA_IFNAME with an index), IFLA_MASTER (enslaving to a bridge, releasing), a move to
 * another namespace and IFLA_AF_SPEC (the af ops of af-ops.ts). The request is parsed with `ifla_policy` in liberal mode
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
  type Net,
  NL_VALIDATE,
  NLMSG_HDRLEN,
  type Nlattr,
  nla,
  type ParsedAttrs,
  type Prepared,
  type Rtnetlink,
  type Task,
} from '@rtnlkit/core';
import { afSpecEntries, setLinkAf, validateLinkAfSpec } from './af-ops';
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
import { ensureUniqueNetns, linkGetNetCapable } from './link-net';
import { doSetMaster } from './master';
import type { NetDevice } from './netdevice';
import { devChangeNetNamespace } from './netns-move';
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
  IFLA.NET_NS_PID,
  IFLA.NET_NS_FD,
  IFLA.TARGET_NETNSID,
  IFLA.NEW_IFINDEX,
  IFLA.AF_SPEC,
  IFLA.MASTER,
]);

/** Who asks for a change: the instance (its af ops) and the task (its RCU read sections). */
export interface LinkChangeContext {
  readonly rtnl: Rtnetlink;
  readonly task: Task;
}

/** What one `do_setlink()` changes, checked beforehand. */
export interface LinkChange {
  mtu?: number;
  /** `rtnl_dev_combine_flags()`, when `ifi_flags` or `ifi_change` is set. */
  flags?: number;
  txqlen?: number;
  alias?: string;
  group?: number;
  name?: string;
  /** IFLA_AF_SPEC: the family nests, validated, with who applies them. */
  afSpec?: { entries: Nlattr[]; ctx: LinkChangeContext };
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
export function checkLinkChange(dev: NetDevice, ifm: IfInfoMsg, tb: ParsedAttrs, ctx?: LinkChangeContext): LinkChange {
  const change: LinkChange = {};
  // validate_linkmsg() runs first in do_setlink(); of its checks rtnlkit has IFLA_AF_SPEC's.
  const afSpec = checkAfSpec(dev, tb, ctx);
  if (afSpec) change.afSpec = afSpec;
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
 * The IFLA_AF_SPEC part of `validate_linkmsg()` (see `validateLinkAfSpec`). Needs the request's
 * context for the af ops lookups; a caller without one cannot take IFLA_AF_SPEC.
 */
export function checkAfSpec(dev: NetDevice, tb: ParsedAttrs, ctx: LinkChangeContext | undefined): LinkChange['afSpec'] {
  const attr = tb.tb[IFLA.AF_SPEC];
  if (!attr) return undefined;
  if (!ctx) throw new ErrnoError(Errno.EOPNOTSUPP, 'rtnlkit: IFLA af-spec is not modelled here');
  const entries = afSpecEntries(attr);
  validateLinkAfSpec(ctx.rtnl, dev, entries, ctx.task);
  return { entries, ctx };
}

/**
 * `do_setlink()`'s changes in the kernel's order: mtu, group, name, alias, flags, master, txqlen, then
 * each IFLA_AF_SPEC family's `set_link_af`; then `netdev_state_change()` when the group, the
 * alias or a family was set (DO_SETLINK_NOTIFY). A `set_link_af` that fails although its
 * validation passed (its ops gone since, or its own error) ends the request there with the
 * earlier changes kept, as the kernel's `goto errout` does ("A link change request failed with
 * some changes committed already"), and still sends the notification they call for.
 */
export async function applyLinkChange(
  rtnl: Rtnetlink,
  task: Task,
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
  if (change.name !== undefined) await devChangeName(rtnl, task, dev, change.name);
  if (change.alias !== undefined) {
    devSetAlias(dev, change.alias);
    notify = true;
  }
  if (change.flags !== undefined) await devChangeFlags(rtnl, dev, change.flags, origin);
  // do_set_master(): its errors come after the changes above, as in Linux.
  if (change.master !== undefined) await doSetMaster(rtnl, dev, change.master);
  if (change.txqlen !== undefined) await devChangeTxQueueLen(rtnl, dev, change.txqlen);
  if (change.afSpec) {
    const { entries, ctx } = change.afSpec;
    for (const attr of entries) {
      try {
        setLinkAf(ctx.rtnl, dev, attr, ctx.task);
      } catch (error) {
        if (notify) await netdevStateChange(rtnl, dev);
        throw error;
      }
      notify = true;
    }
  }
  if (notify) await netdevStateChange(rtnl, dev);
}

/** `nlmsg_parse_deprecated(nlh, sizeof(*ifm), tb, IFLA_MAX, ifla_policy, extack)`. */
export function parseIfla(req: DoitRequest): { ifm: IfInfoMsg; tb: ParsedAttrs } {
  const tb = req.parse(IFINFOMSG_LEN, iflaPolicy, NL_VALIDATE.LIBERAL);
  return { ifm: decodeIfInfoMsg(req.message, NLMSG_HDRLEN), tb };
}

/** The device a link request names: `ifi_index` > 0, else IFLA_IFNAME; undefined if none. */
export function requestedDevice(
  req: DoitRequest,
  ifm: IfInfoMsg,
  tb: ParsedAttrs,
  net: Net = req.net,
): NetDevice | undefined {
  const table = linkTable(net);
  if (ifm.index > 0) return table.getByIndex(ifm.index);
  if (tb.tb[IFLA.IFNAME] || tb.tb[IFLA.ALT_IFNAME]) return devByName(table, tb);
  return undefined;
}

/** What the unlocked part of `rtnl_setlink()` found. */
interface SetlinkPrep {
  readonly ifm: IfInfoMsg;
  readonly tb: ParsedAttrs;
  /** Where the device goes (`tgt_net`): the requester's namespace unless the request names another. */
  readonly tgtNet: Net;
}

/**
 * The part of `rtnl_setlink()` before the locks: parse, `rtnl_ensure_unique_netns()` (EINVAL
 * "multiple netns identifying attributes specified"), the target namespace
 * (`rtnl_link_get_net_capable()`: ESRCH, EBADF, EINVAL, EPERM), which the strategy locks too.
 */
export function rtnlSetlinkPrepare(req: DoitRequest): Prepared {
  const { ifm, tb } = parseIfla(req);
  ensureUniqueNetns(tb, false);
  const tgtNet = linkGetNetCapable(req, tb);
  const data: SetlinkPrep = { ifm, tb, tgtNet };
  return tgtNet === req.net ? { data } : { data, nets: [tgtNet] };
}

/**
 * `do_setlink()`'s namespace move, its first change (`__dev_change_net_namespace()` with
 * IFLA_IFNAME as the name pattern and IFLA_NEW_IFINDEX). Like the kernel, a later failing check
 * leaves the device moved.
 */
export async function setlinkNetns(req: DoitRequest, dev: NetDevice, tb: ParsedAttrs, tgtNet: Net): Promise<void> {
  if (tgtNet === dev.net) return;
  const ifname = tb.tb[IFLA.IFNAME];
  const pat = ifname ? nla.string(ifname).slice(0, IFNAMSIZ - 1) : '';
  const newIfindex = tb.tb[IFLA.NEW_IFINDEX];
  await devChangeNetNamespace(req.rtnl, req.task, dev, tgtNet, pat || undefined, newIfindex ? nla.s32(newIfindex) : 0);
}

/** `rtnl_setlink()`: ENODEV when the device is not found, EINVAL for neither an index nor a name. */
export async function rtnlSetlink(req: DoitRequest): Promise<void> {
  const prep = req.prepared?.data as SetlinkPrep | undefined;
  if (!prep) throw new TypeError('rtnl_setlink runs after rtnlSetlinkPrepare: register both');
  const { ifm, tb, tgtNet } = prep;
  refuseUnmodelled(tb, SETLINK_ATTRS);
  if (!(ifm.index > 0) && !tb.tb[IFLA.IFNAME] && !tb.tb[IFLA.ALT_IFNAME]) throw new ErrnoError(Errno.EINVAL);
  const dev = requestedDevice(req, ifm, tb);
  if (!dev) throw new ErrnoError(Errno.ENODEV);
  await setlinkNetns(req, dev, tb, tgtNet);
  const change = checkLinkChange(dev, ifm, tb, req);
  await applyLinkChange(req.rtnl, req.task, dev, change);
}

export { SETLINK_ATTRS };
