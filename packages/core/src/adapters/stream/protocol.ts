/**
 * rtnetlink over a byte stream (a Unix or TCP socket), for serving one rtnlkit instance to other
 * processes. The bytes are netlink messages exactly as in datagrams: each takes
 * NLMSG_ALIGN(nlmsg_len) bytes (its length, then the padding to 4), and a reader splits the
 * stream by those lengths. A connection is one netlink socket with its own port id.
 *
 * What a datagram socket gets from the kernel outside messages travels as messages of netlink's
 * control range (types below NLMSG_MIN_TYPE), which the kernel never sends or accepts there:
 * - server → client, first: NLMSG_NOOP whose nlmsg_pid is the connection's port id
 *   (what getsockname() tells a netlink socket);
 * - client → server: {@link NLSTREAM.SETSOCKOPT}, `setsockopt(SOL_NETLINK, optname, value)` as
 *   two u32 (optname, value), answered by NLMSG_ERROR with 0 or the errno, like any ACK;
 * - server → client: NLMSG_ERROR with -ENOBUFS, seq 0 and a zeroed request header when
 *   notifications were lost because the client read too slowly (what recvmsg() returns after a
 *   netlink overrun).
 */
export const NLSTREAM = {
  /** client → server: setsockopt(SOL_NETLINK, optname, value); payload u32 optname, u32 value. */
  SETSOCKOPT: 0x0e,
} as const;

/** The largest message either side accepts unless told otherwise (the kernel's default sndbuf). */
export const NLSTREAM_MAX_MESSAGE = 212_992;
