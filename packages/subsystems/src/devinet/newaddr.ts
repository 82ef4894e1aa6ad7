/**
 * RTM_NEWADDR and RTM_DELADDR for AF_INET (net/ipv4/devinet.c): `inet_rtm_newaddr()` with its
 * unlocked validation (`inet_validate_rtm()`) and `inet_rtm_to_ifa()`, and `inet_rtm_deladdr()`.
 * Both are RTNL_FLAG_DOIT_PERNET in Linux 6.18: the strategy takes RTNL (and, where it models
 * one, the namespace's own) around the doit; the validation runs before, in the `prepare` stage.
 */
import {
  addrAttrs,
  type DoitRequest,
  decodeIfAddrMsg,
  Errno,
  ErrnoError,
  failAt,
  IFA,
  IFADDRMSG_LEN,
  type Net,
  NL_VALIDATE,
  NLM_F,
  NLMSG_HDRLEN,
  type Nlattr,
  overridePolicy,
  type ParsedAttrs,
  type Prepared,
  RTM,
} from '@rtnlkit/core';
import { linkTable } from '../link/table';
import { inetFibHooks } from './fib-hooks';
import type { IfaOrigin } from './fill';
import { rtmsgIfa } from './fill';
import { inetAllocIfa, inetDelIfa, inetInsertIfa, setIfaLifetime } from './ifa';
import { INFINITY_LIFE_TIME, type InIfaddr, inDevGet, inetIfaMatch, inetMakeMask } from './in-device';
import { addrChkSchedule } from './lifetime';

const IFNAMSIZ = 16;

/** `ifa_ipv4_policy`. */
export const ifaIpv4Policy = overridePolicy(addrAttrs, {
  local: { nla: 'u32' },
  address: { nla: 'u32' },
  broadcast: { nla: 'u32' },
  label: { nla: 'string', len: IFNAMSIZ - 1 },
  cacheinfo: { nla: 'unspec', len: 16 },
  flags: { nla: 'u32' },
  'rt-priority': { nla: 'u32' },
  'target-netnsid': { nla: 's32' },
  proto: { nla: 'u8' },
  anycast: null,
  multicast: null,
});

/** `nla_get_in_addr()`: a big-endian IPv4 address as a u32. */
export function inAddr(attr: Nlattr): number {
  const d = attr.data;
  return (((d[0] ?? 0) << 24) | ((d[1] ?? 0) << 16) | ((d[2] ?? 0) << 8) | (d[3] ?? 0)) >>> 0;
}

function u32(attr: Nlattr): number {
  const d = attr.data;
  return new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(0, true);
}

/** What `inet_validate_rtm()` found, for the doit. */
interface ValidatedAddr {
  readonly tb: ParsedAttrs;
  readonly validLft: number;
  readonly preferredLft: number;
}

/**
 * `inet_validate_rtm()`: parse (`nlmsg_parse_deprecated`), then EINVAL "ipv4: Invalid prefix
 * length" above 32, "ipv4: Local address is not supplied" without IFA_LOCAL, "ipv4: address
 * lifetime invalid" for a valid lifetime of 0 or a preferred one longer than the valid one.
 */
function inetValidateRtm(req: DoitRequest): ValidatedAddr {
  const tb = req.parse(IFADDRMSG_LEN, ifaIpv4Policy, NL_VALIDATE.LIBERAL);
  const ifm = decodeIfAddrMsg(req.message, NLMSG_HDRLEN);
  if (ifm.prefixlen > 32) throw new ErrnoError(Errno.EINVAL, 'ipv4: Invalid prefix length');
  if (!tb.tb[IFA.LOCAL]) throw new ErrnoError(Errno.EINVAL, 'ipv4: Local address is not supplied');
  let validLft = INFINITY_LIFE_TIME;
  let preferredLft = INFINITY_LIFE_TIME;
  const ci = tb.tb[IFA.CACHEINFO];
  if (ci) {
    const v = new DataView(ci.data.buffer, ci.data.byteOffset, ci.data.byteLength);
    preferredLft = v.getUint32(0, true);
    validLft = v.getUint32(4, true);
    if (!validLft || preferredLft > validLft) throw new ErrnoError(Errno.EINVAL, 'ipv4: address lifetime invalid');
  }
  return { tb, validLft, preferredLft };
}

/** The unlocked stage of RTM_NEWADDR: `inet_validate_rtm()`. */
export function inetRtmNewaddrPrepare(req: DoitRequest): Prepared {
  return { data: inetValidateRtm(req) };
}

function originOf(req: DoitRequest): IfaOrigin {
  return { header: req.header, portId: req.socket.portId };
}

