/**
 * RTM_GETROUTE for AF_INET: `inet_rtm_getroute()` (net/ipv4/route.c, DOIT_UNLOCKED: a route
 * lookup under RCU) and `inet_dump_fib()` (fib_frontend.c, DUMP_UNLOCKED: an RCU walk of the
 * tables), with their request validation.
 */
import {
  AF,
  type DoitRequest,
  type DumpCallback,
  decodeRtMsg,
  Errno,
  ErrnoError,
  IFF,
  NL_VALIDATE,
  NLM_F,
  NLMSG_HDRLEN,
  NlMsgBuilder,
  type ParsedAttrs,
  RTA,
  RTM,
  RTMSG_LEN,
  RTN,
} from '@rtnlkit/core';
import { linkTable } from '../link/table';
import { rtmIpv4Policy } from './config';
import { FIB_PROPS, RT_SCOPE, RT_TABLE, RTM_F } from './constants';
import { fibDumpInfo } from './fill';
import { fibLookup } from './lookup';
import { type FibNet, type FibTable, fibNet } from './table';

function payloadLength(message: Uint8Array): number {
  return new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(0, true) - NLMSG_HDRLEN;
}

const be32 = (data: Uint8Array): number => new DataView(data.buffer, data.byteOffset, 4).getUint32(0, false);
const u32 = (data: Uint8Array): number => new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true);

const GETROUTE_ATTRS = new Set<number>([
  RTA.IIF,
  RTA.OIF,
  RTA.SRC,
  RTA.DST,
  RTA.IP_PROTO,
  RTA.SPORT,
  RTA.DPORT,
  RTA.MARK,
  RTA.UID,
]);

/** `inet_rtm_valid_getroute_req()`. */
function validGetrouteReq(req: DoitRequest): ParsedAttrs {
  if (payloadLength(req.message) < RTMSG_LEN)
    throw new ErrnoError(Errno.EINVAL, 'ipv4: Invalid header for route get request');
  if (!req.strict) return req.parse(RTMSG_LEN, rtmIpv4Policy, NL_VALIDATE.LIBERAL);
  const rtm = decodeRtMsg(req.message, NLMSG_HDRLEN);
  if (
    (rtm.srcLen && rtm.srcLen !== 32) ||
    (rtm.dstLen && rtm.dstLen !== 32) ||
    rtm.table ||
    rtm.protocol ||
    rtm.scope ||
    rtm.type
  )
    throw new ErrnoError(Errno.EINVAL, 'ipv4: Invalid values in header for route get request');
  if (rtm.flags & ~(RTM_F.NOTIFY | RTM_F.LOOKUP_TABLE | RTM_F.FIB_MATCH))
    throw new ErrnoError(Errno.EINVAL, 'ipv4: Unsupported rtm_flags for route get request');
  const tb = req.parse(RTMSG_LEN, rtmIpv4Policy, NL_VALIDATE.DEPRECATED_STRICT);
  if ((tb.tb[RTA.SRC] && !rtm.srcLen) || (tb.tb[RTA.DST] && !rtm.dstLen))
    throw new ErrnoError(Errno.EINVAL, 'ipv4: rtm_src_len and rtm_dst_len must be 32 for IPv4');
  for (let type = 0; type < tb.tb.length; type += 1) {
    if (tb.tb[type] && !GETROUTE_ATTRS.has(type))
      throw new ErrnoError(Errno.EINVAL, 'ipv4: Unsupported attribute in route get request');
  }
  return tb;
}

/**
 * `inet_rtm_getroute()` for an output route (no RTA_IIF): `ip_route_output_key_hash_rcu()`,
 * then with RTM_F_FIB_MATCH the matched FIB entry (`fib_dump_info`), otherwise the route
 * (`rt_fill_info`: rtnlkit fills the fields that follow from the FIB; no route cache, no
 * metrics, no cacheinfo timing).
 */
