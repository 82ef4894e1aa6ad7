/**
 * RTM_GETLINK (net/core/rtnetlink.c): `rtnl_getlink()` (doit) and `rtnl_dump_ifinfo()` (dump),
 * with their request validation (`rtnl_valid_getlink_req`, `rtnl_valid_dump_ifinfo_req`).
 */
import {
  type DoitRequest,
  type DumpCallback,
  decodeIfInfoMsg,
  Errno,
  ErrnoError,
  IFINFOMSG_LEN,
  IFLA,
  IFLA_INFO,
  linkAttrs,
  NL_VALIDATE,
  NLM_F,
  NLMSG_HDRLEN,
  type Nlattr,
  nla,
  nlaParseNested,
  overridePolicy,
  type ParsedAttrs,
  RTGENMSG_LEN,
  RTM,
  rtLink,
} from '@rtnlkit/core';
import { ALTIFNAMSIZ, IFALIASZ, IFNAMSIZ, MAX_ADDR_LEN } from './constants';
import { fillIfinfo } from './fill';
import { linkKinds } from './kinds';
import { ensureUniqueNetns, getNetNsCapable } from './link-net';
import type { NetDevice } from './netdevice';
import { type LinkTable, linkTable } from './table';

/** `ifla_policy` where it differs from the spec's attribute set. */
export const iflaPolicy = overridePolicy(linkAttrs, {
  ifname: { len: IFNAMSIZ - 1 },
  'alt-ifname': { len: ALTIFNAMSIZ - 1 },
  ifalias: { len: IFALIASZ - 1 },
  address: { len: MAX_ADDR_LEN },
  broadcast: { len: MAX_ADDR_LEN },
  'perm-address': { nla: 'reject' },
  'tso-max-size': { nla: 'reject' },
  'tso-max-segs': { nla: 'reject' },
  allmulti: { nla: 'reject' },
  'netns-immutable': { nla: 'reject' },
  // [IFLA_AF_SPEC] = { .type = NLA_NESTED }: no nested policy; each family validates its own nest.
  'af-spec': { nested: undefined },
  // [IFLA_PROTINFO] = { .type = NLA_NESTED } (the spec calls it a string).
  protinfo: { nla: 'nested', nested: undefined },
});

const GETLINK_ATTRS = new Set<number>([IFLA.IFNAME, IFLA.ALT_IFNAME, IFLA.EXT_MASK, IFLA.TARGET_NETNSID]);

function payloadLength(message: Uint8Array): number {
  return new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(0, true) - NLMSG_HDRLEN;
}

/** Any of `__ifi_pad`, `ifi_type`, `ifi_flags`, `ifi_change` set. */
function headerHasValues(message: Uint8Array): boolean {
  const ifm = decodeIfInfoMsg(message, NLMSG_HDRLEN);
  return message[NLMSG_HDRLEN + 1] !== 0 || ifm.type !== 0 || ifm.flags !== 0 || ifm.change !== 0;
}

/** `rtnl_valid_getlink_req()`. */
function validGetlinkReq(req: DoitRequest): ParsedAttrs {
  if (payloadLength(req.message) < IFINFOMSG_LEN) throw new ErrnoError(Errno.EINVAL, 'Invalid header for get link');
  if (!req.strict) return req.parse(IFINFOMSG_LEN, iflaPolicy, NL_VALIDATE.LIBERAL);
  if (headerHasValues(req.message)) throw new ErrnoError(Errno.EINVAL, 'Invalid values in header for get link request');
  const tb = req.parse(IFINFOMSG_LEN, iflaPolicy, NL_VALIDATE.DEPRECATED_STRICT);
  for (let type = 0; type < tb.tb.length; type += 1) {
    if (tb.tb[type] && !GETLINK_ATTRS.has(type))
      throw new ErrnoError(Errno.EINVAL, 'Unsupported attribute in get link request');
  }
  return tb;
}

