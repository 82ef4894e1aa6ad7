/** How ip(8) reports failures, and the exit codes it uses for them. */
import { errnoName } from '@rtnlkit/core';

/** A failure to print and exit with: ip exits 1 for usage and lookups, 2 for a refused request. */
export class IpError extends Error {
  override readonly name = 'IpError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** glibc's strerror() for the errnos rtnetlink answers with (iproute2 prints these). */
const STRERROR: Readonly<Record<string, string>> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EIO: 'Input/output error',
  ENXIO: 'No such device or address',
  E2BIG: 'Argument list too long',
  ENOMEM: 'Cannot allocate memory',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EINVAL: 'Invalid argument',
  ENFILE: 'Too many open files in system',
  ENOSPC: 'No space left on device',
  ERANGE: 'Numerical result out of range',
  EDEADLK: 'Resource deadlock avoided',
  ENAMETOOLONG: 'File name too long',
  ENOBUFS: 'No buffer space available',
  EOPNOTSUPP: 'Operation not supported',
  EPROTONOSUPPORT: 'Protocol not supported',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ENETDOWN: 'Network is down',
  ENETUNREACH: 'Network is unreachable',
  ENOTCONN: 'Transport endpoint is not connected',
  ECONNRESET: 'Connection reset by peer',
  EMSGSIZE: 'Message too long',
  ENOTSUP: 'Operation not supported',
  ENOPROTOOPT: 'Protocol not available',
};

export function strerror(errno: number): string {
  const name = errnoName(errno);
  return (name && STRERROR[name]) ?? `Unknown error ${errno}`;
}

/** What iproute2 prints for an error answer: the extack message if any, else strerror. */
export function answerError(errno: number, extack: string | undefined): IpError {
  return new IpError(extack ? `Error: ${extack}.` : `RTNETLINK answers: ${strerror(errno)}`, 2);
}
