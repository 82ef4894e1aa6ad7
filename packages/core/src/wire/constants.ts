/**
 * Netlink and rtnetlink constants that the YNL specs do not carry: the netlink header and its
 * flags, control message types, extended ACK attributes and socket options
 * (include/uapi/linux/netlink.h), address families and the rtnetlink message layout
 * (include/uapi/linux/rtnetlink.h). Byte order is the host's; rtnlkit models little-endian hosts.
 */

export const NLMSG_ALIGNTO = 4;
export const NLMSG_HDRLEN = 16;
export const NLA_ALIGNTO = 4;
export const NLA_HDRLEN = 4;

export const NLA_F_NESTED = 1 << 15;
export const NLA_F_NET_BYTEORDER = 1 << 14;
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

/** nlmsg_flags. Several values mean different things for GET, NEW, DEL and ACK messages. */
export const NLM_F = {
  REQUEST: 0x01,
  MULTI: 0x02,
  ACK: 0x04,
  ECHO: 0x08,
  DUMP_INTR: 0x10,
  DUMP_FILTERED: 0x20,
  // GET
  ROOT: 0x100,
  MATCH: 0x200,
  ATOMIC: 0x400,
  DUMP: 0x300,
  // NEW
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
  // DELETE
  NONREC: 0x100,
  BULK: 0x200,
  // ACK
  CAPPED: 0x100,
  ACK_TLVS: 0x200,
} as const;

/** Control message types (below NLMSG_MIN_TYPE the kernel never dispatches). */
export const NLMSG = { NOOP: 1, ERROR: 2, DONE: 3, OVERRUN: 4, MIN_TYPE: 0x10 } as const;

/** `enum nlmsgerr_attrs`: the TLVs after an NLMSG_ERROR with NLM_F_ACK_TLVS. */
export const NLMSGERR_ATTR = {
  UNUSED: 0,
  MSG: 1,
  OFFS: 2,
  COOKIE: 3,
  POLICY: 4,
  MISS_TYPE: 5,
  MISS_NEST: 6,
} as const;

/** Netlink socket options (SOL_NETLINK). */
export const NETLINK_OPT = {
  ADD_MEMBERSHIP: 1,
  DROP_MEMBERSHIP: 2,
  PKTINFO: 3,
  BROADCAST_ERROR: 4,
  NO_ENOBUFS: 5,
  LISTEN_ALL_NSID: 8,
  LIST_MEMBERSHIPS: 9,
  CAP_ACK: 10,
  EXT_ACK: 11,
  GET_STRICT_CHK: 12,
} as const;

/** Address families used by rtnetlink. */
export const AF = { UNSPEC: 0, INET: 2, BRIDGE: 7, INET6: 10, PACKET: 17 } as const;
export const PF = AF;

/** First rtnetlink message type; the kind of a type is `(type - RTM_BASE) & 3`. */
export const RTM_BASE = 16;
/** `((__RTM_MAX + 3) & ~3) - 1` with RTM_GETTUNNEL (122) the last type, as in Linux 6.18. */
export const RTM_MAX = 123;
export const RTNL_FAMILY_MAX = 129;

/** `rtnl_msgtype_kind()`: what a message type does, which decides the permission check. */
export const RTNL_KIND = { NEW: 0, DEL: 1, GET: 2, SET: 3 } as const;
export type RtnlKind = (typeof RTNL_KIND)[keyof typeof RTNL_KIND];

export function rtnlMsgtypeKind(type: number): RtnlKind {
  return ((type - RTM_BASE) & 3) as RtnlKind;
}

/**
 * `enum rtnl_link_flags`: handler flags. In the kernel DOIT_PERNET and DOIT_PERNET_WIP are
 * DOIT_UNLOCKED itself, and the handler then calls `rtnl_net_lock(net)`. rtnlkit's handlers never
 * take the big lock themselves, so here the two carry DOIT_UNLOCKED (the dispatcher sees exactly
 * the kernel's flag) plus a model-only marker bit above the kernel's that tells strategies to take
 * the namespace's RTNL for them.
 */
export const RTNL_FLAG = {
  DOIT_UNLOCKED: 1 << 0,
  DOIT_PERNET: (1 << 0) | (1 << 16),
  DOIT_PERNET_WIP: (1 << 0) | (1 << 17),
  BULK_DEL_SUPPORTED: 1 << 1,
  DUMP_UNLOCKED: 1 << 2,
  DUMP_SPLIT_NLM_DONE: 1 << 3,
} as const;

/** The model-only markers of DOIT_PERNET and DOIT_PERNET_WIP (see {@link RTNL_FLAG}). */
export const RTNL_FLAG_PERNET_MARK = (1 << 16) | (1 << 17);

/**
 * Multicast groups (`enum rtnetlink_groups`). The specs name LINK and the address groups;
 * IPV4_ROUTE (7) and IPV4_NETCONF (24) come from include/uapi/linux/rtnetlink.h.
 */
export const RTNLGRP = {
  NONE: 0,
  LINK: 1,
  NOTIFY: 2,
  NEIGH: 3,
  TC: 4,
  IPV4_IFADDR: 5,
  IPV4_MROUTE: 6,
  IPV4_ROUTE: 7,
  IPV4_RULE: 8,
  IPV6_IFADDR: 9,
  IPV4_NETCONF: 24,
  STATS: 36,
} as const;

/** `enum rt_class_t`: the reserved routing table ids. */
export const RT_TABLE = { UNSPEC: 0, COMPAT: 252, DEFAULT: 253, MAIN: 254, LOCAL: 255 } as const;

/** `enum rt_scope_t`: route and address scopes (shared by rtmsg and ifaddrmsg). */
export const RT_SCOPE = { UNIVERSE: 0, SITE: 200, LINK: 253, HOST: 254, NOWHERE: 255 } as const;

/** `RTPROT_*`: who installed a route (rtm_protocol); the values up to STATIC are the kernel's own. */
export const RTPROT = { UNSPEC: 0, REDIRECT: 1, KERNEL: 2, BOOT: 3, STATIC: 4 } as const;

/** Size of a dump buffer before the reader has said how much it reads: SKB_WITH_OVERHEAD(4096). */
export const NLMSG_GOODSIZE = 3776;
/** The most a reader's recvmsg() size raises the dump buffer to (`max_recvmsg_len` cap). */
export const NETLINK_MAX_RECVMSG_LEN = 32768;
/** net.core.rmem_default / wmem_default. */
export const NETLINK_DEFAULT_RCVBUF = 212992;
export const NETLINK_DEFAULT_SNDBUF = 212992;

export const nlmsgAlign = (len: number): number => (len + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1);
export const nlaAlign = (len: number): number => (len + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1);
