/**
 * The IPv4 FIB's numbers (include/uapi/linux/rtnetlink.h, net/ipv4/fib_semantics.c): table ids,
 * scopes, protocols, rtm flags, nexthop flags and `fib_props[]` (what each route type means to a
 * lookup).
 */
import { Errno, RT_SCOPE, RT_TABLE, RTN, RTPROT } from '@rtnlkit/core';

// The uapi numbers the FIB shares with addresses live in core; re-exported for the FIB's users.
export { RT_SCOPE, RT_TABLE, RTPROT };

/** `RTM_F_*`: rtm_flags. */
export const RTM_F = {
  NOTIFY: 0x100,
  CLONED: 0x200,
  EQUALIZE: 0x400,
  PREFIX: 0x800,
  LOOKUP_TABLE: 0x1000,
  FIB_MATCH: 0x2000,
  OFFLOAD: 0x4000,
  TRAP: 0x8000,
  OFFLOAD_FAILED: 0x20000000,
} as const;

/** `RTNH_F_*`: nexthop flags (also the low byte of rtm_flags). */
export const RTNH_F = { DEAD: 1, PERVASIVE: 2, ONLINK: 4, OFFLOAD: 8, LINKDOWN: 16, UNRESOLVED: 32, TRAP: 64 } as const;

/** `RTN_MAX`. */
export const RTN_MAX = RTN.XRESOLVE;

/** `sizeof(struct rtnexthop)`: len u16, flags u8, hops u8, ifindex s32. */
export const RTNH_LEN = 8;

/**
 * `fib_props[]`: the smallest scope a route of each type may have, and the errno a lookup that
 * lands on it returns (0: forwardable). Indexed by RTN_*.
 */
export const FIB_PROPS: readonly { readonly error: number; readonly scope: number }[] = [
  { error: 0, scope: RT_SCOPE.NOWHERE }, // UNSPEC
  { error: 0, scope: RT_SCOPE.UNIVERSE }, // UNICAST
  { error: 0, scope: RT_SCOPE.HOST }, // LOCAL
  { error: 0, scope: RT_SCOPE.LINK }, // BROADCAST
  { error: 0, scope: RT_SCOPE.LINK }, // ANYCAST
  { error: 0, scope: RT_SCOPE.UNIVERSE }, // MULTICAST
  { error: Errno.EINVAL, scope: RT_SCOPE.UNIVERSE }, // BLACKHOLE
  { error: Errno.EHOSTUNREACH, scope: RT_SCOPE.UNIVERSE }, // UNREACHABLE
  { error: Errno.EACCES, scope: RT_SCOPE.UNIVERSE }, // PROHIBIT
  { error: Errno.EAGAIN, scope: RT_SCOPE.UNIVERSE }, // THROW
  { error: Errno.EINVAL, scope: RT_SCOPE.NOWHERE }, // NAT
  { error: Errno.EINVAL, scope: RT_SCOPE.NOWHERE }, // XRESOLVE
];
