/**
 * RTM_NEWLINK (`rtnl_newlink()` → `__rtnl_newlink()`) and RTM_DELLINK (`rtnl_dellink()`) of
 * net/core/rtnetlink.c, for the kinds of the {@link LinkKinds} registry.
 */
import {
  type DoitRequest,
  Errno,
  ErrnoError,
  failAt,
  IFLA,
  IFLA_INFO,
  type Net,
  NL_VALIDATE,
  NLM_F,
  type Nlattr,
  nla,
  nlaParseNested,
  type ParsedAttrs,
  type Prepared,
  rtLink,
} from '@rtnlkit/core';
import { getNetNsById } from '../netns/nsid';
import { IFNAMSIZ } from './constants';
import { rtnlConfigureLink, rtnlCreateLink } from './create';
import { registerNetdevice, unregisterNetdeviceMany } from './dev';
import type { NotifyOrigin } from './events';
import { linkKinds, type RtnlLinkOps } from './kinds';
import { ensureUniqueNetns, getNetNsCapable, linkGetNetCapable, linkNetByIfla } from './link-net';
import { doSetMaster } from './master';
import type { NetDevice } from './netdevice';
import {
  applyLinkChange,
  checkLinkChange,
  parseIfla,
  refuseUnmodelled,
  requestedDevice,
  SETLINK_ATTRS,
  setlinkNetns,
} from './setlink';
import { linkTable } from './table';

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
  IFLA.LINK_NETNSID,
]);
/** Refused when creating (`__rtnl_newlink()`), and not modelled when changing a device. */
const CREATE_REFUSED = [IFLA.MAP, IFLA.PROTINFO];

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
  /** `peer_net`: where a kind with a peer creates it (the requester's unless named). */
  readonly peerNet: Net;
  readonly info: Linkinfo;
  /** IFLA_INFO_DATA parsed with the kind's policy and validated by it. */
  readonly data: ParsedAttrs | undefined;
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
  const info = parseLinkinfo(tb);
  const pinned = info.kind === undefined ? undefined : linkKinds(req.rtnl).acquire(info.kind, req.task);
  try {
    const ops = pinned?.ops;
    const data = parseKindData(ops, info, tb);
    const tgtNet = linkGetNetCapable(req, tb);
    let linkNet: Net | undefined;
    const linkNetnsid = tb.tb[IFLA.LINK_NETNSID];
    if (linkNetnsid) {
      linkNet = getNetNsById(tgtNet, nla.s32(linkNetnsid));
      if (!linkNet) throw new ErrnoError(Errno.EINVAL, 'Unknown network namespace id');
    }
    const peerNet = peerNetOf(req, ops, tb, data);
    const nets = [tgtNet, linkNet, peerNet].filter((net): net is Net => net !== undefined && net !== req.net);
    const prep: NewlinkPrep = { ifm, tb, info, ops, data, tgtNet, linkNet, peerNet: peerNet ?? req.net };
    return { data: prep, ...(nets.length > 0 && { nets }), ...(pinned && { release: pinned.release }) };
  } catch (error) {
    pinned?.release();
    throw error;
  }
}

/**
 * `rtnl_get_peer_net()`: for a kind with a peer (veth), the namespace the peer's own attributes
 * name (IFLA_NET_NS_PID / FD inside its VETH_INFO_PEER, after `ops->validate()` of them);
 * otherwise, or when they name none, the request's own selectors. Undefined: the requester's.
 */
function peerNetOf(
  req: DoitRequest,
  ops: RtnlLinkOps | undefined,
  tb: ParsedAttrs,
  data: ParsedAttrs | undefined,
): Net | undefined {
  const peer = ops?.peerType !== undefined ? data?.tb[ops.peerType] : undefined;
  if (!peer || !ops?.peerTb) return linkNetByIfla(req, tb);
  const net = linkNetByIfla(req, ops.peerTb(peer));
  if (net && !req.socket.admin) throw new ErrnoError(Errno.EPERM);
  return net;
}

/**
 * `__rtnl_newlink()`, under RTNL: an existing device (by index, else by name) is changed as by
 * RTM_SETLINK (`rtnl_changelink()`: EEXIST with NLM_F_EXCL, EOPNOTSUPP with NLM_F_REPLACE);
 * otherwise NLM_F_CREATE creates a device of the pinned kind (EOPNOTSUPP "Unknown device
 * type"), and without it the answer is ENODEV.
 */
