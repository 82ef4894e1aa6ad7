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
  nla,
  nlaParseNested,
  type ParsedAttrs,
  rtLink,
} from '@rtnlkit/core';
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
import {
  applyLinkChange,
  checkAfSpec,
  checkLinkChange,
  parseIfla,
  refuseUnmodelled,
  requestedDevice,
  SETLINK_ATTRS,
} from './setlink';

/** What a NEWLINK may carry in rtnlkit: the SETLINK attributes and IFLA_LINKINFO (its kind). */
const NEWLINK_ATTRS = new Set<number>([...SETLINK_ATTRS, IFLA.LINKINFO]);

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

/**
 * `rtnl_newlink()`: an existing device (by index, else by name) is changed as by RTM_SETLINK
 * (`rtnl_changelink()`: EEXIST with NLM_F_EXCL, EOPNOTSUPP with NLM_F_REPLACE); otherwise
 * NLM_F_CREATE creates a device of IFLA_INFO_KIND (EOPNOTSUPP "Unknown device type"), and
 * without it the answer is ENODEV.
 */
export async function rtnlNewlink(req: DoitRequest): Promise<void> {
  const { ifm, tb } = parseIfla(req);
  if (ifm.index < 0) throw new ErrnoError(Errno.EINVAL, "ifindex can't be negative");
  const { kind } = parseLinkinfo(tb);
  const ops = kind === undefined ? undefined : linkKinds(req.rtnl).get(kind);
  refuseUnmodelled(tb, NEWLINK_ATTRS);
  const specified = ifm.index > 0 || tb.tb[IFLA.IFNAME] !== undefined || tb.tb[IFLA.ALT_IFNAME] !== undefined;
  const dev = requestedDevice(req, ifm, tb);
  const flags = req.header.flags;
  if (dev) {
    // rtnl_changelink()
    if (flags & NLM_F.EXCL) throw new ErrnoError(Errno.EEXIST);
    if (flags & NLM_F.REPLACE) throw new ErrnoError(Errno.EOPNOTSUPP);
    const change = checkLinkChange(dev, ifm, tb, req);
    await applyLinkChange(req.rtnl, dev, change);
    return;
  }
  if (!(flags & NLM_F.CREATE)) {
    if (specified || !tb.tb[IFLA.GROUP]) throw new ErrnoError(Errno.ENODEV);
    throw new ErrnoError(Errno.EOPNOTSUPP, 'rtnlkit: group changes are not modelled');
  }
  if (!ops) throw new ErrnoError(Errno.EOPNOTSUPP, 'Unknown device type');
  await newlinkCreate(req, ops, ifm, tb);
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
): Promise<void> {
  const ifname = tb.tb[IFLA.IFNAME];
  const name = ifname ? nla.string(ifname).slice(0, IFNAMSIZ - 1) : `${ops.kind}%d`;
  const dev = ops.setup(name);
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
  await registerNetdevice(req.rtnl, req.net, dev, {
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
  await notifyFlags(req.rtnl, dev, oldFlags, ~0, originOf(req));
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
  if (!dev.kind || !linkKinds(req.rtnl).get(dev.kind)) throw new ErrnoError(Errno.EOPNOTSUPP);
  await unregisterNetdevice(req.rtnl, dev, originOf(req));
}
