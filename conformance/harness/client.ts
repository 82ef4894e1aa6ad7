/**
 * The client that both sides of a conformance run share: it sends pre-encoded datagrams on a
 * socket shaped like netlink@0.3.0's `RawNetlinkSocket` and records every datagram that comes
 * back, untouched. Inside the namespace the socket is the package's own native socket talking to
 * Linux; on the rtnlkit side it is core's `NetlinkNpmSocket`, which has the same surface. Nothing
 * here decodes more than the netlink header, so nothing here can hide a difference.
 *
 * How the end of a step's replies is found without knowing them in advance: after the step's
 * datagram, a barrier goes out on the same socket, an `NLMSG_NOOP` with `NLM_F_REQUEST|NLM_F_ACK`
 * and a sequence number scenarios never use. Linux and rtnlkit handle a socket's sends in order and
 * answer a doit before `sendmsg` returns, so once the barrier's ACK has arrived every reply to the
 * step has too, except the later parts of a dump, which are produced as the reader drains the
 * queue. So a step is complete when the barrier's ACK has arrived and every dump that sent a part
 * (`NLM_F_MULTI`) has sent its `NLMSG_DONE` (or an `NLMSG_ERROR`). The barrier's ACK is a datagram
 * of its own and is not recorded. Deliberately free of `@rtnlkit/core`: this file also runs inside
 * the namespace as an unprivileged user.
 */
import { Buffer } from 'node:buffer';

/** What the client needs of a socket: the shape of netlink@0.3.0's `RawNetlinkSocket`. */
export interface DatagramSocket {
  send(msg: Uint8Array, options: undefined, callback: (error?: Error) => void): void;
  on(event: 'message', listener: (msg: Buffer) => void): unknown;
  on(event: 'truncatedMessage', listener: (msg: Buffer, rinfo: { truncated?: number }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  address(): { port: number };
}

/** Everything one step (or setup request, or state dump) got back. */
export interface ExchangeRecord {
  /** Port id of the socket that sent the request (replies say it in `nlmsg_pid`). */
  port: number;
  /** Every reply datagram, as hex, in arrival order (the barrier's ACK left out). */
  datagrams: string[];
  /** No complete answer within the time limit. */
  timedOut: boolean;
  /** `sendmsg` refused the datagram, or the socket reported an error or a truncated datagram. */
  socketErrors: string[];
}

/** Sequence numbers from here up belong to the harness (barriers, state dumps). */
export const HARNESS_SEQ_BASE = 0xfff00000;
const BARRIER_SEQ = 0xfffffff0;
const NLMSG_HDRLEN = 16;
const NLMSG_NOOP = 1;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_REQUEST = 0x1;
const NLM_F_MULTI = 0x2;
const NLM_F_ACK = 0x4;

export const DEFAULT_REPLY_TIMEOUT_MS = 2000;

interface Header {
  len: number;
  type: number;
  flags: number;
  seq: number;
}

/** The headers of a datagram, walked like netlink_rcv_skb (stops at the first bad length). */
export function headersOf(datagram: Uint8Array): Header[] {
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  const out: Header[] = [];
  let offset = 0;
  while (datagram.length - offset >= NLMSG_HDRLEN) {
    const len = view.getUint32(offset, true);
    if (len < NLMSG_HDRLEN || len > datagram.length - offset) break;
    out.push({
      len,
      type: view.getUint16(offset + 4, true),
      flags: view.getUint16(offset + 6, true),
      seq: view.getUint32(offset + 8, true),
    });
    offset += Math.min((len + 3) & ~3, datagram.length - offset);
  }
  return out;
}

function barrier(): Buffer {
  const out = Buffer.alloc(NLMSG_HDRLEN);
  out.writeUInt32LE(NLMSG_HDRLEN, 0);
  out.writeUInt16LE(NLMSG_NOOP, 4);
  out.writeUInt16LE(NLM_F_REQUEST | NLM_F_ACK, 6);
  out.writeUInt32LE(BARRIER_SEQ, 8);
  return out;
}

function isBarrierAck(datagram: Uint8Array): boolean {
  const headers = headersOf(datagram);
  return headers.length === 1 && headers[0]?.type === NLMSG_ERROR && headers[0].seq === BARRIER_SEQ;
}

type Event = { datagram: Buffer } | { error: string; fatal?: boolean };

/**
 * An error as both sides can agree on it: the errno name (`EMSGSIZE`) that netlink@0.3.0's
 * `ErrnoException` and core's adapter both carry in `code`; their messages are worded differently.
 */
function errorText(error: Error & { code?: unknown }): string {
  return typeof error.code === 'string' ? error.code : error.message;
}

/** One socket's conversation: send a datagram, collect its complete answer. One step at a time. */
export class ClientSession {
  private readonly events: Event[] = [];
  private wake: (() => void) | undefined;

  constructor(
    private readonly socket: DatagramSocket,
    private readonly timeoutMs = DEFAULT_REPLY_TIMEOUT_MS,
  ) {
    socket.on('message', (msg) => this.push({ datagram: Buffer.from(msg) }));
    socket.on('truncatedMessage', (_msg, rinfo) =>
      this.push({ error: `truncated datagram (was ${rinfo.truncated ?? '?'} bytes)` }),
    );
    socket.on('error', (error) => this.push({ error: `socket error: ${errorText(error)}` }));
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Sends `datagram` and returns everything that answers it. */
  async exchange(datagram: Uint8Array): Promise<ExchangeRecord> {
    const record: ExchangeRecord = { port: this.port, datagrams: [], timedOut: false, socketErrors: [] };
    // Both go out at once (the socket keeps their order); the clock runs from here, so a send
    // that never completes (a request that hangs) ends in a time-out, not in a hang.
    this.send(datagram, 'sendmsg');
    this.send(barrier(), 'sendmsg (barrier)', true);
    const deadline = Date.now() + this.timeoutMs;
    const openDumps = new Set<number>();
    let barrierSeen = false;
    while (!barrierSeen || openDumps.size > 0) {
      const event = await this.next(deadline);
      if (!event) {
        record.timedOut = true;
        break;
      }
      if ('error' in event) {
        record.socketErrors.push(event.error);
        // Without its barrier a step cannot tell when it is complete.
        if (event.fatal) break;
        continue;
      }
      if (isBarrierAck(event.datagram)) {
        barrierSeen = true;
        continue;
      }
      record.datagrams.push(event.datagram.toString('hex'));
      for (const h of headersOf(event.datagram)) {
        if (h.type === NLMSG_DONE || h.type === NLMSG_ERROR) openDumps.delete(h.seq);
        else if (h.flags & NLM_F_MULTI) openDumps.add(h.seq);
      }
    }
    return record;
  }

  private send(datagram: Uint8Array, what: string, fatal = false): void {
    this.socket.send(datagram, undefined, (error) => {
      if (error) this.push({ error: `${what}: ${errorText(error)}`, fatal });
    });
  }

  private push(event: Event): void {
    this.events.push(event);
    this.wake?.();
  }

  private async next(deadline: number): Promise<Event | undefined> {
    for (;;) {
      const event = this.events.shift();
      if (event) return event;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
  }
}

/** Sends each datagram (hex) in turn, the next once the previous one's answer is complete. */
export async function exchangeAll(client: ClientSession, datagrams: readonly string[]): Promise<ExchangeRecord[]> {
  const records: ExchangeRecord[] = [];
  for (const hex of datagrams) records.push(await client.exchange(Buffer.from(hex, 'hex')));
  return records;
}
