/**
 * `inet_fill_ifaddr()` and `rtmsg_ifa()` (net/ipv4/devinet.c): an address as an RTM_NEWADDR /
 * RTM_DELADDR message, and its notification to RTNLGRP_IPV4_IFADDR.
 */
import {
  AF,
  NlMsgBuilder as Builder,
  encodeIfAddrMsg,
  IFA,
  IFA_F,
  type Net,
  NLM_F,
  type NlMsgBuilder,
  type NlMsgHeader,
  RTNLGRP,
  type Rtnetlink,
} from '@rtnlkit/core';
import { INFINITY_LIFE_TIME, type InIfaddr } from './in-device';

/** Milliseconds per jiffy-second: lifetimes are in seconds, stamps on the rtnetlink clock in ms. */
const MS = 1000;
/** `INITIAL_JIFFIES` is not modelled: stamps count hundredths of a second from the clock's origin. */
const cstampDelta = (ms: number) => Math.max(0, Math.floor(ms / 10)) >>> 0;

function putAddr(b: NlMsgBuilder, type: number, addr: number): void {
  b.be32(type, addr >>> 0);
}

/**
 * The lifetimes `inet_fill_ifaddr()` reports at time `now` (ms): what is left of each, in whole
 * seconds, or both infinite for a permanent address.
 */
export function remainingLifetimes(ifa: InIfaddr, now: number): { preferred: number; valid: number } {
  if (ifa.flags & IFA_F.PERMANENT) return { preferred: INFINITY_LIFE_TIME, valid: INFINITY_LIFE_TIME };
  let preferred = ifa.preferredLft;
  let valid = ifa.validLft;
  if (preferred !== INFINITY_LIFE_TIME) {
    const tval = Math.floor((now - ifa.tstamp) / MS);
    preferred = preferred > tval ? preferred - tval : 0;
    if (valid !== INFINITY_LIFE_TIME) valid = valid > tval ? valid - tval : 0;
  }
  return { preferred, valid };
}

/** `struct inet_fill_args`. */
export interface InetFillArgs {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly portId: number;
  /** IFA_TARGET_NETNSID, when the dump asked for another namespace. */
  readonly netnsid?: number | undefined;
  /** The rtnetlink clock's now, in ms. */
  readonly now: number;
}

/**
 * `inet_fill_ifaddr()`: ifaddrmsg (the low 8 bits of the flags), then IFA_TARGET_NETNSID,
 * IFA_ADDRESS, IFA_LOCAL, IFA_BROADCAST (those three when not 0), IFA_LABEL (when not empty),
 * IFA_PROTO (when not 0), IFA_FLAGS (all 32 bits), IFA_RT_PRIORITY (when not 0), IFA_CACHEINFO,
 * in this order.
 */
export function inetFillIfaddr(b: NlMsgBuilder, ifa: InIfaddr, args: InetFillArgs): void {
  b.bytes(
    encodeIfAddrMsg({
      family: AF.INET,
      prefixlen: ifa.prefixlen,
      flags: ifa.flags & 0xff,
      scope: ifa.scope,
      index: ifa.dev.ifindex,
    }),
  );
  if (args.netnsid !== undefined) b.s32(IFA.TARGET_NETNSID, args.netnsid);
  const { preferred, valid } = remainingLifetimes(ifa, args.now);
  if (ifa.address) putAddr(b, IFA.ADDRESS, ifa.address);
  if (ifa.local) putAddr(b, IFA.LOCAL, ifa.local);
  if (ifa.broadcast) putAddr(b, IFA.BROADCAST, ifa.broadcast);
  if (ifa.label) b.string(IFA.LABEL, ifa.label);
  if (ifa.proto) b.u8(IFA.PROTO, ifa.proto);
  b.u32(IFA.FLAGS, ifa.flags >>> 0);
  if (ifa.rtPriority) b.u32(IFA.RT_PRIORITY, ifa.rtPriority >>> 0);
  const ci = new Uint8Array(16);
  const v = new DataView(ci.buffer);
  v.setUint32(0, preferred >>> 0, true);
  v.setUint32(4, valid >>> 0, true);
  v.setUint32(8, cstampDelta(ifa.cstamp), true);
  v.setUint32(12, cstampDelta(ifa.tstamp), true);
  b.attr(IFA.CACHEINFO, ci);
}

/** One whole message (`inet_fill_ifaddr()` into a fresh skb). */
export function inetIfaddrMessage(ifa: InIfaddr, args: InetFillArgs): Uint8Array {
  const b = new Builder(args.type, args.flags, args.seq, args.portId);
  inetFillIfaddr(b, ifa, args);
  return b.finish().slice();
}

/** The request that caused a change (`nlh` and `NETLINK_CB(skb).portid`), if any. */
export interface IfaOrigin {
  readonly header: NlMsgHeader;
  readonly portId: number;
}

/**
 * `rtmsg_ifa()`: RTM_NEWADDR or RTM_DELADDR for `ifa` to RTNLGRP_IPV4_IFADDR of the device's
 * namespace. Unlike a link notification, it carries the request's sequence number and port id
 * whenever there is a request (not only for NLM_F_ECHO); with NLM_F_ECHO the requester gets it
 * too (`rtnl_notify(…, nlmsg_report(nlh))`).
 */
export function rtmsgIfa(rtnl: Rtnetlink, type: number, ifa: InIfaddr, origin?: IfaOrigin): void {
  const net = ifa.dev.net as Net | undefined;
  if (!net) return;
  const message = inetIfaddrMessage(ifa, {
    type,
    flags: 0,
    seq: origin?.header.seq ?? 0,
    portId: origin?.portId ?? 0,
    now: rtnl.clock.now(),
  });
  const report = origin !== undefined && (origin.header.flags & NLM_F.ECHO) !== 0;
  rtnl.notify(net, RTNLGRP.IPV4_IFADDR, message, report ? { portId: origin.portId, report: true } : {});
}
