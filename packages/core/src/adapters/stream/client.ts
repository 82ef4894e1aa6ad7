/**
 * The client side of rtnetlink over a byte stream (see ./protocol.ts): requests matched to their
 * answers by port id and sequence number, dumps collected to their NLMSG_DONE, and everything else
 * (notifications) handed to a reader, with the server's overrun signal.
 */
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { Errno, ErrnoError } from '../../errno';
import { type DecodedMessage, decodeDatagram } from '../../testing/messages';
import { NLM_F, NLMSG, NLMSG_HDRLEN } from '../../wire/constants';
import { readHeader, viewOf } from '../../wire/nlmsg';
import { NlStreamFramer, withAlignPadding } from './framer';
import { NLSTREAM, NLSTREAM_MAX_MESSAGE } from './protocol';

/** The answer to one request. */
export interface StreamAnswer {
  /** The data messages (a dump's parts, a GET's reply), without the closing ERROR or DONE. */
  messages: DecodedMessage[];
  /** 0, or the positive errno of the NLMSG_ERROR (or of the dump's NLMSG_DONE). */
  errno: number;
  /** NLMSGERR_ATTR_MSG, when the server sent one (NETLINK_EXT_ACK on). */
  extack?: string;
}

export type StreamNotification =
  | { readonly kind: 'message'; readonly message: DecodedMessage }
  /** Notifications were lost: the client read too slowly (recvmsg()'s ENOBUFS). */
  | { readonly kind: 'overrun' };

interface Pending {
  readonly dump: boolean;
  readonly messages: DecodedMessage[];
  resolve(answer: StreamAnswer): void;
  reject(error: unknown): void;
}

export class NetlinkStreamClient {
  /** The connection's port id, from the server's greeting; 0 until {@link ready} resolves. */
  portId = 0;
  /** Resolves once the server has greeted (told the port id). */
  readonly ready: Promise<void>;
  private readonly framer = new NlStreamFramer(NLSTREAM_MAX_MESSAGE);
  private readonly pending = new Map<number, Pending>();
  private readonly inbox: StreamNotification[] = [];
  private readonly readers: (() => void)[] = [];
  private seq = Math.floor(Date.now() / 1000) >>> 0;
  private closedError: Error | undefined;
  private greet!: () => void;
  private fail!: (error: unknown) => void;

  constructor(private readonly stream: Duplex) {
    this.ready = new Promise((resolve, reject) => {
      this.greet = resolve;
      this.fail = reject;
    });
    stream.on('data', (chunk: Uint8Array) => this.onData(chunk));
    stream.on('error', (error) => this.onClose(error));
    stream.on('close', () => this.onClose(new ErrnoError(Errno.ECONNRESET, 'the server closed the connection')));
  }

  /** Connects to a server's Unix socket (or `host:port` as `{ port, host }`) and waits for its greeting. */
  static async connect(path: string): Promise<NetlinkStreamClient> {
    const stream = connect(path);
    const client = new NetlinkStreamClient(stream);
    await client.ready;
    return client;
  }

  /** The next sequence number to put in a request. */
  nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0 || 1;
    return this.seq;
  }

  /**
   * Sends one request and resolves with its answer (a dump's messages to NLMSG_DONE; a doit's
   * reply, if any, and its NLMSG_ERROR: NLM_F_ACK is added to every request that is not a dump).
   */
  request(message: Uint8Array): Promise<StreamAnswer> {
    if (this.closedError) return Promise.reject(this.closedError);
    const bytes = message.slice();
    const header = readHeader(bytes);
    const dump = (header.flags & NLM_F.DUMP) === NLM_F.DUMP;
    if (!dump) viewOf(bytes).setUint16(6, header.flags | NLM_F.ACK, true);
    if (this.pending.has(header.seq)) return Promise.reject(new Error(`seq ${header.seq} is already in flight`));
    return new Promise((resolve, reject) => {
      this.pending.set(header.seq, { dump, messages: [], resolve, reject });
      this.write(bytes);
    });
  }

  /** Like {@link request}, but an error answer rejects with an {@link ErrnoError} carrying the errno and extack message. */
  async call(message: Uint8Array): Promise<DecodedMessage[]> {
    const answer = await this.request(message);
    if (answer.errno !== 0) throw new ErrnoError(answer.errno, answer.extack);
    return answer.messages;
  }

  /** setsockopt(SOL_NETLINK, `option`, `value`) on the server's socket (NETLINK_OPT.*). */
  async setOption(option: number, value: number | boolean): Promise<void> {
    const seq = this.nextSeq();
    const bytes = new Uint8Array(NLMSG_HDRLEN + 8);
    const view = viewOf(bytes);
    view.setUint32(0, bytes.length, true);
    view.setUint16(4, NLSTREAM.SETSOCKOPT, true);
    view.setUint16(6, NLM_F.REQUEST | NLM_F.ACK, true);
    view.setUint32(8, seq, true);
    view.setUint32(NLMSG_HDRLEN, option, true);
    view.setUint32(NLMSG_HDRLEN + 4, Number(value), true);
    const answer = await this.request(bytes);
    if (answer.errno !== 0) throw new ErrnoError(answer.errno, answer.extack);
  }

  /** The notifications (and overruns) as they arrive, until the connection closes. */
  async *notifications(): AsyncGenerator<StreamNotification> {
    for (;;) {
      const next = this.inbox.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.closedError) return;
      await new Promise<void>((resolve) => this.readers.push(resolve));
    }
  }

  /** Ends the connection after what was written; resolves when it is closed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.stream.destroyed) return resolve();
      this.stream.once('close', () => resolve());
      this.stream.end();
    });
  }

  private write(bytes: Uint8Array): void {
    this.stream.write(withAlignPadding(bytes));
  }

  private onData(chunk: Uint8Array): void {
    let raw: Uint8Array[];
    try {
      raw = this.framer.push(chunk);
    } catch (error) {
      this.stream.destroy(error as Error);
      return;
    }
    for (const bytes of raw) for (const message of decodeDatagram(bytes)) this.dispatch(message);
  }

  private dispatch(message: DecodedMessage): void {
    const { header } = message;
    if (this.portId === 0 && header.type === NLMSG.NOOP) {
      this.portId = header.pid;
      this.greet();
      return;
    }
    const pending = header.pid === this.portId ? this.pending.get(header.seq) : undefined;
    if (pending) {
      if (header.type === NLMSG.ERROR || header.type === NLMSG.DONE) {
        this.pending.delete(header.seq);
        const errno = header.type === NLMSG.ERROR ? (message.errno ?? 0) : (message.doneErrno ?? 0);
        pending.resolve({
          messages: pending.messages,
          errno,
          ...(message.extack !== undefined && { extack: message.extack }),
        });
      } else pending.messages.push(message);
      return;
    }
    if (header.type === NLMSG.ERROR && header.seq === 0 && message.errno === Errno.ENOBUFS) {
      this.deliver({ kind: 'overrun' });
      return;
    }
    if (header.type === NLMSG.ERROR && header.seq === 0) {
      // An error of the connection itself (bad framing): it ends.
      this.onClose(new ErrnoError(message.errno ?? Errno.EIO, message.extack));
      return;
    }
    this.deliver({ kind: 'message', message });
  }

  private deliver(item: StreamNotification): void {
    this.inbox.push(item);
    for (const wake of this.readers.splice(0)) wake();
  }

  private onClose(error: Error): void {
    if (this.closedError) return;
    this.closedError = error;
    this.fail(error);
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    for (const wake of this.readers.splice(0)) wake();
  }
}
