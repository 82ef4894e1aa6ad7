/**
 * RTM_NEWLINK (`rtnl_newlink()` → `__rtnl_newlink()`) and RTM_DELLINK (`rtnl_dellink()`) of
 * net/core/rtnetlink.c, for the kinds of the {@link LinkKinds} registry.
 */
import {
  type DoitRequest,
  Errno,
  ErrnoError,
  IFLA,
  IFLA_INFO,
  type Net,
  NL_VALIDATE,
  NLM_F,
  nla,
  nlaParseNested,
  type ParsedAttrs,
  type Prepared,
  rtLink,
} from '@rtnlkit/core';
import { getNetNsById } from '../netns/nsid';
import { IFNAMSIZ } from './constants';
import {
  combineFlags,
  devChangeFlagsNoNotify,
  devValidateMtu,
  notifyFlags,
  registerNetdevice,
  unregisterNetdevice,
} from './dev';
import type { NotifyOrigin } from './events';
import { linkKinds, type RtnlLinkOps } from './kinds';
import { ensureUniqueNetns, getNetNsCapable, linkGetNetCapable } from './link-net';
import { netdevRunTodo } from './run-todo';
import {
  applyLinkChange,
  checkAfSpec,
  checkLinkChange,
  parseIfla,
  refuseUnmodelled,
  requestedDevice,
  SETLINK_ATTRS,
  setlinkNetns,
} from './setlink';
import { linkTable } from './table';

/** What a NEWLINK may carry in rtnlkit: the SETLINK attributes and IFLA_LINKINFO (its kind). */
const NEWLINK_ATTRS = new Set<number>([...SETLINK_ATTRS, IFLA.LINKINFO, IFLA.LINK_NETNSID]);
/** Refused when creating (`__rtnl_newlink()`), and not modelled when changing a device. */
const CREATE_REFUSED = [IFLA.MAP, IFLA.PROTINFO];

/** `ifla_info_policy` over IFLA_LINKINFO (parsed without extack, as the kernel does). */
function parseLinkinfo(tb: ParsedAttrs): { kind: string | undefined } {
  const attr = tb.tb[IFLA.LINKINFO];
  if (!attr) return { kind: undefined };
  let info: ParsedAttrs;
  try {
    info = nlaParseNested(attr, rtLink.linkinfoAttrs, NL_VALIDATE.LIBERAL);
  } catch (error) {
    if (error instanceof ErrnoError) throw new ErrnoError(error.errno);
    throw error;
  }
  for (const type of [IFLA_INFO.DATA, IFLA_INFO.SLAVE_KIND, IFLA_INFO.SLAVE_DATA]) {
    if (info.tb[type]) throw new ErrnoError(Errno.EOPNOTSUPP, 'rtnlkit: link kind data is not modelled');
  }
  const kind = info.tb[IFLA_INFO.KIND];
  return { kind: kind ? nla.string(kind).slice(0, 15) : undefined };
}

function originOf(req: DoitRequest): NotifyOrigin {
  return { portId: req.socket.portId, header: req.header };
}

/** What the unlocked part of `rtnl_newlink()` found: the request parsed, its kind pinned. */
interface NewlinkPrep {
  readonly ifm: ReturnType<typeof parseIfla>['ifm'];
  readonly tb: ParsedAttrs;
  /** The pinned kind IFLA_INFO_KIND names, if it is registered. */
  readonly ops: RtnlLinkOps | undefined;
  /** `tgt_net`: where a new device goes, or where an existing one moves. */
  readonly tgtNet: Net;
  /** `link_net`: the namespace IFLA_LINK_NETNSID names (where the kind finds its lower device or peer). */
  readonly linkNet: Net | undefined;
}

/**
 * The part of `rtnl_newlink()` before `rtnl_nets_lock()`: parses the request (`ifla_policy`),
 * refuses a negative ifindex, parses IFLA_LINKINFO and looks the kind up, pinning it
 * (`rtnl_link_ops_get()`) until the request is over, so that a concurrent
 * `rtnl_link_unregister()` waits for it.
 */