export function inetRtmGetroute(req: DoitRequest): void {
  const tb = validGetrouteReq(req);
  const rtm = decodeRtMsg(req.message, NLMSG_HDRLEN);
  const [dstAttr, srcAttr, oifAttr, iifAttr] = [tb.tb[RTA.DST], tb.tb[RTA.SRC], tb.tb[RTA.OIF], tb.tb[RTA.IIF]];
  const dst = dstAttr ? be32(dstAttr.data) : 0;
  const src = srcAttr ? be32(srcAttr.data) : 0;
  const oif = oifAttr ? u32(oifAttr.data) : 0;
  if (iifAttr && u32(iifAttr.data))
    throw new ErrnoError(Errno.EOPNOTSUPP, 'rtnlkit models output route lookups only (no RTA_IIF)');
  const fib = fibNet(req.net);
  // ip_route_output_key_hash_rcu(): an oif must exist and be up.
  if (oif) {
    const dev = linkTable(req.net).getByIndex(oif);
    if (!dev) throw new ErrnoError(Errno.ENODEV);
    if (!(dev.flags & IFF.UP)) throw new ErrnoError(Errno.ENETUNREACH);
  }
  const res = fibLookup(fib, { daddr: dst, oif, tos: rtm.tos & 0xfc });
  let tableId: number = RT_TABLE.MAIN;
  if (typeof res === 'number') {
    // "Apparently, routing tables are wrong. Assume, that the destination is on link."
    if (!oif) throw new ErrnoError(res);
    if (rtm.flags & RTM_F.FIB_MATCH) throw new ErrnoError(Errno.EHOSTUNREACH);
    replyRoute(req, { dst, src, oif, gw: 0, type: RTN.UNICAST, tableId, tos: rtm.tos });
    return;
  }
  if (rtm.flags & RTM_F.LOOKUP_TABLE) tableId = res.table.id;
  if (rtm.flags & RTM_F.FIB_MATCH) {
    req.reply(
      fibDumpInfo(
        {
          info: res.alias.info,
          tbId: tableId,
          dst: res.prefix,
          dstLen: res.prefixLen,
          tos: res.alias.tos,
          type: res.type,
        },
        RTM.NEWROUTE,
        0,
        req.header.seq,
        req.socket.portId,
      ),
    );
    return;
  }
  const error = FIB_PROPS[res.type]?.error ?? 0;
  if (error) throw new ErrnoError(error);
  replyRoute(req, {
    dst,
    src,
    oif: res.type === RTN.LOCAL ? 1 : (res.nh?.dev?.ifindex ?? 0),
    gw: res.nh?.gw ?? 0,
    type: res.type,
    tableId,
    tos: rtm.tos,
  });
}

/** A simplified `rt_fill_info()`: the cloned route's header, destination, device and gateway. */
function replyRoute(
  req: DoitRequest,
  r: { dst: number; src: number; oif: number; gw: number; type: number; tableId: number; tos: number },
): void {
  const b = new NlMsgBuilder(RTM.NEWROUTE, 0, req.header.seq, req.socket.portId, 128);
  const rtm = b.space(RTMSG_LEN);
  rtm.setUint8(0, AF.INET);
  rtm.setUint8(1, 32);
  rtm.setUint8(2, r.src ? 32 : 0);
  rtm.setUint8(3, r.tos);
  rtm.setUint8(4, r.tableId < 256 ? r.tableId : RT_TABLE.COMPAT);
  rtm.setUint8(5, 0);
  rtm.setUint8(6, RT_SCOPE.UNIVERSE);
  rtm.setUint8(7, r.type);
  rtm.setUint32(8, RTM_F.CLONED, true);
  const ip = (v: number) => {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, v >>> 0, false);
    return out;
  };
  b.u32(RTA.TABLE, r.tableId);
  b.attr(RTA.DST, ip(r.dst));
  if (r.src) b.attr(RTA.SRC, ip(r.src));
  if (r.oif) b.u32(RTA.OIF, r.oif);
  if (r.gw) b.attr(RTA.GATEWAY, ip(r.gw));
  req.reply(b.finish().slice());
}

/** `struct fib_dump_filter`. */
interface DumpFilter {
  tableId: number;
  protocol: number;
  type: number;
  oif: number;
  dumpRoutes: boolean;
  dumpExceptions: boolean;
  flags: number;
  set: boolean;
}

/** `ip_valid_fib_dump_req()` (strict) or the lenient rtm_flags read. */
function dumpFilter(cb: DumpCallback): DumpFilter {
  const filter: DumpFilter = {
    tableId: 0,
    protocol: 0,
    type: 0,
    oif: 0,
    dumpRoutes: true,
    dumpExceptions: true,
    flags: 0,
    set: false,
  };
  if (cb.strict) {
    if (payloadLength(cb.message) < RTMSG_LEN)
      throw new ErrnoError(Errno.EINVAL, 'Invalid header for FIB dump request');
    const rtm = decodeRtMsg(cb.message, NLMSG_HDRLEN);
    if (rtm.dstLen || rtm.srcLen || rtm.tos || rtm.scope)
      throw new ErrnoError(Errno.EINVAL, 'Invalid values in header for FIB dump request');
    if (rtm.flags & ~(RTM_F.CLONED | RTM_F.PREFIX))
      throw new ErrnoError(Errno.EINVAL, 'Invalid flags for FIB dump request');
    if (rtm.flags & RTM_F.CLONED) filter.dumpRoutes = false;
    else filter.dumpExceptions = false;
    filter.flags = rtm.flags;
    filter.protocol = rtm.protocol;
    filter.type = rtm.type;
    filter.tableId = rtm.table;
    const tb = cb.parse(RTMSG_LEN, rtmIpv4Policy, NL_VALIDATE.DEPRECATED_STRICT);
    for (let type = 0; type < tb.tb.length; type += 1) {
      const attr = tb.tb[type];
      if (!attr) continue;
      switch (type) {
        case RTA.TABLE:
          filter.tableId = u32(attr.data);
          break;
        case RTA.OIF:
          filter.oif = u32(attr.data);
          if (!linkTable(cb.net).getByIndex(filter.oif)) throw new ErrnoError(Errno.ENODEV);
          break;
        default:
          throw new ErrnoError(Errno.EINVAL, 'Unsupported attribute in dump request');
      }
    }
    if (filter.flags || filter.protocol || filter.type || filter.tableId || filter.oif) {
      filter.set = true;
      cb.answerFlags = NLM_F.DUMP_FILTERED;
    }
  } else if (payloadLength(cb.message) >= RTMSG_LEN) {
    filter.flags = decodeRtMsg(cb.message, NLMSG_HDRLEN).flags & (RTM_F.PREFIX | RTM_F.CLONED);
  }
  return filter;
}