/** IFLA_TARGET_NETNSID: the namespace and its id, or the requester's (id undefined). */
interface Target {
  readonly table: LinkTable;
  readonly netnsid: number | undefined;
}

/** `rtnl_get_net_ns_capable()` for IFLA_TARGET_NETNSID (EINVAL with `extack` for an unknown id, EACCES). */
function targetOf(req: DoitRequest | DumpCallback, tb: ParsedAttrs | undefined, extack?: string): Target {
  const attr = tb?.tb[IFLA.TARGET_NETNSID];
  if (!attr) return { table: linkTable(req.net), netnsid: undefined };
  const netnsid = nla.s32(attr);
  return { table: linkTable(getNetNsCapable(req, netnsid, extack)), netnsid };
}

/** `rtnl_dev_get()`: by IFLA_IFNAME, else IFLA_ALT_IFNAME (rtnlkit has no alternative names yet). */
export function devByName(table: LinkTable, tb: ParsedAttrs): NetDevice | undefined {
  const ifname = tb.tb[IFLA.IFNAME];
  if (ifname) return table.getByName(nla.string(ifname).slice(0, IFNAMSIZ - 1));
  return undefined;
}

/** `rtnl_getlink()`: one device by `ifi_index` (> 0) or by name; ENODEV if none, EINVAL for neither. */
export function rtnlGetlink(req: DoitRequest): void {
  const tb = validGetlinkReq(req);
  ensureUniqueNetns(tb, true);
  const { table, netnsid } = targetOf(req, tb);
  const ifm = decodeIfInfoMsg(req.message, NLMSG_HDRLEN);
  let dev: NetDevice | undefined;
  if (ifm.index > 0) dev = table.getByIndex(ifm.index);
  else if (tb.tb[IFLA.IFNAME] || tb.tb[IFLA.ALT_IFNAME]) dev = devByName(table, tb);
  else throw new ErrnoError(Errno.EINVAL);
  if (!dev) throw new ErrnoError(Errno.ENODEV);
  req.reply(
    fillIfinfo(dev, {
      type: RTM.NEWLINK,
      flags: 0,
      seq: req.header.seq,
      portId: req.socket.portId,
      ...(netnsid !== undefined && { targetNetnsid: netnsid }),
      srcNet: req.net,
      rtnl: req.rtnl,
      task: req.task,
      extFilterMask: extFilterMask(tb),
    }),
  );
}

/** IFLA_EXT_MASK (RTEXT_FILTER_*), 0 when absent. */
function extFilterMask(tb: ParsedAttrs): number {
  const mask = tb.tb[IFLA.EXT_MASK];
  return mask ? nla.u32(mask) : 0;
}

interface DumpFilter {
  /** IFLA_MASTER: 0 none; -1 (0xffffffff) "no master". */
  master: number;
  /** The kind of IFLA_LINKINFO, when it names a registered one. */
  kind?: string | undefined;
  filtered: boolean;
  target: Target;
  /** IFLA_EXT_MASK. */
  extFilterMask: number;
}

/**
 * `linkinfo_to_kind_ops()`: the registered kind IFLA_INFO_KIND names; undefined for a nest that
 * does not parse, has no kind, or names an unregistered one (then nothing is filtered).
 */
function linkinfoToKind(cb: DumpCallback, attr: Nlattr): string | undefined {
  let info: ParsedAttrs;
  try {
    info = nlaParseNested(attr, rtLink.linkinfoAttrs, NL_VALIDATE.LIBERAL);
  } catch {
    return undefined;
  }
  const kind = info.tb[IFLA_INFO.KIND];
  if (!kind) return undefined;
  const name = nla.string(kind);
  return linkKinds(cb.rtnl).get(name) ? name : undefined;
}