export function rtnlNewlinkPrepare(req: DoitRequest): Prepared {
  const { ifm, tb } = parseIfla(req);
  ensureUniqueNetns(tb, false);
  if (ifm.index < 0) throw new ErrnoError(Errno.EINVAL, "ifindex can't be negative");
  const { kind } = parseLinkinfo(tb);
  const tgtNet = linkGetNetCapable(req, tb);
  let linkNet: Net | undefined;
  const linkNetnsid = tb.tb[IFLA.LINK_NETNSID];
  if (linkNetnsid) {
    linkNet = getNetNsById(tgtNet, nla.s32(linkNetnsid));
    if (!linkNet) throw new ErrnoError(Errno.EINVAL, 'Unknown network namespace id');
  }
  const nets = [tgtNet, ...(linkNet ? [linkNet] : [])].filter((net) => net !== req.net);
  const pinned = kind === undefined ? undefined : linkKinds(req.rtnl).acquire(kind, req.task);
  const data: NewlinkPrep = { ifm, tb, ops: pinned?.ops, tgtNet, linkNet };
  return { data, ...(nets.length > 0 && { nets }), ...(pinned && { release: pinned.release }) };
}

/**
 * `__rtnl_newlink()`, under RTNL: an existing device (by index, else by name) is changed as by
 * RTM_SETLINK (`rtnl_changelink()`: EEXIST with NLM_F_EXCL, EOPNOTSUPP with NLM_F_REPLACE);
 * otherwise NLM_F_CREATE creates a device of the pinned kind (EOPNOTSUPP "Unknown device
 * type"), and without it the answer is ENODEV.
 */
export async function rtnlNewlink(req: DoitRequest): Promise<void> {
  req.afterUnlock(() => netdevRunTodo(req.rtnl, req.task));
  const prep = req.prepared?.data as NewlinkPrep | undefined;
  if (!prep) throw new TypeError('rtnl_newlink runs after rtnlNewlinkPrepare: register both');
  const { ifm, tb, ops, tgtNet } = prep;
  refuseUnmodelled(tb, new Set([...NEWLINK_ATTRS, ...CREATE_REFUSED]));
  const specified = ifm.index > 0 || tb.tb[IFLA.IFNAME] !== undefined || tb.tb[IFLA.ALT_IFNAME] !== undefined;
  const dev = requestedDevice(req, ifm, tb);
  const flags = req.header.flags;
  if (dev) {
    // rtnl_changelink()
    if (flags & NLM_F.EXCL) throw new ErrnoError(Errno.EEXIST);
    if (flags & NLM_F.REPLACE) throw new ErrnoError(Errno.EOPNOTSUPP);
    refuseUnmodelled(tb, NEWLINK_ATTRS);
    await setlinkNetns(req, dev, tb, tgtNet);
    const change = checkLinkChange(dev, ifm, tb, req);
    await applyLinkChange(req.rtnl, req.task, dev, change);
    return;
  }
  if (!(flags & NLM_F.CREATE)) {
    if (specified || !tb.tb[IFLA.GROUP]) throw new ErrnoError(Errno.ENODEV);
    throw new ErrnoError(Errno.EOPNOTSUPP, 'rtnlkit: group changes are not modelled');
  }
  if (CREATE_REFUSED.some((type) => tb.tb[type])) throw new ErrnoError(Errno.EOPNOTSUPP);
  if (!ops) throw new ErrnoError(Errno.EOPNOTSUPP, 'Unknown device type');
  await newlinkCreate(req, ops, ifm, tb, tgtNet);
}

/**
 * `rtnl_newlink_create()`: `rtnl_create_link()` (name or `<kind>%d`, mtu checked against the new
 * device's range, txqlen, group), `register_netdevice()` with `ifi_index` if given, then
 * `rtnl_configure_link()`: the flags of the request, and the first RTM_NEWLINK (change ~0) with
 * the request's sequence number and port id.
 */
