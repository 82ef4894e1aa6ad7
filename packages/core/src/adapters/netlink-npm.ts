/**
 * Running the `netlink` npm package (netlink@0.3.0) unchanged against rtnlkit: {@link NetlinkNpmSocket}
 * looks like the package's native `RawNetlinkSocket` (the only layer that touches the kernel), but
 * sends to and reads from an rtnlkit {@link NetlinkSocket} instead. Core does not depend on the
 * package; you import it yourself and hand it the adapter:
 *
 * ```ts
 * import { NetlinkSocket, RtNetlinkSocket } from 'netlink';
 * import { NetlinkNpmSocket } from '@rtnlkit/core';
 *
 * const sock = rtnl.socket({ admin: true });            // an rtnlkit socket
 * const nl = new NetlinkSocket(new NetlinkNpmSocket(sock) as never, {});
 * const rt = new RtNetlinkSocket(nl);
 * const links = await rt.getLinks();                    // answered by rtnlkit's handlers
 * ```
 *
 * (`as never`: the package's `RawNetlinkSocket` has a private member, so TypeScript will not accept
 * any other class in its place.) {@link createRtNetlinkSocket} does those two lines for you.
 */
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { Errno, ErrnoError, errnoName } from '../errno';
import type { NetlinkSocket } from '../rtnetlink/socket';

/** The `rinfo` of a received datagram: the sender's port id (0: the kernel) and groups. */
export interface NetlinkNpmMessageInfo {
  port: number;
  groups: number;
  /** On 'truncatedMessage': the datagram's real length. */
  truncated?: number;
}

/** The options netlink@0.3.0 passes to `send`: the destination port id and groups. */
export interface NetlinkNpmSendOptions {
  port?: number;
  groups?: number;
}

export interface NetlinkNpmSocketOptions {
  /**
   * Like the native socket's `msgBufferSize` with `messagePeeking: false`: every read offers this
   * many bytes (so dump passes are sized by it, from NLMSG_GOODSIZE up to 32 KiB), and a longer
   * datagram is cut to it and emitted as `'truncatedMessage'` with `rinfo.truncated` set to its
   * real length. Default: message peeking, as the native socket does by default: nothing is
   * truncated, and each read offers the largest datagram read so far (peeking first offers one
   * byte, then exactly the datagram's size), which is what decides the kernel's dump buffers.
   */
  msgBufferSize?: number;
  /**
   * Called with an error the adapter could not hand to anybody: it had no 'error' listener, or
   * emitting it threw (netlink@0.3.0 re-emits 'error' on its own socket, which throws when that
   * has no listener either). Default: `process.emitWarning`. The reader loop never dies of it.
   */
  onUnhandledError?: (error: unknown) => void;
}

/**
 * The error the adapter reports, shaped like the package's native `ErrnoException`: `errno` is
 * the positive Linux errno, `code` its name, `syscall` what failed; `cause` is rtnlkit's error.
 */
export class NetlinkNpmErrnoException extends Error {
  override readonly name = 'ErrnoException';
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;

  constructor(errno: number, syscall: string, message: string, options: { cause?: unknown } = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.errno = errno;
    this.code = errnoName(errno) ?? `errno ${errno}`;
    this.syscall = syscall;
  }

  /** Wraps what an rtnlkit call threw; anything but an ErrnoError (a bug) becomes EIO. */
  static from(error: unknown, syscall: string, what: string): NetlinkNpmErrnoException {
    if (error instanceof NetlinkNpmErrnoException) return error;
    const errno = error instanceof ErrnoError ? error.errno : Errno.EIO;
    const detail = error instanceof Error ? error.message : String(error);
    return new NetlinkNpmErrnoException(errno, syscall, `${what}: ${detail}`, { cause: error });
  }
}

const KERNEL: Readonly<NetlinkNpmMessageInfo> = Object.freeze({ port: 0, groups: 0 });

const isErrno = (error: unknown, errno: number): boolean => error instanceof ErrnoError && error.errno === errno;

const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

function expectNumber(value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError('Expected number');
}

