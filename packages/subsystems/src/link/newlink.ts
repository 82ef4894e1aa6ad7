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
  NL_VALIDATE,
  NLM_F,
  type Nlattr,
  nla,
  nlaParseNested,
  type ParsedAttrs,
  rtLink,
} from '@rtnlkit/core';
import { IFNAMSIZ } from './constants';
import { rtnlConfigureLink, rtnlCreateLink } from './create';
import { registerNetdevice, unregisterNetdeviceMany } from './dev';
import type { NotifyOrigin } from './events';
import { linkKinds, type RtnlLinkOps } from './kinds';
import { doSetMaster } from './master';
import type { NetDevice } from './netdevice';
import {
  applyLinkChange,
  checkLinkChange,
  parseIfla,
  refuseUnmodelled,
  requestedDevice,
  SETLINK_ATTRS,
} from './setlink';

/**
 * What a NEWLINK may carry in rtnlkit: the SETLINK attributes, IFLA_LINKINFO (its kind and the
 * kind's data) and, for a new device, its queue counts, its address and its lower device
 * (IFLA_LINK, macvlan).
 */
const NEWLINK_ATTRS = new Set<number>([
  ...SETLINK_ATTRS,
  IFLA.LINKINFO,
  IFLA.NUM_TX_QUEUES,
  IFLA.NUM_RX_QUEUES,
  IFLA.ADDRESS,
  IFLA.LINK,
]);

/** IFLA_LINKINFO as `rtnl_link_info_parse()` leaves it. */
interface Linkinfo {
  kind: string | undefined;
  /** IFLA_INFO_DATA, parsed later with the kind's policy (see {@link parseKindData}). */
  data: Nlattr | undefined;
}

/** `ifla_info_policy` over IFLA_LINKINFO (parsed without extack, as the kernel does). */
function parseLinkinfo(tb: ParsedAttrs): Linkinfo {
  const attr = tb.tb[IFLA.LINKINFO];
  if (!attr) return { kind: undefined, data: undefined };
  let info: ParsedAttrs;
  try {
    info = nlaParseNested(attr, rtLink.linkinfoAttrs, NL_VALIDATE.LIBERAL);
  } catch (error) {
    if (error instanceof ErrnoError) throw new ErrnoError(error.errno);
    throw error;
  }
  for (const type of [IFLA_INFO.SLAVE_KIND, IFLA_INFO.SLAVE_DATA]) {
    if (info.tb[type]) throw new ErrnoError(Errno.EOPNOTSUPP, 'rtnlkit: link slave kind data is not modelled');
  }
  const kind = info.tb[IFLA_INFO.KIND];
  return { kind: kind ? nla.string(kind).slice(0, 15) : undefined, data: info.tb[IFLA_INFO.DATA] };
}

/**
 * `rtnl_newlink()` once the kind is known: IFLA_INFO_DATA parsed with the kind's policy
 * (`nla_parse_nested_deprecated(…, ops->maxtype, …, ops->policy, extack)`; ignored by a kind
 * without one), the data attributes rtnlkit does not model refused, then `ops->validate()`.
 */
function parseKindData(ops: RtnlLinkOps | undefined, info: Linkinfo, tb: ParsedAttrs): ParsedAttrs | undefined {
  if (!ops) return undefined;
  let data: ParsedAttrs | undefined;
  if (ops.policy && ops.policy.maxType > 0 && info.data) {
    data = nlaParseNested(info.data, ops.policy, NL_VALIDATE.LIBERAL);
    for (let type = 0; type < data.tb.length; type += 1) {
      if (data.tb[type] && !ops.modelledData?.has(type)) {
        const name = ops.policy.byType[type]?.name ?? String(type);
        throw new ErrnoError(Errno.EOPNOTSUPP, `rtnlkit: ${ops.kind} data attribute ${name} is not modelled`);
      }
    }
  }
  ops.validate?.(tb, data);
  return data;
}

function originOf(req: DoitRequest): NotifyOrigin {
  return { portId: req.socket.portId, header: req.header };
}

/**
 * `rtnl_newlink()`: an existing device (by index, else by name) is changed as by RTM_SETLINK
 * (`rtnl_changelink()`: EEXIST with NLM_F_EXCL, EOPNOTSUPP with NLM_F_REPLACE); otherwise
 * NLM_F_CREATE creates a device of IFLA_INFO_KIND (EOPNOTSUPP "Unknown device type"), and
 * without it the answer is ENODEV.
 */
export async function rtnlNewlink(req: DoitRequest): Promise<void> {
  const { ifm, tb } = parseIfla(req);
  if (ifm.index < 0) throw new ErrnoError(Errno.EINVAL, "ifindex can't be negative");
  const info = parseLinkinfo(tb);
  const { kind } = info;
  const ops = kind === undefined ? undefined : linkKinds(req.rtnl).get(kind);
  const data = parseKindData(ops, info, tb);
  refuseUnmodelled(tb, NEWLINK_ATTRS);
  const specified = ifm.index > 0 || tb.tb[IFLA.IFNAME] !== undefined || tb.tb[IFLA.ALT_IFNAME] !== undefined;
  const dev = requestedDevice(req, ifm, tb);
  const flags = req.header.flags;
  if (dev) {
    // rtnl_changelink()
    if (flags & NLM_F.EXCL) throw new ErrnoError(Errno.EEXIST);
    if (flags & NLM_F.REPLACE) throw new ErrnoError(Errno.EOPNOTSUPP);
    const change = checkLinkChange(dev, ifm, tb);
    refuseChangelinkData(req, dev, ops, info, tb);
    await applyLinkChange(req.rtnl, dev, change);
    return;
  }
  if (!(flags & NLM_F.CREATE)) {
    if (specified || !tb.tb[IFLA.GROUP]) throw new ErrnoError(Errno.ENODEV);
    throw new ErrnoError(Errno.EOPNOTSUPP, 'rtnlkit: group changes are not modelled');
  }
  if (!ops) throw new ErrnoError(Errno.EOPNOTSUPP, 'Unknown device type');
  await newlinkCreate(req, ops, ifm, tb, data);
}