async function newlinkCreate(
  req: DoitRequest,
  ops: RtnlLinkOps,
  ifm: ReturnType<typeof parseIfla>['ifm'],
  tb: ParsedAttrs,
  tgtNet: Net,
): Promise<void> {
  const ifname = tb.tb[IFLA.IFNAME];
  const name = ifname ? nla.string(ifname).slice(0, IFNAMSIZ - 1) : `${ops.kind}%d`;
  const dev = ops.setup(name);
  dev.rtnlLinkOps = ops;
  // rtnl_create_link() runs validate_linkmsg() on the allocated device: IFLA_AF_SPEC is checked
  // (unknown family, no set_link_af, validate_link_af) but never applied to a new device.
  checkAfSpec(dev, tb, req);
  const mtu = tb.tb[IFLA.MTU];
  if (mtu) {
    devValidateMtu(dev, nla.u32(mtu));
    dev.mtu = nla.u32(mtu);
  }
  const txqlen = tb.tb[IFLA.TXQLEN];
  if (txqlen) dev.txqlen = nla.u32(txqlen);
  const group = tb.tb[IFLA.GROUP];
  if (group) dev.group = nla.u32(group);
  await registerNetdevice(req.rtnl, tgtNet, dev, {
    ...(ifm.index > 0 ? { ifindex: ifm.index } : {}),
    announce: false,
  });
  // rtnl_configure_link()
  const oldFlags = dev.flags;
  if (ifm.flags || ifm.change) {
    try {
      await devChangeFlagsNoNotify(req.rtnl, dev, combineFlags(dev, ifm.flags, ifm.change));
    } catch (error) {
      await unregisterNetdevice(req.rtnl, dev);
      throw error;
    }
  }
  dev.linkInitializing = false;
  await notifyFlags(req.rtnl, dev, oldFlags, ~0, originOf(req));
}

/**
 * `rtnl_group_dellink()`: EPERM for group 0 (every device is in it), EOPNOTSUPP if a device of
 * the group has no kind to delete it, ENODEV if none is in it; else all of them go.
 */
async function rtnlGroupDellink(req: DoitRequest, net: Net, group: number): Promise<void> {
  if (group === 0) throw new ErrnoError(Errno.EPERM);
  const members = linkTable(net)
    .devices()
    .filter((dev) => dev.group === group);
  if (members.some((dev) => !dev.rtnlLinkOps)) throw new ErrnoError(Errno.EOPNOTSUPP);
  if (members.length === 0) throw new ErrnoError(Errno.ENODEV);
  req.afterUnlock(() => netdevRunTodo(req.rtnl, req.task));
  // unregister_netdevice_many(): no requester to echo to.
  for (const dev of members) if (dev.regState === 'registered') await unregisterNetdevice(req.rtnl, dev);
}

/** What the unlocked part of `rtnl_dellink()` found. */
interface DellinkPrep {
  readonly ifm: ReturnType<typeof parseIfla>['ifm'];
  readonly tb: ParsedAttrs;
  readonly tgtNet: Net;
}

/**
 * The part of `rtnl_dellink()` before `rtnl_net_lock(tgt_net)`: parse, no PID or FD selector
 * (EOPNOTSUPP "specified netns attribute not supported"), IFLA_TARGET_NETNSID resolved
 * (`rtnl_get_net_ns_capable()`: EINVAL, EACCES).
 */
export function rtnlDellinkPrepare(req: DoitRequest): Prepared {
  const { ifm, tb } = parseIfla(req);
  ensureUniqueNetns(tb, true);
  const netnsid = tb.tb[IFLA.TARGET_NETNSID];
  const tgtNet = netnsid ? getNetNsCapable(req, nla.s32(netnsid)) : req.net;
  const data: DellinkPrep = { ifm, tb, tgtNet };
  return tgtNet === req.net ? { data } : { data, nets: [tgtNet] };
}

/**
 * `rtnl_dellink()`: the device by index, else by name (ENODEV), neither: EINVAL; a device
 * without a kind (lo) cannot be deleted (`rtnl_delete_link()`: EOPNOTSUPP). The RTM_DELLINK
 * notification carries the request's sequence number and port id.
 */
export async function rtnlDellink(req: DoitRequest): Promise<void> {
  const prep = req.prepared?.data as DellinkPrep | undefined;
  if (!prep) throw new TypeError('rtnl_dellink runs after rtnlDellinkPrepare: register both');
  const { ifm, tb, tgtNet } = prep;
  const named = ifm.index > 0 || tb.tb[IFLA.IFNAME] !== undefined || tb.tb[IFLA.ALT_IFNAME] !== undefined;
  if (!named) {
    const group = tb.tb[IFLA.GROUP];
    if (!group) throw new ErrnoError(Errno.EINVAL);
    await rtnlGroupDellink(req, tgtNet, nla.u32(group));
    return;
  }
  const dev = requestedDevice(req, ifm, tb, tgtNet);
  if (!dev) throw new ErrnoError(Errno.ENODEV);
  // rtnl_delete_link(): only a device a kind created has a dellink (lo has none).
  if (!dev.rtnlLinkOps) throw new ErrnoError(Errno.EOPNOTSUPP);
  req.afterUnlock(() => netdevRunTodo(req.rtnl, req.task));
  await unregisterNetdevice(req.rtnl, dev, originOf(req));
}