export async function rtnlNewlink(req: DoitRequest): Promise<void> {
  const prep = req.prepared?.data as NewlinkPrep | undefined;
  if (!prep) throw new TypeError('rtnl_newlink runs after rtnlNewlinkPrepare: register both');
  const { ifm, tb, info, ops, data, tgtNet, linkNet, peerNet } = prep;
  refuseUnmodelled(tb, new Set([...NEWLINK_ATTRS, ...CREATE_REFUSED]));
  const specified = ifm.index > 0 || tb.tb[IFLA.IFNAME] !== undefined || tb.tb[IFLA.ALT_IFNAME] !== undefined;
  const dev = requestedDevice(req, ifm, tb);
  const flags = req.header.flags;
  if (dev) {
    // rtnl_changelink()
    if (flags & NLM_F.EXCL) throw new ErrnoError(Errno.EEXIST);
    if (flags & NLM_F.REPLACE) throw new ErrnoError(Errno.EOPNOTSUPP);
    refuseUnmodelled(tb, NEWLINK_ATTRS);
    const change = checkLinkChange(dev, ifm, tb, req);
    refuseChangelinkData(dev, ops, info, tb);
    await setlinkNetns(req, dev, tb, tgtNet);
    await applyLinkChange(req.rtnl, req.task, dev, change);
    return;
  }
  if (!(flags & NLM_F.CREATE)) {
    if (specified || !tb.tb[IFLA.GROUP]) throw new ErrnoError(Errno.ENODEV);
    throw new ErrnoError(Errno.EOPNOTSUPP, 'rtnlkit: group changes are not modelled');
  }
  if (CREATE_REFUSED.some((type) => tb.tb[type])) throw new ErrnoError(Errno.EOPNOTSUPP);
  if (!ops) throw new ErrnoError(Errno.EOPNOTSUPP, 'Unknown device type');
  await newlinkCreate(req, ops, ifm, tb, data, { tgtNet, linkNet, peerNet });
}

/**
 * `rtnl_changelink()` with IFLA_INFO_DATA: EOPNOTSUPP unless the kind is the device's own and has
 * `ops->changelink`; rtnlkit models no kind's changelink yet, and says so. Changing the address
 * of an existing device is not modelled either (only a new device's).
 */
function refuseChangelinkData(dev: NetDevice, ops: RtnlLinkOps | undefined, info: Linkinfo, tb: ParsedAttrs): void {
  if (tb.tb[IFLA.ADDRESS]) throw new ErrnoError(Errno.EOPNOTSUPP, 'rtnlkit: IFLA address is not modelled');
  if (!info.data) return;
  if (!ops || dev.rtnlLinkOps !== ops || !ops.changelink) throw new ErrnoError(Errno.EOPNOTSUPP);
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
  nets: { tgtNet: Net; linkNet: Net | undefined; peerNet: Net },
): Promise<void> {
  const { tgtNet, linkNet, peerNet } = nets;
  const ifname = tb.tb[IFLA.IFNAME];
  const name = ifname ? nla.string(ifname).slice(0, IFNAMSIZ - 1) : `${ops.kind}%d`;
  // alloc_netdev_mqs() in rtnl_create_link(): ENOMEM before anything exists.
  failAt(req.rtnl, 'rtnl_create_link:alloc_netdev', 'alloc');
  const dev = rtnlCreateLink(ops, name, tb, req);
  const origin = originOf(req);
  if (ops.newlink) {
    const params = { rtnl: req.rtnl, srcNet: req.net, net: tgtNet, linkNet, peerNet, ifm, tb, data, origin };
    await ops.newlink(dev, params);
  } else {
    await registerNetdevice(req.rtnl, tgtNet, dev, {
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
  const devs: NetDevice[] = [];
  for (const dev of members) devs.push(...(await rtnlDellinkList(req.rtnl, dev.rtnlLinkOps as RtnlLinkOps, dev)));
  // unregister_netdevice_many(): no requester to echo to.
  await unregisterNetdeviceMany(req.rtnl, devs);
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
  // rtnl_delete_link(): only a device a kind created has a dellink (lo has none); ops->dellink
  // queues it (and a veth's peer, …), then unregister_netdevice_many_notify() with the requester
  // as the origin.
  const ops = dev.rtnlLinkOps;
  if (!ops) throw new ErrnoError(Errno.EOPNOTSUPP);
  await unregisterNetdeviceMany(req.rtnl, await rtnlDellinkList(req.rtnl, ops, dev), originOf(req));
}