/**
 * `fib_table_dump()`: the routes of `table` from the cursor on. The cursor is the next key and
 * how many routes of that key were already sent (`cb->args[2..4]`): resuming by key rather than
 * by position, as the kernel does, so a change between passes neither repeats nor skips the
 * routes of other keys. Returns false when the buffer filled.
 */
function dumpTable(cb: DumpCallback, table: FibTable, filter: DumpFilter): boolean {
  const fromKey = cb.cursor.key ?? 0;
  let skip = cb.cursor.skip ?? 0;
  let full = false;
  // fn_trie_dump_leaf(): a strict request always filters (it never asks for exceptions).
  const flags = NLM_F.MULTI | (filter.set || !filter.dumpExceptions ? NLM_F.DUMP_FILTERED : 0);
  table.forEachKey(fromKey, (key, routes) => {
    let index = 0;
    for (const route of routes) {
      index += 1;
      if (key === fromKey && index <= skip) continue;
      const { alias } = route;
      if (filter.set) {
        if (filter.type && alias.type !== filter.type) continue;
        if (filter.protocol && alias.info.protocol !== filter.protocol) continue;
        if (filter.oif && !alias.info.nhs.some((nh) => nh.dev?.ifindex === filter.oif)) continue;
      }
      const message = fibDumpInfo(
        { info: alias.info, tbId: table.id, dst: route.dst, dstLen: route.dstLen, tos: alias.tos, type: alias.type },
        RTM.NEWROUTE,
        flags,
        cb.header.seq,
        cb.socket.portId,
      );
      if (!cb.put(message)) {
        cb.cursor.key = key;
        cb.cursor.skip = index - 1;
        full = true;
        return false;
      }
    }
    skip = 0;
    return true;
  });
  if (full) return false;
  cb.cursor.key = 0;
  cb.cursor.skip = 0;
  return true;
}

/**
 * `inet_dump_fib()`: every table (or the filtered one) in `fib_table_hash` order.
 *
 * Departure from Linux, deliberate: the kernel's IPv4 route dump never sets `cb->seq`, so a dump
 * whose passes straddle route changes can, unflagged, show a set of routes the FIB never held
 * (resuming by key, it keeps a route added behind the cursor out and a route deleted ahead of it
 * out too). rtnlkit promises that a dump not flagged NLM_F_DUMP_INTR equals the FIB at some
 * instant (DESIGN.md, property 1), so each pass stamps `cb->seq` from `fib_seq` and checks it
 * (`nl_dump_check_consistent()`), as `rtnl_dump_ifinfo()` does with `dev_base_seq`. Only a dump
 * racing a change differs from Linux: a sequential request sequence never sees the flag.
 */
export function inetDumpFib(cb: DumpCallback): boolean {
  const filter = dumpFilter(cb);
  // "ipv4 does not use prefix flag"; RTM_F_CLONED asks for exceptions, which rtnlkit has none of.
  if (filter.flags & RTM_F.PREFIX || !filter.dumpRoutes) return false;
  const fib = fibNet(cb.net);
  // A pass runs without yielding, so one read stands for the whole pass. +1: `cb->prev_seq` 0
  // means "not stamped yet", and fib_seq starts at 0.
  cb.seq = fib.seq.read() + 1;
  const more = dumpTables(cb, fib, filter);
  cb.checkConsistent();
  return more;
}

function dumpTables(cb: DumpCallback, fib: FibNet, filter: DumpFilter): boolean {
  if (filter.tableId) {
    const table = fib.getTable(filter.tableId);
    if (!table) {
      if (cb.message[NLMSG_HDRLEN] !== AF.INET) return false;
      throw new ErrnoError(Errno.ENOENT, 'ipv4: FIB table does not exist');
    }
    return !dumpTable(cb, table, filter);
  }
  const tables = fib.tablesInOrder();
  // cb->args[0..1]: which table we were in, by id (a table created between passes does not shift it).
  const resumeId = cb.cursor.table;
  let started = resumeId === undefined;
  for (const table of tables) {
    if (!started) {
      if (table.id !== resumeId) continue;
      started = true;
    }
    cb.cursor.table = table.id;
    if (!dumpTable(cb, table, filter)) return true;
  }
  cb.cursor.table = -1;
  return false;
}
