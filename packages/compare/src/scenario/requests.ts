/**
 * The requests built-in scenarios send, as iproute2 builds them (`ip link add`, `ip -4 addr
 * show`, `ip route get`, …): real wire bytes, one message each.
 */
import {
  AF,
  encodeIfAddrMsg,
  encodeIfInfoMsg,
  encodeRtMsg,
  IFA,
  IFF,
  IFLA,
  IFLA_INFO,
  NLM_F,
  NlMsgBuilder,
  RT_SCOPE,
  RT_TABLE,
  RTA,
  RTM,
  RTN,
  RTPROT,
} from '@rtnlkit/core';

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;
const CREATE = REQ_ACK | NLM_F.CREATE | NLM_F.EXCL;
const DUMP = NLM_F.REQUEST | NLM_F.DUMP;

const ifinfo = (index = 0, flags = 0, change = 0) =>
  encodeIfInfoMsg({ family: AF.UNSPEC, type: 0, index, flags, change });

/** `ip link add NAME type KIND`. */
export function addLink(seq: number, name: string, kind = 'ifb'): Uint8Array {
  return new NlMsgBuilder(RTM.NEWLINK, CREATE, seq, 0)
    .bytes(ifinfo())
    .string(IFLA.IFNAME, name)
    .nest(IFLA.LINKINFO, (n) => n.string(IFLA_INFO.KIND, kind))
    .finish();
}

/** `ip link set NAME up|down`. */
export function setLinkUp(seq: number, name: string, up = true): Uint8Array {
  return new NlMsgBuilder(RTM.SETLINK, REQ_ACK, seq, 0)
    .bytes(ifinfo(0, up ? IFF.UP : 0, IFF.UP))
    .string(IFLA.IFNAME, name)
    .finish();
}

/** `ip link del NAME`. */
export function delLink(seq: number, name: string): Uint8Array {
  return new NlMsgBuilder(RTM.DELLINK, REQ_ACK, seq, 0).bytes(ifinfo()).string(IFLA.IFNAME, name).finish();
}

/** `ip link show` (all families). */
export function dumpLinks(seq: number): Uint8Array {
  return new NlMsgBuilder(RTM.GETLINK, DUMP, seq, 0).bytes(ifinfo()).finish();
}

/** `ip -4 addr show`. */
export function dumpAddrs(seq: number): Uint8Array {
  return new NlMsgBuilder(RTM.GETADDR, DUMP, seq, 0).bytes(encodeIfAddrMsg({ family: AF.INET })).finish();
}

/** `ip route show table all`. */
export function dumpRoutes(seq: number): Uint8Array {
  return new NlMsgBuilder(RTM.GETROUTE, DUMP, seq, 0).bytes(encodeRtMsg({ family: AF.INET })).finish();
}

/** `ip addr add LOCAL/LEN dev INDEX`. */
export function addAddr(seq: number, index: number, local: string, prefixlen = 24): Uint8Array {
  return new NlMsgBuilder(RTM.NEWADDR, CREATE, seq, 0)
    .bytes(encodeIfAddrMsg({ family: AF.INET, prefixlen, index }))
    .ipv4(IFA.LOCAL, local)
    .ipv4(IFA.ADDRESS, local)
    .finish();
}

/** `ip addr del LOCAL/LEN dev INDEX`. */
export function delAddr(seq: number, index: number, local: string, prefixlen = 24): Uint8Array {
  return new NlMsgBuilder(RTM.DELADDR, REQ_ACK, seq, 0)
    .bytes(encodeIfAddrMsg({ family: AF.INET, prefixlen, index }))
    .ipv4(IFA.LOCAL, local)
    .finish();
}

/** `ip route add DST/LEN via GW` (proto static) or `dev OIF` (scope link) when no gateway. */
export function addRoute(seq: number, dst: string, len: number, via: { gw: string } | { oif: number }): Uint8Array {
  const b = new NlMsgBuilder(RTM.NEWROUTE, CREATE, seq, 0).bytes(
    encodeRtMsg({
      family: AF.INET,
      dstLen: len,
      table: RT_TABLE.MAIN,
      protocol: RTPROT.STATIC,
      scope: 'gw' in via ? RT_SCOPE.UNIVERSE : RT_SCOPE.LINK,
      type: RTN.UNICAST,
    }),
  );
  b.ipv4(RTA.DST, dst);
  if ('gw' in via) b.ipv4(RTA.GATEWAY, via.gw);
  else b.u32(RTA.OIF, via.oif);
  return b.finish();
}

/** `ip route del DST/LEN`. */
export function delRoute(seq: number, dst: string, len: number): Uint8Array {
  return new NlMsgBuilder(RTM.DELROUTE, REQ_ACK, seq, 0)
    .bytes(encodeRtMsg({ family: AF.INET, dstLen: len, table: RT_TABLE.MAIN, scope: RT_SCOPE.NOWHERE }))
    .ipv4(RTA.DST, dst)
    .finish();
}

/** `ip route get DST`: a lookup, answered by one RTM_NEWROUTE (or an error). */
export function routeGet(seq: number, dst: string): Uint8Array {
  return new NlMsgBuilder(RTM.GETROUTE, REQ_ACK, seq, 0)
    .bytes(encodeRtMsg({ family: AF.INET, dstLen: 32 }))
    .ipv4(RTA.DST, dst)
    .finish();
}

/** 10.X.Y.0 for route `i` (i < 65,536): distinct /24s. */
export function nthPrefix(i: number, first = 10): string {
  return `${first}.${(i >> 8) & 0xff}.${i & 0xff}.0`;
}
