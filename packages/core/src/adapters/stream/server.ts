/**
 * Serves one rtnetlink instance over a byte stream: each connection is a netlink socket with its
 * own port id (see ./protocol.ts for the bytes). Requests of one connection are handled in order,
 * one at a time, as one sender's sendmsg() calls are; connections run concurrently, which is where
 * the locking strategy matters. Replies, dump parts and notifications are written as the socket
 * queues them; a slow reader makes the socket's queue fill, so its notifications overflow (ENOBUFS)
 * and its dumps wait, as with a datagram socket.
 */
import type { Duplex } from 'node:stream';
import { Errno, ErrnoError } from '../../errno';
import type { Rtnetlink } from '../../rtnetlink/rtnetlink';
import type { NetlinkSocket, SocketOptions } from '../../rtnetlink/socket';
import { NlMsgBuilder } from '../../wire/builder';
import { NLM_F, NLMSG, NLMSG_HDRLEN, NLMSGERR_ATTR } from '../../wire/constants';
import { readHeader, viewOf } from '../../wire/nlmsg';
import { NlStreamFramer, withAlignPadding } from './framer';
import { NLSTREAM, NLSTREAM_MAX_MESSAGE } from './protocol';

export interface StreamServeOptions extends SocketOptions {
  /** The largest message accepted; default the kernel's default sndbuf. */
  maxMessage?: number;
  /** Unprocessed messages of one connection after which reading pauses; default 64. */
  maxQueued?: number;
}

/** One served connection. */
export class NetlinkStreamConnection {
  readonly socket: NetlinkSocket;
  /** Resolves once the connection is closed and its socket released. */
  readonly closed: Promise<void>;
  private readonly framer: NlStreamFramer;
  private readonly maxQueued: number;
  private queued = 0;
  /** The requests of this connection, processed one after the other. */
  private chain: Promise<void> = Promise.resolve();
  private readonly stopPump = new AbortController();
  private readonly idleWaiters: (() => void)[] = [];
  private inputDone = false;
  private ending: Promise<void> | undefined;
  private resolveClosed!: () => void;

  constructor(
    rtnl: Rtnetlink,
    private readonly stream: Duplex,
    options: StreamServeOptions = {},
  ) {
    this.socket = rtnl.socket(options);
    this.framer = new NlStreamFramer(options.maxMessage ?? NLSTREAM_MAX_MESSAGE);
    this.maxQueued = options.maxQueued ?? 64;
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    // getsockname(): the client learns its port id first.
    this.write(new NlMsgBuilder(NLMSG.NOOP, 0, 0, this.socket.portId).finish());
    stream.on('data', (chunk: Uint8Array) => this.onData(chunk));
    // The client finished sending: answer what it sent, then end.
    stream.on('end', () => void this.shutdown());
    stream.on('close', () => this.release());
    stream.on('error', () => this.release());
    void this.pump();
  }

  /** Requests received and not answered yet (queued or running). */
  get inFlight(): number {
    return this.queued;
  }

  /**
   * Stops reading, lets every request already received finish and its replies (a dump's parts
   * included) reach the stream, then ends the stream. Notifications stop with it.
   */
  shutdown(): Promise<void> {
    this.ending ??= (async () => {
      // Input from now on is read and dropped (a paused stream would never see the client's end).
      this.inputDone = true;
      this.stream.resume();
      await this.chain;
      await this.idle();
      this.stopPump.abort();
      await new Promise<void>((resolve) => {
        if (this.stream.writableEnded || this.stream.destroyed) resolve();
        else this.stream.end(resolve);
      });
      this.release();
    })();
    return this.ending;
  }

