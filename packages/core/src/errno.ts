/**
 * Linux errno numbers and the error that carries one.
 *
 * The kernel returns `-EINVAL` and friends; rtnlkit keeps the number positive (as userspace sees
 * it in `nlmsgerr.error` after negation) and lets the wire codec add the sign. Values are the
 * generic ones from `include/uapi/asm-generic/errno-base.h` and `errno.h`, which x86-64 uses.
 */
import type { AttrSpec } from './wire/attr-types';

export const Errno = Object.freeze({
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOSPC: 28,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENODATA: 61,
  ETIME: 62,
  EPROTO: 71,
  EMSGSIZE: 90,
  ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ECONNRESET: 104,
  ENOBUFS: 105,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  ECANCELED: 125,
} as const);

export type ErrnoName = keyof typeof Errno;

const namesByNumber: ReadonlyMap<number, ErrnoName> = new Map(
  (Object.entries(Errno) as [ErrnoName, number][]).map(([name, value]) => [value, name]),
);

/** The kernel name of a positive errno (`22` → `'EINVAL'`), or undefined if rtnlkit does not know it. */
export function errnoName(n: number): ErrnoName | undefined {
  return namesByNumber.get(n);
}

/**
 * An operation failed with a Linux errno, optionally with the extended-ack message the kernel
 * would put in `NLMSGERR_ATTR_MSG`. `errno` is positive; a value that is not a positive integer
 * is a bug in the caller (often a kernel-style `-EINVAL` passed through) and throws a RangeError.
 */
export class ErrnoError extends Error {
  override readonly name = 'ErrnoError';
  readonly errno: number;
  // `declare` keeps the property absent (not `undefined`) when no extack is given.
  declare readonly extack?: string;
  /**
   * Where the offending attribute starts, counted from the start of the netlink message header
   * (`NLMSGERR_ATTR_OFFS`); set by attribute validation and by handlers that name an attribute.
   */
  declare readonly offset?: number;
  /**
   * The policy the offending attribute failed (`NL_SET_ERR_MSG_ATTR_POL`): the answer describes it
   * in NLMSGERR_ATTR_POLICY.
   */
  declare readonly policy?: AttrSpec;

  constructor(errno: number, extack?: string, details: { offset?: number; policy?: AttrSpec } = {}) {
    if (!Number.isInteger(errno) || errno <= 0) {
      throw new RangeError(`ErrnoError needs a positive integer errno, got ${errno}`);
    }
    const label = errnoName(errno) ?? `errno ${errno}`;
    super(extack === undefined ? label : `${label}: ${extack}`);
    this.errno = errno;
    if (extack !== undefined) this.extack = extack;
    if (details.offset !== undefined) this.offset = details.offset;
    if (details.policy !== undefined) this.policy = details.policy;
  }
}