/** `inet_rtm_to_ifa()`: ENODEV "ipv4: Device not found", ENOBUFS for a device without IPv4. */
function inetRtmToIfa(req: DoitRequest, tb: ParsedAttrs): InIfaddr {
  const ifm = decodeIfAddrMsg(req.message, NLMSG_HDRLEN);
  const dev = linkTable(req.net).getByIndex(ifm.index);
  if (!dev) throw new ErrnoError(Errno.ENODEV, 'ipv4: Device not found');
  const inDev = inDevGet(dev);
  if (!inDev) throw new ErrnoError(Errno.ENOBUFS);
  const local = inAddr(tb.tb[IFA.LOCAL] as Nlattr);
  const { [IFA.ADDRESS]: addressAttr, [IFA.FLAGS]: flagsAttr, [IFA.LABEL]: label } = tb.tb;
  const { [IFA.BROADCAST]: broadcast, [IFA.RT_PRIORITY]: rtPriority, [IFA.PROTO]: proto } = tb.tb;
  const address = addressAttr ? inAddr(addressAttr) : local;
  // inet_alloc_ifa(): "if (!ifa) return ERR_PTR(-ENOBUFS)".
  failAt(req.rtnl, 'inet_rtm_to_ifa:inet_alloc_ifa', 'alloc', Errno.ENOBUFS);
  return inetAllocIfa(inDev, {
    local,
    address,
    prefixlen: ifm.prefixlen,
    mask: inetMakeMask(ifm.prefixlen),
    broadcast: broadcast ? inAddr(broadcast) : 0,
    scope: ifm.scope,
    flags: flagsAttr ? u32(flagsAttr) : ifm.flags,
    label: label ? nlaString(label) : dev.name,
    rtPriority: rtPriority ? u32(rtPriority) : 0,
    proto: proto ? (proto.data[0] ?? 0) : 0,
  });
}

/** `nla_strscpy()` into IFNAMSIZ: up to the first NUL, at most 15 bytes. */
function nlaString(attr: Nlattr): string {
  let end = attr.data.indexOf(0);
  if (end < 0) end = attr.data.length;
  return new TextDecoder().decode(attr.data.subarray(0, Math.min(end, IFNAMSIZ - 1)));
}

/** `find_matching_ifa()`: same mask, same subnet, same local address. */
function findMatchingIfa(ifa: InIfaddr): InIfaddr | undefined {
  return ifa.inDev.ifaList.find(
    (ifa1) => ifa1.mask === ifa.mask && inetIfaMatch(ifa1.address, ifa) && ifa1.local === ifa.local,
  );
}

/**
 * `inet_rtm_newaddr()`: IFA_LOCAL 0.0.0.0 is silently ignored; a new address is inserted
 * (NLM_F_CREATE is not required: "userspace already relies on not having to provide this"); an
 * existing one is EEXIST "ipv4: Address already assigned" unless NLM_F_REPLACE without
 * NLM_F_EXCL, which updates its metric (moving its prefix route), proto and lifetimes and announces
 * it again.
 */
export async function inetRtmNewaddr(req: DoitRequest): Promise<void> {
  const { tb, validLft, preferredLft } = (req.prepared?.data as ValidatedAddr | undefined) ?? inetValidateRtm(req);
  if (inAddr(tb.tb[IFA.LOCAL] as Nlattr) === 0) return;
  const ifa = inetRtmToIfa(req, tb);
  const existing = findMatchingIfa(ifa);
  if (!existing) {
    setIfaLifetime(req.rtnl, ifa, validLft, preferredLft);
    await inetInsertIfa(req.rtnl, ifa, originOf(req));
    return;
  }
  if (req.header.flags & NLM_F.EXCL || !(req.header.flags & NLM_F.REPLACE))
    throw new ErrnoError(Errno.EEXIST, 'ipv4: Address already assigned');
  if (existing.rtPriority !== ifa.rtPriority) {
    await inetFibHooks(req.rtnl)?.modifyPrefixMetric(existing, ifa.rtPriority);
    existing.rtPriority = ifa.rtPriority;
  }
  existing.proto = ifa.proto;
  setIfaLifetime(req.rtnl, existing, validLft, preferredLft);
  addrChkSchedule(req.rtnl, existing.inDev.dev.net as Net, 0);
  rtmsgIfa(req.rtnl, RTM.NEWADDR, existing, originOf(req));
}

/** The unlocked stage of RTM_DELADDR: `nlmsg_parse_deprecated()`. */
export function inetRtmDeladdrPrepare(req: DoitRequest): Prepared {
  return { data: req.parse(IFADDRMSG_LEN, ifaIpv4Policy, NL_VALIDATE.LIBERAL) };
}

/**
 * `inet_rtm_deladdr()`: ENODEV "ipv4: Device not found" without the device (or its in_device);
 * the first address that matches every given key (IFA_LOCAL; IFA_LABEL; IFA_ADDRESS with the
 * header's prefix length, in its subnet) goes; none: EADDRNOTAVAIL "ipv4: Address not found".
 */
export async function inetRtmDeladdr(req: DoitRequest): Promise<void> {
  const tb = (req.prepared?.data as ParsedAttrs | undefined) ?? req.parse(IFADDRMSG_LEN, ifaIpv4Policy, 0);
  const ifm = decodeIfAddrMsg(req.message, NLMSG_HDRLEN);
  const dev = linkTable(req.net).getByIndex(ifm.index);
  const inDev = dev && inDevGet(dev);
  if (!inDev) throw new ErrnoError(Errno.ENODEV, 'ipv4: Device not found');
  const local = tb.tb[IFA.LOCAL];
  const label = tb.tb[IFA.LABEL];
  const address = tb.tb[IFA.ADDRESS];
  for (const ifa of inDev.ifaList) {
    if (local && ifa.local !== inAddr(local)) continue;
    if (label && nlaString(label) !== ifa.label) continue;
    if (address && (ifm.prefixlen !== ifa.prefixlen || !inetIfaMatch(inAddr(address), ifa))) continue;
    await inetDelIfa(req.rtnl, ifa, originOf(req));
    return;
  }
  throw new ErrnoError(Errno.EADDRNOTAVAIL, 'ipv4: Address not found');
}
