/**
 * `struct fib_config` and `rtm_to_fib_config()` (net/ipv4/fib_frontend.c): an RTM_NEWROUTE or
 * RTM_DELROUTE request turned into what `fib_table_insert` / `fib_table_delete` take. Runs before
 * any lock, as the kernel's per-netns handlers parse before `rtnl_net_lock()`.
 */
import {
  decodeRtMsg,
  Errno,
  ErrnoError,
  NL_VALIDATE,
  NLMSG_HDRLEN,
  overridePolicy,
  type ParsedAttrs,
  RTA,
  RTMSG_LEN,
  routeAttrs,
} from '@rtnlkit/core';
import { RT_TABLE, RTN_MAX, RTNH_LEN } from './constants';

/** `rtm_ipv4_policy`: addresses are NLA_U32, RTA_MULTIPATH at least one rtnexthop. */
export const rtmIpv4Policy = overridePolicy(routeAttrs, {
  dst: { nla: 'u32' },
  src: { nla: 'u32' },
  gateway: { nla: 'u32' },
  prefsrc: { nla: 'u32' },
  multipath: { nla: 'binary', minLen: RTNH_LEN },
  metrics: { nested: undefined },
  // Not in rtm_ipv4_policy (NLA_UNSPEC there): any length.
  cacheinfo: null,
  'mp-algo': { nla: 'unspec' },
  encap: { nla: 'nested', nested: undefined },
  via: { nla: 'unspec' },
});

/** One nexthop as configured (`struct rtnexthop` + its RTA_GATEWAY, or the single-path fields). */
export interface NhConfig {
  readonly oif: number;
  readonly gw: number;
  /** RTNH_F_* asked for (ONLINK). */
  readonly flags: number;
  readonly weight: number;
}

/** `struct fib_config`. */
export interface FibConfig {
  tos: number;
  dstLen: number;
  /** RTA_DST, host order. */
  dst: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  /** rtm_flags. */
  flags: number;
  /** nlmsg_flags of the request. */
  nlFlags: number;
  oif: number;
  gw: number;
  hasGw: boolean;
  priority: number;
  prefsrc: number;
  nhId: number;
  /** The nexthops of RTA_MULTIPATH (undefined: single path); see {@link parseMultipath}. */
  mp: NhConfig[] | undefined;
  /** RTA_MULTIPATH as received: `fib_create_info()` parses it, after its scope checks. */
  mpRaw: Uint8Array | undefined;
  /** The requester (`fc_nlinfo`): port id and request header, for the notifications. */
  portId: number;
  seq: number;
  /** NLM_F_ECHO on the request. */
  echo: boolean;
}

/** A `fib_config` with the defaults `fib_magic()` and tests start from. */
export function fibConfig(fields: Partial<FibConfig>): FibConfig {
  return {
    tos: 0,
    dstLen: 0,
    dst: 0,
    table: RT_TABLE.MAIN,
    protocol: 0,
    scope: 0,
    type: 1,
    flags: 0,
    nlFlags: 0,
    oif: 0,
    gw: 0,
    hasGw: false,
    priority: 0,
    prefsrc: 0,
    nhId: 0,
    mp: undefined,
    mpRaw: undefined,
    portId: 0,
    seq: 0,
    echo: false,
    ...fields,
  };
}

/** `inet_validate_dscp()`: the two ECN bits must be clear. */
function validDscp(tos: number): boolean {
  return (tos & 0x3) === 0;
}

/**
 * `fib_count_nexthops()` + the walk of `fib_get_nhs()`: each `struct rtnexthop` (len u16,
 * flags u8, hops u8, ifindex s32) and its RTA_GATEWAY. Extra bytes after the last: EINVAL.
 */
export function parseMultipath(data: Uint8Array, cfgFlags: number): NhConfig[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const nhs: NhConfig[] = [];
  let at = 0;
  while (data.byteLength - at >= RTNH_LEN) {
    const len = view.getUint16(at, true);
    if (len < RTNH_LEN || len > data.byteLength - at) break;
    const flags = view.getUint8(at + 2);
    const hops = view.getUint8(at + 3);
    const oif = view.getInt32(at + 4, true);
    let gw = 0;
    for (let a = at + RTNH_LEN; a + 4 <= at + len; ) {
      const alen = view.getUint16(a, true);
      const atype = view.getUint16(a + 2, true) & 0x3fff;
      if (alen < 4 || a + alen > at + len) break;
      if (atype === RTA.GATEWAY) {
        if (alen < 8) throw new ErrnoError(Errno.EINVAL, 'Invalid IPv4 address in RTA_GATEWAY');
        gw = view.getUint32(a + 4, false);
      }
      a += (alen + 3) & ~3;
    }
    nhs.push({ oif, gw, flags: (cfgFlags & ~0xff) | flags, weight: hops + 1 });
    at += (len + 3) & ~3;
  }
  if (at < data.byteLength)
    throw new ErrnoError(Errno.EINVAL, 'Invalid nexthop configuration - extra data after nexthops');
  if (nhs.length === 0) throw new ErrnoError(Errno.EINVAL);
  return nhs;
}

