/**
 * One dump in progress on a socket (`struct netlink_callback` + `netlink_dump`): each pass fills
 * one buffer of the reader's size under whatever lock the strategy takes for a dump pass, and the
 * last one ends with NLMSG_DONE carrying the dump's errno, alone in its own buffer for handlers
 * flagged DUMP_SPLIT_NLM_DONE.
 */
import { Errno, ErrnoError } from '../errno';
import type { Task } from '../task/task';
import { NlMsgBuilder } from '../wire/builder';
import { NLM_F, NLMSG_GOODSIZE, nlmsgAlign, RTNL_FLAG } from '../wire/constants';
import type { NlMsgHeader } from '../wire/nlmsg';
import { buildDone } from './ack';
import type { HandlerEntry } from './handlers';
import { type DumpCallback, RequestContext } from './request';
import type { Rtnetlink } from './rtnetlink';
import type { NetlinkSocket } from './socket';

/** nlmsg_total_size(sizeof(int)): room NLMSG_DONE needs. */
const DONE_SIZE = 20;
/** `dump_done_errno` while the dump still has more to give. */
const RUNNING = 1;

class PassBuffer {
  readonly messages: Uint8Array[] = [];
  bytes = 0;

  constructor(readonly capacity: number) {}

  get free(): number {
    return this.capacity - this.bytes;
  }

  fits(length: number): boolean {
    return this.bytes + nlmsgAlign(length) <= this.capacity;
  }

  append(message: Uint8Array): void {
    this.messages.push(message);
    this.bytes += nlmsgAlign(message.length);
  }

  datagram(): Uint8Array {
    const out = new Uint8Array(this.bytes);
    let at = 0;
    for (const m of this.messages) {
      out.set(m, at);
      at += nlmsgAlign(m.length);
    }
    return out;
  }
}

export class DumpRun extends RequestContext implements DumpCallback {
  readonly cursor: Record<string, number> = {};
  seq = 0;
  answerFlags = 0;
  sent = 0;
  /** `cb->prev_seq`. */
  private prevSeq = 0;
  private doneErrno = RUNNING;
  /** Set when a SPLIT_NLM_DONE dumpit said it was done: the next pass only sends DONE. */
  private dumpitFinished = false;
  private buffer: PassBuffer = new PassBuffer(0);
  private finished = false;

  constructor(
    rtnl: Rtnetlink,
    socket: NetlinkSocket,
    readonly entry: HandlerEntry,
    header: NlMsgHeader,
    message: Uint8Array,
    task: Task,
    private readonly minDumpAlloc = 0,
  ) {
    super(rtnl, socket, header, message, task);
  }

  get done(): boolean {
    return this.finished;
  }

  builder(type: number): NlMsgBuilder {
    return new NlMsgBuilder(type, NLM_F.MULTI | this.answerFlags, this.header.seq, this.socket.portId);
  }

  put(message: Uint8Array): boolean {
    if (!this.buffer.fits(message.length)) {
      if (this.buffer.messages.length === 0)
        throw new ErrnoError(Errno.EMSGSIZE, 'dump message larger than the dump buffer');
      return false;
    }
    this.buffer.append(message);
    this.sent += 1;
    return true;
  }

  checkConsistent(): void {
    const last = this.buffer.messages.at(-1);
    if (last) this.markConsistency(last);
  }

  /** Runs one pass as `task` and queues its buffer on the socket. */
  async pass(task: Task): Promise<void> {
    if (this.finished) return;
    this.task = task;
    this.buffer = new PassBuffer(Math.max(NLMSG_GOODSIZE, this.minDumpAlloc, this.socket.maxRecvmsgLen));
    if (this.doneErrno > 0) this.doneErrno = await this.runDumpit(task);
    if (this.finished) return; // the socket was closed meanwhile
    if (this.doneErrno > 0 || this.buffer.free < DONE_SIZE) {
      this.socket.deliverDump(this.buffer.datagram());
      return;
    }
    const done = buildDone(
      this.header,
      this.socket.portId,
      this.doneErrno,
      this.answerFlags,
      this.extack,
      this.socket.extAck,
    );
    this.markConsistency(done);
    this.buffer.append(done);
    this.socket.deliverDump(this.buffer.datagram());
    this.finish();
  }

  /** The socket closed: the dump ends without a DONE. */
  abandon(): void {
    this.finish();
  }

  /** One call of the dumpit under the strategy, mapped to `dump_done_errno` (>0 more, 0 done, <0 error). */
  private async runDumpit(task: Task): Promise<number> {
    const split = (this.entry.flags & RTNL_FLAG.DUMP_SPLIT_NLM_DONE) !== 0;
    if (split && this.dumpitFinished) return 0;
    const dumpit = this.entry.dumpit;
    let result: number;
    try {
      const more = dumpit
        ? await this.rtnl.strategy.run({ handler: this.entry, kind: 'dump', net: this.net, task }, async () => {
            const filled = this.buffer.messages.length;
            try {
              return await dumpit(this);
            } finally {
              if (this.rtnl.chargeCpu) await this.spendCopies(this.buffer.messages.length - filled);
            }
          })
        : false;
      result = more ? RUNNING : 0;
      if (more && this.buffer.messages.length === 0) {
        this.rtnl.fault(new Error(`${this.entry.name}: dumpit asked for another pass without adding a message`));
        this.extack.msg = 'internal error';
        result = -Errno.EINVAL;
      }
    } catch (error) {
      result = -this.rtnl.errnoOf(error, this.extack);
    }
    if (!split) return result;
    // rtnl_dumpit(): a split dump reports its buffer length, so DONE waits for the next pass.
    if (result < 0 && result !== -Errno.EMSGSIZE) return result;
    if (result === 0) this.dumpitFinished = true;
    return this.buffer.bytes > 0 ? RUNNING : 0;
  }

  /** `cpu.doit` for the pass and `netlink.copy` for each message it filled: its CPU time, under its locks. */
  private async spendCopies(messages: number): Promise<void> {
    let ms = this.rtnl.costs.sample('cpu.doit');
    for (let i = 0; i < messages; i += 1) ms += this.rtnl.costs.sample('netlink.copy');
    if (ms > 0) await this.rtnl.clock.sleep(ms);
  }

  private markConsistency(message: Uint8Array): void {
    if (this.prevSeq !== 0 && this.seq !== this.prevSeq) {
      const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
      view.setUint16(6, view.getUint16(6, true) | NLM_F.DUMP_INTR, true);
    }
    this.prevSeq = this.seq;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.socket.dump === this) this.socket.dump = undefined;
    this.entry.owner?.put();
  }
}
