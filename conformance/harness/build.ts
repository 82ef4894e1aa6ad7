/**
 * Small helpers for writing scenarios: requests built with core's `NlMsgBuilder` and fixed
 * headers, and ways to damage them on purpose (a wrong `nlmsg_len`).
 */
import {
  AF,
  encodeIfAddrMsg,
  encodeIfInfoMsg,
  encodeRtMsg,
  IFA,
  IFLA,
  IFLA_INFO,
  type IfAddrMsg,
  type IfInfoMsg,
  ipv4Bytes,
  NLM_F,
  NlMsgBuilder,
  RT_SCOPE,
  RT_TABLE,
  RTA,
  RTM,
  RTN,
  RTPROT,
  type RtMsg,
} from '@rtnlkit/core';

/**
 * One message: `type`, `flags`, `seq` (nlmsg_pid 0, as iproute2 sends), then `body`: a fixed
 * header's bytes, or a function that writes the fixed header and attributes. No body: a bare
 * 16-byte header.
 */
export function message(
  type: number,
  flags: number,
  seq: number,
  body?: Uint8Array | ((b: NlMsgBuilder) => void),
): Uint8Array {
  const b = new NlMsgBuilder(type, flags, seq, 0);
  if (body instanceof Uint8Array) b.bytes(body);
  else body?.(b);
  return b.finish().slice();
}

export const ifinfomsg = (fields: Partial<IfInfoMsg> = {}): Uint8Array =>
  encodeIfInfoMsg({ family: 0, type: 0, index: 0, flags: 0, change: 0, ...fields });

/** A link message: an ifinfomsg with `fields`, then the attributes `attrs` writes. */
export const linkMessage = (
  type: number,
  flags: number,
  seq: number,
  fields: Partial<IfInfoMsg> = {},
  attrs: (b: NlMsgBuilder) => void = () => {},
): Uint8Array =>
  message(type, flags, seq, (b) => {
    b.bytes(ifinfomsg(fields));
    attrs(b);
  });

/** `ip link add NAME [more] type ifb` (NLM_F_REQUEST | ACK | CREATE | EXCL). */
export const addIfbMessage = (seq: number, name: string, more: (b: NlMsgBuilder) => void = () => {}): Uint8Array =>
  linkMessage(RTM.NEWLINK, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL, seq, {}, (b) => {
    b.string(IFLA.IFNAME, name);
    more(b);
    b.nest(IFLA.LINKINFO, (n) => n.string(IFLA_INFO.KIND, 'ifb'));
  });

export const ifaddrmsg = (fields: Partial<IfAddrMsg> = {}): Uint8Array =>
  encodeIfAddrMsg({ family: 0, prefixlen: 0, flags: 0, scope: 0, index: 0, ...fields });

export const rtmsg = (fields: Partial<RtMsg> = {}): Uint8Array => encodeRtMsg(fields);

/** A copy of `msg` whose `nlmsg_len` says `len`, whatever its real size. */
export function withLength(msg: Uint8Array, len: number): Uint8Array {
  const copy = new Uint8Array(msg);
  new DataView(copy.buffer).setUint32(0, len, true);
  return copy;
}

/** The first `n` bytes of `msg` (its header unchanged). */
export const truncated = (msg: Uint8Array, n: number): Uint8Array => new Uint8Array(msg.subarray(0, n));

/** An IPv4 address request as iproute2 builds it (`ip addr add|del …`). */
export interface AddrSpec {
  local?: string;
  address?: string;
  broadcast?: string;
  label?: string;
  prefixlen?: number;
  scope?: number;
  flags?: number;
  index?: number;
  ifaFlags?: number;
  cacheinfo?: [number, number];
  rtPriority?: number;
  proto?: number;
}

/** The ifaddrmsg (prefix length 24 and ifindex 2, the first device a scenario makes, unless given) and attributes of `a`. */
export function addrAttrs(a: AddrSpec): (b: NlMsgBuilder) => void {
  return (b) => {
    b.bytes(
      ifaddrmsg({
        family: AF.INET,
        prefixlen: a.prefixlen ?? 24,
        scope: a.scope ?? 0,
        flags: a.flags ?? 0,
        index: a.index ?? 2,
      }),
    );
    if (a.local !== undefined) b.attr(IFA.LOCAL, ipv4Bytes(a.local));
    if (a.address !== undefined) b.attr(IFA.ADDRESS, ipv4Bytes(a.address));
    if (a.broadcast !== undefined) b.attr(IFA.BROADCAST, ipv4Bytes(a.broadcast));
    if (a.label !== undefined) b.string(IFA.LABEL, a.label);
    if (a.cacheinfo) {
      const ci = new Uint8Array(16);
      new DataView(ci.buffer).setUint32(0, a.cacheinfo[0], true);
      new DataView(ci.buffer).setUint32(4, a.cacheinfo[1], true);
      b.attr(IFA.CACHEINFO, ci);
    }
    if (a.ifaFlags !== undefined) b.u32(IFA.FLAGS, a.ifaFlags);
    if (a.rtPriority !== undefined) b.u32(IFA.RT_PRIORITY, a.rtPriority);
    if (a.proto !== undefined) b.u8(IFA.PROTO, a.proto);
  };
}

/** An IPv4 route request as iproute2 builds it (`ip route add|del …`). */
export interface RouteSpec {
  dst?: string;
  len?: number;
  type?: number;
  scope?: number;
  table?: number;
  tos?: number;
  flags?: number;
  gw?: string;
  oif?: number;
  metric?: number;
  nexthops?: { gw: string; oif: number }[];
  protocol?: number;
}

/** A route request as iproute2 builds it (proto boot, scope universe, unicast; del: scope nowhere). */
export function routeMessage(
  type: number,
  flags: number,
  seq: number,
  r: RouteSpec,
  extra?: (b: NlMsgBuilder) => void,
): Uint8Array {
  const del = type === RTM.DELROUTE;
  const table = r.table ?? RT_TABLE.MAIN;
  return message(type, flags, seq, (b) => {
    b.bytes(
      rtmsg({
        family: AF.INET,
        dstLen: r.len ?? 32,
        tos: r.tos ?? 0,
        table: table < 256 ? table : 0,
        protocol: r.protocol ?? (del ? 0 : RTPROT.BOOT),
        scope: r.scope ?? (del ? RT_SCOPE.NOWHERE : 0),
        type: r.type ?? (del ? 0 : RTN.UNICAST),
        flags: r.flags ?? 0,
      }),
    );
    if (table >= 256) b.u32(RTA.TABLE, table);
    if (r.dst) b.attr(RTA.DST, ipv4Bytes(r.dst));
    if (r.metric !== undefined) b.u32(RTA.PRIORITY, r.metric);
    if (r.gw) b.attr(RTA.GATEWAY, ipv4Bytes(r.gw));
    if (r.oif !== undefined) b.u32(RTA.OIF, r.oif);
    if (r.nexthops) {
      const parts = r.nexthops.map((nh) => {
        const out = new Uint8Array(16);
        const v = new DataView(out.buffer);
        v.setUint16(0, 16, true);
        v.setInt32(4, nh.oif, true);
        v.setUint16(8, 8, true);
        v.setUint16(10, RTA.GATEWAY, true);
        out.set(ipv4Bytes(nh.gw), 12);
        return out;
      });
      const all = new Uint8Array(parts.length * 16);
      for (const [i, p] of parts.entries()) all.set(p, i * 16);
      b.attr(RTA.MULTIPATH, all);
    }
    extra?.(b);
  });
}
