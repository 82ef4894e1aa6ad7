/**
 * The IPv4 FIB's numbers (include/uapi/linux/rtnetlink.h, net/ipv4/fib_semantics.c): table ids,
 * scopes, protocols, rtm flags, nexthop flags and `fib_props[]` (what each route type means to a
 * lookup).
 */
import { Errno, RTN } from '@rtnlkit/core';

/** `enum rt_class_t`. */
export const RT_TABLE = { UNSPEC: 0, COMPAT: 252, DEFAULT: 253, MAIN: 254, LOCAL: 255 } as const;

/** `enum rt_scope_t`. */
export const RT_SCOPE = { UNIVERSE: 0, SITE: 200, LINK: 253, HOST: 254, NOWHERE: 255 } as const;

/** `RTPROT_*`. */
export const RTPROT = { UNSPEC: 0, REDIRECT: 1, KERNEL: 2, BOOT: 3, STATIC: 4 } as const;

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