/** `rtnl_valid_dump_ifinfo_req()` and the attribute walk of `rtnl_dump_ifinfo()`. */
function dumpFilter(cb: DumpCallback): DumpFilter {
  const filter: DumpFilter = {
    master: 0,
    filtered: false,
    target: { table: linkTable(cb.net), netnsid: undefined },
    extFilterMask: 0,
  };
  let tb: ParsedAttrs;
  if (cb.strict) {
    if (payloadLength(cb.message) < IFINFOMSG_LEN) throw new ErrnoError(Errno.EINVAL, 'Invalid header for link dump');
    if (headerHasValues(cb.message))
      throw new ErrnoError(Errno.EINVAL, 'Invalid values in header for link dump request');
    if (decodeIfInfoMsg(cb.message, NLMSG_HDRLEN).index !== 0)
      throw new ErrnoError(Errno.EINVAL, 'Filter by device index not supported for link dumps');
    tb = cb.parse(IFINFOMSG_LEN, iflaPolicy, NL_VALIDATE.DEPRECATED_STRICT);
  } else {
    // "A hack to preserve kernel<->userspace interface": iproute2 before v3.9 sent an rtgenmsg.
    const hdrlen = payloadLength(cb.message) < IFINFOMSG_LEN ? RTGENMSG_LEN : IFINFOMSG_LEN;
    try {
      tb = cb.parse(hdrlen, iflaPolicy, NL_VALIDATE.LIBERAL);
    } catch {
      return filter; // without strict checking, a bad request still dumps everything
    }
  }
  for (let type = 0; type < tb.tb.length; type += 1) {
    const attr = tb.tb[type];
    if (!attr) continue;
    switch (type) {
      case IFLA.TARGET_NETNSID:
        filter.target = targetOf(cb, tb, 'Invalid target network namespace id');
        break;
      case IFLA.EXT_MASK:
        filter.extFilterMask = nla.u32(attr);
        break;
      case IFLA.MASTER:
        filter.master = nla.s32(attr);
        break;
      case IFLA.LINKINFO:
        filter.kind = linkinfoToKind(cb, attr);
        break;
      default:
        if (cb.strict) throw new ErrnoError(Errno.EINVAL, 'Unsupported attribute in link dump request');
    }
  }
  filter.filtered = filter.master !== 0 || filter.kind !== undefined;
  return filter;
}

/** `link_master_filtered()`. */
function masterFiltered(dev: NetDevice, master: number): boolean {
  if (master === 0) return false;
  if (master === -1) return dev.master !== undefined;
  return dev.master?.ifindex !== master;
}

/**
 * `rtnl_dump_ifinfo()`: every device of the namespace in ifindex order, resuming at
 * `cursor.ifindex`; `cb.seq = dev_base_seq` and a consistency check at the end of each pass.
 */
export function rtnlDumpIfinfo(cb: DumpCallback): boolean {
  const filter = dumpFilter(cb);
  const { table, netnsid } = filter.target;
  const flags = NLM_F.MULTI | (filter.filtered ? NLM_F.DUMP_FILTERED : 0);
  let more = false;
  for (let dev = table.firstFrom(cb.cursor.ifindex ?? 0); dev; dev = table.firstFrom(dev.ifindex + 1)) {
    if (masterFiltered(dev, filter.master)) continue;
    if (filter.kind !== undefined && dev.kind !== filter.kind) continue;
    const message = fillIfinfo(dev, {
      type: RTM.NEWLINK,
      flags,
      seq: cb.header.seq,
      portId: cb.socket.portId,
      ...(netnsid !== undefined && { targetNetnsid: netnsid }),
      srcNet: cb.net,
      rtnl: cb.rtnl,
      task: cb.task,
      extFilterMask: filter.extFilterMask,
    });
    if (!cb.put(message)) {
      cb.cursor.ifindex = dev.ifindex;
      more = true;
      break;
    }
  }
  if (!more) cb.cursor.ifindex = 0x7fffffff;
  cb.seq = table.devBaseSeq;
  cb.checkConsistent();
  return more;
}
