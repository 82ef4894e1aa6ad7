/**
 * `fib_dump_info()` (net/ipv4/fib_semantics.c): one route as an RTM_NEWROUTE / RTM_DELROUTE
 * message, for dumps, notifications and `ip route get fibmatch`.
 */
import { AF, NlMsgBuilder, RTA, RTMSG_LEN } from '@rtnlkit/core';
import { RT_TABLE, RTNH_F, RTNH_LEN } from './constants';
import type { FibInfo, FibNh } from './table';

/**
 * The route attributes `fibDumpInfo` writes, by spec name: what conformance compares
 * (`MODEL_COVERAGE.route`). RTA_METRICS, encap, RTA_FLOW and the route cache's attributes are
 * not modelled.
 */
export const MODELLED_ROUTE_ATTRIBUTES = [
  'table',
  'dst',
  'priority',
  'prefsrc',
  'gateway',
  'oif',
  'multipath',
] as const;

/** `struct fib_rt_info`: what one filled route says. */
export interface FibRtInfo {
  readonly info: FibInfo;
  readonly tbId: number;
  readonly dst: number;
  readonly dstLen: number;
  readonly tos: number;
  readonly type: number;
}

function be32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, false);
  return out;
}

/** `fib_nexthop_info()`'s flags for one nexthop. */
function nhFlags(nh: FibNh): number {
  let flags = 0;
  if (nh.flags & RTNH_F.DEAD) flags |= RTNH_F.DEAD;
  if (nh.flags & RTNH_F.LINKDOWN) flags |= RTNH_F.LINKDOWN;
  flags |= nh.flags & (RTNH_F.ONLINK | RTNH_F.OFFLOAD | RTNH_F.TRAP);
  return flags;
}

/** The rtmsg and attributes of `fri` into a message of `type` with `flags`, from `portId`/`seq`. */
export function fibDumpInfo(fri: FibRtInfo, type: number, flags: number, seq: number, portId: number): Uint8Array {
  const { info } = fri;
  const b = new NlMsgBuilder(type, flags, seq, portId, 128);
  // Single path: the nexthop's flags replace fib_flags (fib_nexthop_info). Computed first: the
  // header view must be filled before attributes may grow the buffer.
  const rtmFlags = info.nhs.length === 1 ? nhFlags(info.nhs[0] as FibNh) : info.flags;
  const rtm = b.space(RTMSG_LEN);
  rtm.setUint8(0, AF.INET);
  rtm.setUint8(1, fri.dstLen);
  rtm.setUint8(2, 0);
  rtm.setUint8(3, fri.tos);
  rtm.setUint8(4, fri.tbId < 256 ? fri.tbId : RT_TABLE.COMPAT);
  rtm.setUint8(5, info.protocol);
  rtm.setUint8(6, info.scope);
  rtm.setUint8(7, fri.type);
  rtm.setUint32(8, rtmFlags >>> 0, true);
  b.u32(RTA.TABLE, fri.tbId);
  if (fri.dstLen) b.attr(RTA.DST, be32(fri.dst));
  if (info.priority) b.u32(RTA.PRIORITY, info.priority);
  if (info.prefsrc) b.attr(RTA.PREFSRC, be32(info.prefsrc));
  if (info.nhs.length === 1) {
    const nh = info.nhs[0] as FibNh;
    if (nh.gw) b.attr(RTA.GATEWAY, be32(nh.gw));
    if (nh.dev) b.u32(RTA.OIF, nh.dev.ifindex);
  } else {
    // fib_add_multipath(): a bare nest (no NLA_F_NESTED) of rtnexthop records.
    b.beginNest(RTA.MULTIPATH, false);
    for (const nh of info.nhs) {
      const rtnh = new Uint8Array(RTNH_LEN + (nh.gw ? 8 : 0));
      const v = new DataView(rtnh.buffer);
      v.setUint16(0, rtnh.length, true);
      v.setUint8(2, nhFlags(nh));
      v.setUint8(3, nh.weight - 1);
      v.setInt32(4, nh.dev ? nh.dev.ifindex : 0, true);
      if (nh.gw) {
        v.setUint16(8, 8, true);
        v.setUint16(10, RTA.GATEWAY, true);
        v.setUint32(12, nh.gw >>> 0, false);
      }
      b.bytes(rtnh);
    }
    b.endNest();
  }
  return b.finish().slice();
}