  private onData(chunk: Uint8Array): void {
    if (this.inputDone) return;
    let messages: Uint8Array[];
    try {
      messages = this.framer.push(chunk);
    } catch (error) {
      // The framing is lost: say why, answer what came before, and end the connection.
      this.inputDone = true;
      const message = error instanceof Error ? error.message : String(error);
      this.chain = this.chain.then(() => {
        this.write(streamError(this.socket.portId, Errno.EINVAL, message));
      });
      void this.shutdown();
      return;
    }
    for (const message of messages) {
      this.queued += 1;
      if (this.queued >= this.maxQueued) this.stream.pause();
      this.chain = this.chain.then(async () => {
        try {
          await this.handle(message);
        } finally {
          this.queued -= 1;
          if (this.queued < this.maxQueued) this.stream.resume();
        }
      });
    }
  }

  private async handle(message: Uint8Array): Promise<void> {
    if (this.socket.isClosed) return;
    const header = readHeader(message);
    if (header.type === NLSTREAM.SETSOCKOPT) {
      let err = 0;
      if (header.len < NLMSG_HDRLEN + 8) err = Errno.EINVAL;
      else {
        const view = viewOf(message);
        try {
          this.socket.setOption(view.getUint32(NLMSG_HDRLEN, true), view.getUint32(NLMSG_HDRLEN + 4, true));
        } catch (error) {
          err = error instanceof ErrnoError ? error.errno : Errno.EINVAL;
        }
      }
      this.write(ackOf(message, header.seq, this.socket.portId, err));
      return;
    }
    await this.socket.send(message);
  }

  /** Writes what the socket queues until the connection ends. */
  private async pump(): Promise<void> {
    const { signal } = this.stopPump;
    for (;;) {
      let datagram: Uint8Array;
      try {
        datagram = await this.socket.recv({ signal });
      } catch (error) {
        if (error instanceof ErrnoError && error.errno === Errno.ENOBUFS) {
          this.write(streamError(this.socket.portId, Errno.ENOBUFS));
          continue;
        }
        return; // closed or stopped
      }
      if (!this.write(datagram)) await this.drained();
      if (this.socket.pending === 0 && !this.socket.dump) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Resolves when no reply is queued and no dump is running. */
  private idle(): Promise<void> {
    if (this.socket.pending === 0 && !this.socket.dump) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private write(bytes: Uint8Array): boolean {
    if (this.stream.destroyed || this.stream.writableEnded) return true;
    return this.stream.write(withAlignPadding(bytes));
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
  }

  private release(): void {
    this.inputDone = true;
    this.stopPump.abort();
    // Requests already running finish (the kernel's doit is not interruptible); their replies go nowhere.
    this.socket.close();
    for (const wake of this.idleWaiters.splice(0)) wake();
    this.resolveClosed();
  }
}

/** Serves `rtnl` on `stream` as one netlink socket with `options` (admin rights, namespace, …). */
export function serveNetlinkStream(
  rtnl: Rtnetlink,
  stream: Duplex,
  options: StreamServeOptions = {},
): NetlinkStreamConnection {
  return new NetlinkStreamConnection(rtnl, stream, options);
}

/** NLMSG_ERROR for a stream control message: 0 or -errno, the request header echoed. */
function ackOf(request: Uint8Array, seq: number, portId: number, errno: number): Uint8Array {
  const b = new NlMsgBuilder(NLMSG.ERROR, NLM_F.CAPPED, seq, portId, 64);
  b.space(4).setInt32(0, -errno, true);
  b.bytes(request.subarray(0, NLMSG_HDRLEN));
  return b.finish();
}

/** NLMSG_ERROR with seq 0 and a zeroed request header: an error of the connection, not of a request. */
function streamError(portId: number, errno: number, message?: string): Uint8Array {
  const b = new NlMsgBuilder(NLMSG.ERROR, NLM_F.CAPPED | (message ? NLM_F.ACK_TLVS : 0), 0, portId, 96);
  b.space(4).setInt32(0, -errno, true);
  b.bytes(new Uint8Array(NLMSG_HDRLEN));
  if (message) b.string(NLMSGERR_ATTR.MSG, message);
  return b.finish();
}