/**
 * netlink@0.3.0's `RawNetlinkSocket` on top of an rtnlkit socket.
 *
 * - Receiving: one reader loop pulls datagrams with `socket.recv()` (which also runs the next pass
 *   of a dump in progress) and emits `'message'` with a fresh Node `Buffer` and `{ port: 0,
 *   groups: 0 }`, the kernel as sender (see {@link NetlinkNpmSocketOptions.msgBufferSize} for how
 *   much each read offers, which sizes dump buffers as in the kernel). It starts on the first
 *   `send()` or `addMembership()` (or {@link start}) and ends when the socket closes. ENOBUFS
 *   (notifications were dropped) is emitted as `'error'` and reading goes on, as with the native
 *   socket; any other failure, and any exception a `'message'` listener throws, is emitted as
 *   `'error'` too, never thrown.
 * - Sending: `send(parts, options, callback)` concatenates the parts and hands them to
 *   `socket.send()`, one datagram after the other (the native write queue keeps order too); the
 *   callback gets a {@link NetlinkNpmErrnoException} when rtnlkit refuses the datagram (EBADF,
 *   EMSGSIZE). A request's own failure is an NLMSG_ERROR reply, as from the kernel. Only the
 *   kernel (port 0, no groups) can be addressed.
 * - `close()` closes the rtnlkit socket and emits `'close'`; closing the rtnlkit socket directly
 *   also ends the loop and emits `'close'`.
 * - `address()` is `{ port: socket.portId, groups }` (groups: the bitmask of joined groups 1..32).
 * - Buffer sizes: rtnlkit fixes a socket's `rcvbuf` and `sndbuf` when it is opened
 *   (`rtnl.socket({ rcvbuf, sndbuf })`). The setters only record the value, which the getters then
 *   return (the kernel would report twice it, clamped to rmem_max / wmem_max); they change nothing.
 * - `ref()` / `unref()` do nothing: no native handle is involved, and a pending `recv()` does not
 *   keep Node's event loop alive. A process that only listens for notifications must keep itself
 *   alive (a timer, a server) while it listens.
 */
export class NetlinkNpmSocket extends EventEmitter {
  readonly socket: NetlinkSocket;
  private readonly onUnhandledError: (error: unknown) => void;
  private readonly msgBufferSize: number | undefined;
  /** With message peeking: the largest datagram read so far (what recvmsg() was offered). */
  private largestRead = 1;
  private loop: Promise<void> | undefined;
  private sending: Promise<void> = Promise.resolve();
  private closed = false;
  private recvBufferSize: number;
  private sendBufferSize: number;

  constructor(socket: NetlinkSocket, options: NetlinkNpmSocketOptions = {}) {
    super();
    this.socket = socket;
    this.onUnhandledError = options.onUnhandledError ?? ((error) => process.emitWarning(toWarning(error)));
    if (options.msgBufferSize !== undefined) {
      expectNumber(options.msgBufferSize);
      if (!(options.msgBufferSize > 0)) throw new RangeError('msgBufferSize must be positive');
    }
    this.msgBufferSize = options.msgBufferSize;
    this.recvBufferSize = socket.rcvbuf;
    this.sendBufferSize = socket.sndbuf;
  }

  /** Whether the reader loop is running. */
  get reading(): boolean {
    return this.loop !== undefined;
  }

  /** Starts the reader loop if it is not running (sending or joining a group starts it too). */
  start(): void {
    if (this.loop || this.closed || this.socket.isClosed) return;
    this.loop = this.read().finally(() => {
      this.loop = undefined;
    });
  }