/**
 * `rtnl_changelink()` with IFLA_INFO_DATA: EOPNOTSUPP unless the kind is the device's own and has
 * `ops->changelink`; rtnlkit models no kind's changelink yet, and says so. Changing the address
 * of an existing device is not modelled either (only a new device's).
 */
function refuseChangelinkData(
  req: DoitRequest,
  dev: NetDevice,
  ops: RtnlLinkOps | undefined,
  info: Linkinfo,
  tb: ParsedAttrs,
): void {
  if (tb.tb[IFLA.ADDRESS]) throw new ErrnoError(Errno.EOPNOTSUPP, 'rtnlkit: IFLA address is not modelled');
  if (!info.data) return;
  if (!ops || !dev.kind || linkKinds(req.rtnl).get(dev.kind) !== ops || !ops.changelink)
    throw new ErrnoError(Errno.EOPNOTSUPP);
  throw new ErrnoError(Errno.EOPNOTSUPP, `rtnlkit: changing ${ops.kind} data is not modelled`);
}

/**
 * `rtnl_newlink_create()`: `rtnl_create_link()` (name or `<kind>%d`), then the kind's `newlink`
 * (or `register_netdevice()` with `ifi_index` if given), then `rtnl_configure_link()`: the flags
 * of the request, and the first RTM_NEWLINK (change ~0) with the request's sequence number and
 * port id; then IFLA_MASTER (`do_set_master()`). If configuring or enslaving fails, the device
 * (and what its kind's `dellink` takes with it) is unregistered again.
 */
async function newlinkCreate(
  req: DoitRequest,
  ops: RtnlLinkOps,
  ifm: ReturnType<typeof parseIfla>['ifm'],
  tb: ParsedAttrs,
  data: ParsedAttrs | undefined,
): Promise<void> {
  const ifname = tb.tb[IFLA.IFNAME];
  const name = ifname ? nla.string(ifname).slice(0, IFNAMSIZ - 1) : `${ops.kind}%d`;
  const dev = rtnlCreateLink(ops, name, tb);
  const origin = originOf(req);
  if (ops.newlink) {
    const net = req.net;
    await ops.newlink(dev, { rtnl: req.rtnl, srcNet: net, net, peerNet: net, ifm, tb, data, origin });
  } else {
    await registerNetdevice(req.rtnl, req.net, dev, {
      ...(ifm.index > 0 ? { ifindex: ifm.index } : {}),
      announce: false,
    });
  }
  try {
    await rtnlConfigureLink(req.rtnl, dev, ifm, origin);
    const master = tb.tb[IFLA.MASTER];
    if (master) await doSetMaster(req.rtnl, dev, nla.u32(master));
  } catch (error) {
    await unregisterNetdeviceMany(req.rtnl, await rtnlDellinkList(req.rtnl, ops, dev));
    throw error;
  }
}

/** The devices `ops->dellink` queues for `dev` (itself alone without a `dellink`). */
async function rtnlDellinkList(rtnl: DoitRequest['rtnl'], ops: RtnlLinkOps, dev: NetDevice): Promise<NetDevice[]> {
  return ops.dellink ? await ops.dellink(rtnl, dev) : [dev];
}

/**
 * `rtnl_dellink()`: the device by index, else by name (ENODEV), neither: EINVAL; a device
 * without a kind (lo) cannot be deleted (`rtnl_delete_link()`: EOPNOTSUPP). The RTM_DELLINK
 * notification carries the request's sequence number and port id.
 */
export async function rtnlDellink(req: DoitRequest): Promise<void> {
  const { ifm, tb } = parseIfla(req);
  if (tb.tb[IFLA.NET_NS_PID] || tb.tb[IFLA.NET_NS_FD])
    throw new ErrnoError(Errno.EOPNOTSUPP, 'specified netns attribute not supported');
  if (tb.tb[IFLA.TARGET_NETNSID]) throw new ErrnoError(Errno.EINVAL);
  const named = ifm.index > 0 || tb.tb[IFLA.IFNAME] !== undefined || tb.tb[IFLA.ALT_IFNAME] !== undefined;
  if (!named) {
    if (tb.tb[IFLA.GROUP]) throw new ErrnoError(Errno.EOPNOTSUPP, 'rtnlkit: group deletion is not modelled');
    throw new ErrnoError(Errno.EINVAL);
  }
  const dev = requestedDevice(req, ifm, tb);
  if (!dev) throw new ErrnoError(Errno.ENODEV);
  const ops = dev.kind ? linkKinds(req.rtnl).get(dev.kind) : undefined;
  if (!ops) throw new ErrnoError(Errno.EOPNOTSUPP);
  // rtnl_delete_link(): ops->dellink queues the device (and a veth's peer, …), then
  // unregister_netdevice_many_notify() with the requester as the origin.
  await unregisterNetdeviceMany(req.rtnl, await rtnlDellinkList(req.rtnl, ops, dev), originOf(req));
}