/** `rtm_to_fib_config()`: EINVAL with the kernel's extack for a bad header or attribute mix. */
export function rtmToFibConfig(
  message: Uint8Array,
  parse: (hdrlen: number) => ParsedAttrs,
  requester: { portId: number },
): FibConfig {
  const tb = parse(RTMSG_LEN);
  const rtm = decodeRtMsg(message, NLMSG_HDRLEN);
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  if (!validDscp(rtm.tos)) throw new ErrnoError(Errno.EINVAL, 'Invalid dsfield (tos): ECN bits must be 0');
  const cfg = fibConfig({
    tos: rtm.tos,
    dstLen: rtm.dstLen,
    table: rtm.table,
    protocol: rtm.protocol,
    scope: rtm.scope,
    type: rtm.type,
    flags: rtm.flags,
    nlFlags: view.getUint16(6, true),
    portId: requester.portId,
    seq: view.getUint32(8, true),
    echo: (view.getUint16(6, true) & 0x8) !== 0,
  });
  if (cfg.type > RTN_MAX) throw new ErrnoError(Errno.EINVAL, 'Invalid route type');
  const be32 = (type: number): number => {
    const a = tb.tb[type];
    return a ? new DataView(a.data.buffer, a.data.byteOffset, 4).getUint32(0, false) : 0;
  };
  const u32 = (type: number): number => {
    const a = tb.tb[type];
    return a ? new DataView(a.data.buffer, a.data.byteOffset, 4).getUint32(0, true) : 0;
  };
  let hasVia = false;
  if (tb.tb[RTA.DST]) cfg.dst = be32(RTA.DST);
  if (tb.tb[RTA.OIF]) cfg.oif = u32(RTA.OIF);
  if (tb.tb[RTA.GATEWAY]) {
    cfg.hasGw = true;
    cfg.gw = be32(RTA.GATEWAY);
  }
  const via = tb.tb[RTA.VIA];
  if (via) {
    // fib_gw_from_via(): struct rtvia { family u16, addr[] }. rtnlkit models IPv4 gateways only:
    // an IPv6 one (which Linux accepts for IPv4 routes) is refused here.
    hasVia = true;
    if (via.data.byteLength < 2) throw new ErrnoError(Errno.EINVAL, 'Invalid attribute length for RTA_VIA');
    const family = (via.data[0] as number) | ((via.data[1] as number) << 8);
    if (family !== 2) throw new ErrnoError(Errno.EINVAL, 'Unsupported address family in RTA_VIA');
    if (via.data.byteLength - 2 !== 4) throw new ErrnoError(Errno.EINVAL, 'Invalid IPv4 address in RTA_VIA');
    cfg.gw = new DataView(via.data.buffer, via.data.byteOffset + 2, 4).getUint32(0, false);
  }
  if (tb.tb[RTA.PRIORITY]) cfg.priority = u32(RTA.PRIORITY);
  if (tb.tb[RTA.PREFSRC]) cfg.prefsrc = be32(RTA.PREFSRC);
  const mp = tb.tb[RTA.MULTIPATH];
  if (mp) cfg.mpRaw = mp.data;
  if (tb.tb[RTA.TABLE]) cfg.table = u32(RTA.TABLE);
  if (tb.tb[RTA.NH_ID]) cfg.nhId = u32(RTA.NH_ID);
  if (cfg.nhId && (cfg.oif || cfg.gw || cfg.mpRaw))
    throw new ErrnoError(Errno.EINVAL, 'Nexthop specification and nexthop id are mutually exclusive');
  if (cfg.hasGw && hasVia)
    throw new ErrnoError(Errno.EINVAL, 'Nexthop configuration can not contain both GATEWAY and VIA');
  if (!cfg.table) cfg.table = RT_TABLE.MAIN;
  return cfg;
}

/** The validation `rtm_to_fib_config()` asks of `nlmsg_validate_deprecated()`. */
export const ROUTE_VALIDATE = NL_VALIDATE.LIBERAL;