  /** Resolves once the reader loop has ended (at once if it is not running). Never rejects. */
  stopped(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  send(
    msg: Uint8Array | readonly Uint8Array[],
    options?: NetlinkNpmSendOptions,
    callback?: (error?: NetlinkNpmErrnoException) => void,
  ): void {
    const port = options?.port ?? 0;
    const groups = options?.groups ?? 0;
    expectNumber(port);
    expectNumber(groups);
    const parts: readonly Uint8Array[] = msg instanceof Uint8Array ? [msg] : msg;
    // A copy, as sendmsg() makes one: the caller may reuse its buffers, handlers may keep ours.
    const datagram = Buffer.concat(parts);
    this.start();
    const done = (error?: NetlinkNpmErrnoException) => {
      try {
        if (callback) callback(error);
        else if (error) this.report(error);
      } catch (thrown) {
        this.report(thrown);
      }
    };
    this.sending = this.sending.then(async () => {
      if (port !== 0 || groups !== 0) {
        const reason = `rtnlkit models the kernel side only (destination port ${port}, groups ${groups})`;
        done(
          new NetlinkNpmErrnoException(Errno.EOPNOTSUPP, 'sendmsg', `Error when sending Netlink message: ${reason}`),
        );
        return;
      }
      try {
        await this.socket.send(datagram);
      } catch (error) {
        done(NetlinkNpmErrnoException.from(error, 'sendmsg', 'Error when sending Netlink message'));
        return;
      }
      done();
    });
  }

  /** Closes the rtnlkit socket (the reader loop ends) and emits 'close'. Closing twice does nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
    this.emit('close');
  }

  address(): { port: number; groups: number } {
    let groups = 0;
    for (const group of this.socket.memberships()) if (group <= 32) groups |= 1 << (group - 1);
    return { port: this.socket.portId, groups: groups >>> 0 };
  }

  /** Nothing keeps the event loop alive here (see the class comment). */
  ref(): void {}

  unref(): void {}

  addMembership(group: number): void {
    expectNumber(group);
    this.membership(() => this.socket.addMembership(group));
    this.start();
  }

  dropMembership(group: number): void {
    expectNumber(group);
    this.membership(() => this.socket.dropMembership(group));
  }

  /** The recorded SO_RCVBUF: the socket's `rcvbuf` unless {@link setRecvBufferSize} said otherwise. */
  getRecvBufferSize(): number {
    return this.recvBufferSize;
  }

  getSendBufferSize(): number {
    return this.sendBufferSize;
  }

  /** Records the value only: rtnlkit fixes the receive queue size when the socket is opened. */
  setRecvBufferSize(size: number): void {
    expectNumber(size);
    this.recvBufferSize = size;
  }

  /** Records the value only: rtnlkit fixes the send limit when the socket is opened. */
  setSendBufferSize(size: number): void {
    expectNumber(size);
    this.sendBufferSize = size;
  }

  /** The reader loop. Never rejects: every way out of it is handled here. */
  private async read(): Promise<void> {
    for (;;) {
      let datagram: Uint8Array;
      try {
        datagram = await this.socket.recv({ bufferSize: this.msgBufferSize ?? this.largestRead });
      } catch (error) {
        if (this.socket.isClosed || isErrno(error, Errno.EBADF)) {
          this.socketGone();
          return;
        }
        this.report(NetlinkNpmErrnoException.from(error, 'recvmsg', 'Error when receiving Netlink message'));
        // ENOBUFS is reported once and the queue still holds datagrams; anything else is
        // unexpected, so let the event loop breathe rather than spin on a failing recv().
        if (!isErrno(error, Errno.ENOBUFS)) await nextMacrotask();
        continue;
      }
      this.deliver(datagram);
    }
  }

  private deliver(datagram: Uint8Array): void {
    try {
      // Buffer.from(Uint8Array) copies: multicast messages are shared by every receiving socket.
      if (this.msgBufferSize === undefined) {
        this.largestRead = Math.max(this.largestRead, datagram.length);
        this.emit('message', Buffer.from(datagram), { ...KERNEL });
      } else if (datagram.length > this.msgBufferSize) {
        const cut = Buffer.from(datagram.subarray(0, this.msgBufferSize));
        this.emit('truncatedMessage', cut, { ...KERNEL, truncated: datagram.length });
      } else {
        this.emit('message', Buffer.from(datagram), { ...KERNEL });
      }
    } catch (error) {
      this.report(error);
    }
  }

  /** The rtnlkit socket was closed under us: end as the native socket does when closed. */
  private socketGone(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }

  private membership(change: () => void): void {
    try {
      change();
    } catch (error) {
      throw NetlinkNpmErrnoException.from(error, 'setsockopt', 'Error when changing group membership');
    }
  }

  /** Emits 'error' if anybody listens and that does not throw; otherwise `onUnhandledError`. */
  private report(error: unknown): void {
    try {
      if (this.listenerCount('error') > 0) {
        this.emit('error', error);
        return;
      }
    } catch (thrown) {
      this.onUnhandledError(thrown);
      return;
    }
    this.onUnhandledError(error);
  }
}

function toWarning(error: unknown): Error | string {
  return error instanceof Error ? error : `netlink-npm adapter: ${String(error)}`;
}

/** netlink@0.3.0's constructors, as {@link createRtNetlinkSocket} needs them. */
export interface NetlinkNpmModule<N, R> {
  NetlinkSocket: new (raw: never, options: Record<string, never>) => N;
  RtNetlinkSocket: new (socket: N) => R;
}

/**
 * netlink@0.3.0's `RtNetlinkSocket` over an rtnlkit socket, i.e. the two lines
 * `new RtNetlinkSocket(new NetlinkSocket(new NetlinkNpmSocket(socket) as never, {}))`:
 *
 * ```ts
 * import * as netlink from 'netlink';
 * const rt = createRtNetlinkSocket(netlink, rtnl.socket({ admin: true }));
 * await rt.getLinks();
 * ```
 */
export function createRtNetlinkSocket<N, R>(
  netlink: NetlinkNpmModule<N, R>,
  socket: NetlinkSocket,
  options?: NetlinkNpmSocketOptions,
): R {
  const nl = new netlink.NetlinkSocket(new NetlinkNpmSocket(socket, options) as never, {});
  return new netlink.RtNetlinkSocket(nl);
}
