/**
 * A user-space netlink socket (NETLINK_ROUTE) bound to one rtnlkit instance: a port id, a network
 * namespace, credentials, options, multicast groups and a bounded receive queue of datagrams.
 *
 * A full queue drops what the kernel drops: a multicast notification that does not fit, and a
 * reply or ACK to the socket's own request (`netlink_unicast(..., MSG_DONTWAIT)` from the kernel
 * socket) once the queue is over `rcvbuf`. Either is `netlink_overrun`: the next `recv()` fails
 * once with ENOBUFS and the socket is congested (NETLINK_S_CONGESTED), so that nothing more is
 * queued until a read leaves the queue empty; with NETLINK_NO_ENOBUFS only the message is lost.
 * Dump parts are never dropped: a dump produces one buffer per pass, and the next pass runs when
 * the reader has drained the queue to half of `rcvbuf`.
 */
import { Errno, ErrnoError } from '../errno';
import type { Net } from '../net/net';
import { Task } from '../task/task';
import {
  NETLINK_DEFAULT_RCVBUF,
  NETLINK_DEFAULT_SNDBUF,
  NETLINK_MAX_RECVMSG_LEN,
  NETLINK_OPT,
} from '../wire/constants';
import type { DumpRun } from './dump';
import type { Rtnetlink } from './rtnetlink';

export interface SocketOptions {
  /** The namespace the socket lives in; default the instance's initial namespace. */
  net?: Net;
  /** CAP_NET_ADMIN in the namespace: needed for NEW, DEL and SET requests. Default false. */
  admin?: boolean;
  /** A fixed port id; default the next free one. */
  portId?: number;
  /** Names the tasks of this socket's requests in lockdep reports and statistics. */
  name?: string;
  /** Receive queue size in bytes (SO_RCVBUF). */
  rcvbuf?: number;
  sndbuf?: number;
  /** Multicast groups to join at once (RTNLGRP_*). */
  groups?: readonly number[];
}

export interface RecvOptions {
  /** The reader's buffer size; like recvmsg(), it also sizes later dump buffers (up to 32 KiB). */
  bufferSize?: number;
  signal?: AbortSignal;
}

export interface SocketStats {
  /** Datagrams dropped because the queue was full (notifications only). */
  dropped: number;
  /** Datagrams queued. */
  queued: number;
}

export class NetlinkSocket {
  readonly portId: number;
  readonly net: Net;
  readonly admin: boolean;
  readonly name: string;
  readonly rcvbuf: number;
  readonly sndbuf: number;
  /** NETLINK_EXT_ACK, NETLINK_CAP_ACK, NETLINK_GET_STRICT_CHK, NETLINK_NO_ENOBUFS. */
  extAck = false;
  capAck = false;
  strictChk = false;
  noEnobufs = false;
  /** `max_recvmsg_len`: the largest buffer the reader has offered, capped at 32 KiB. */
  maxRecvmsgLen = 0;
  /** The dump in progress, if any (`cb_running`). */
  dump: DumpRun | undefined;
  readonly stats: SocketStats = { dropped: 0, queued: 0 };
  private readonly groups = new Set<number>();
  private queue: Uint8Array[] = [];
  private head = 0;
  private queuedBytes = 0;
  private overrun = false;
  /** NETLINK_S_CONGESTED: set by an overrun, cleared by a read that leaves the queue empty. */
  private congested = false;
  private closed = false;
  private readonly readers: (() => void)[] = [];
  /** Serialises dump passes (`nlk->cb_mutex`). */
  private passes: Promise<void> = Promise.resolve();
  /** Sends being processed, and readers waiting for them to finish. */
  private sending = 0;
  private readonly sendsDone: (() => void)[] = [];

  constructor(
    private readonly rtnl: Rtnetlink,
    portId: number,
    net: Net,
    options: SocketOptions,
  ) {
    this.portId = portId;
    this.net = net;
    this.admin = options.admin ?? false;
    this.name = options.name ?? `nl${portId}`;
    this.rcvbuf = options.rcvbuf ?? NETLINK_DEFAULT_RCVBUF;
    this.sndbuf = options.sndbuf ?? NETLINK_DEFAULT_SNDBUF;
    for (const group of options.groups ?? []) this.addMembership(group);
  }

  /**
   * sendmsg(): processes every message in `datagram` in order (replies and ACKs go to this
   * socket's queue). Resolves when all are processed; rejects only for errors of the send itself
   * (EMSGSIZE, EBADF), never for a request's error, which is an NLMSG_ERROR reply.
   */
  async send(datagram: Uint8Array, options: { task?: Task } = {}): Promise<void> {
    if (this.closed) throw new ErrnoError(Errno.EBADF, 'socket is closed');
    if (datagram.length > this.sndbuf - 32) throw new ErrnoError(Errno.EMSGSIZE);
    this.sending += 1;
    try {
      await this.rtnl.receive(this, datagram, options.task ?? new Task(this.name));
    } finally {
      this.sending -= 1;
      if (this.sending === 0) for (const wake of this.sendsDone.splice(0)) wake();
    }
  }

  /**
   * recvmsg(): the next datagram, waiting for one if none is queued (and running the next dump
   * pass if a dump is in progress). Fails once with ENOBUFS after notifications were dropped.
   */
  async recv(options: RecvOptions = {}): Promise<Uint8Array> {
    const bufferSize = options.bufferSize ?? NETLINK_MAX_RECVMSG_LEN;
    this.maxRecvmsgLen = Math.min(Math.max(this.maxRecvmsgLen, bufferSize), NETLINK_MAX_RECVMSG_LEN);
    for (;;) {
      if (this.closed) throw new ErrnoError(Errno.EBADF, 'socket is closed');
      options.signal?.throwIfAborted();
      if (this.overrun) {
        this.overrun = false;
        if (!this.noEnobufs) {
          this.rcvWake();
          throw new ErrnoError(Errno.ENOBUFS);
        }
      }
      let datagram = this.take();
      if (datagram === undefined && this.dump) {
        // In the kernel the whole datagram is handled inside sendmsg() before the sender reads:
        // a reader of this socket lets a send in progress finish before it continues the dump,
        // so replies keep the kernel's order (an EBUSY for a second dump before the first's DONE).
        await this.sendsIdle();
        await this.continueDump();
        datagram = this.take();
      }
      if (datagram !== undefined) {
        // The kernel continues a running dump as soon as the reader has made room.
        if (this.dump && this.sending === 0 && this.queuedBytes <= this.rcvbuf / 2) await this.continueDump();
        return datagram;
      }
      await this.waitForData(options.signal);
    }
  }

  /** The next queued datagram without waiting, if any (no dump continuation). */
  tryRecv(): Uint8Array | undefined {
    return this.take();
  }

  /** Datagrams waiting to be read. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  setOption(option: number, value: boolean | number): void {
    const on = Boolean(value);
    switch (option) {
      case NETLINK_OPT.EXT_ACK:
        this.extAck = on;
        break;
      case NETLINK_OPT.CAP_ACK:
        this.capAck = on;
        break;
      case NETLINK_OPT.GET_STRICT_CHK:
        this.strictChk = on;
        break;
      case NETLINK_OPT.NO_ENOBUFS:
        this.noEnobufs = on;
        break;
      case NETLINK_OPT.ADD_MEMBERSHIP:
        this.addMembership(Number(value));
        break;
      case NETLINK_OPT.DROP_MEMBERSHIP:
        this.dropMembership(Number(value));
        break;
      default:
        throw new ErrnoError(Errno.ENOPROTOOPT, `netlink socket option ${option} is not modelled`);
    }
  }

  /** NETLINK_ADD_MEMBERSHIP; listening needs no privilege for rtnetlink groups. */
  addMembership(group: number): void {
    if (!(Number.isInteger(group) && group > 0 && group <= 63)) throw new ErrnoError(Errno.EINVAL, `no group ${group}`);
    this.groups.add(group);
  }

  dropMembership(group: number): void {
    this.groups.delete(group);
  }

  isMember(group: number): boolean {
    return this.groups.has(group);
  }

  memberships(): number[] {
    return [...this.groups].sort((a, b) => a - b);
  }

  /** Closes the socket: pending and future reads fail with EBADF, the port id is freed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dump?.abandon();
    this.dump = undefined;
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.rtnl.forgetSocket(this);
    for (const wake of this.readers.splice(0)) wake();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    while (!this.closed) yield await this.recv();
  }

  /** Queues a part of this socket's dump (`__netlink_sendskb`): never dropped. */
  deliverDump(datagram: Uint8Array): void {
    if (this.closed) return;
    this.enqueue(datagram);
  }

  /**
   * Queues a reply or ACK to this socket's own request (`netlink_unicast` with MSG_DONTWAIT):
   * false, and an overrun, when the queue is already over `rcvbuf` or the socket is congested.
   */
  deliverUnicast(datagram: Uint8Array): boolean {
    if (this.closed) return false;
    if (this.congested || this.queuedBytes > this.rcvbuf) return this.overrunNow();
    this.enqueue(datagram);
    return true;
  }

  /** Queues a multicast notification; false, and an overrun, when it does not fit or the socket is congested. */
  deliverMulticast(datagram: Uint8Array): boolean {
    if (this.closed) return false;
    if (this.congested || this.queuedBytes + datagram.length > this.rcvbuf) return this.overrunNow();
    this.enqueue(datagram);
    return true;
  }

  /** `netlink_overrun()`: counts the drop; unless NETLINK_NO_ENOBUFS, congests and reports ENOBUFS once. */
  private overrunNow(): false {
    this.stats.dropped += 1;
    if (!this.noEnobufs && !this.congested) {
      this.congested = true;
      this.overrun = true;
    }
    this.wakeReaders();
    return false;
  }

  /** `netlink_rcv_wake()`: after a read, an empty queue ends the congestion. */
  private rcvWake(): void {
    if (this.pending === 0) this.congested = false;
  }

  /**
   * Runs the next pass of the dump in progress (as `task`, by default a new one for the reader),
   * serialised with any other pass; nothing happens while the receive queue is full.
   */
  continueDump(task?: Task): Promise<void> {
    const next = this.passes.then(async () => {
      if (this.dump && this.queuedBytes < this.rcvbuf) await this.dump.pass(task ?? new Task(`${this.name}:dump`));
    });
    this.passes = next.catch(() => {});
    return next;
  }

  private sendsIdle(): Promise<void> {
    if (this.sending === 0) return Promise.resolve();
    return new Promise((resolve) => this.sendsDone.push(resolve));
  }

  private enqueue(datagram: Uint8Array): void {
    this.queue.push(datagram);
    this.queuedBytes += datagram.length;
    this.stats.queued += 1;
    this.wakeReaders();
  }

  private take(): Uint8Array | undefined {
    if (this.head >= this.queue.length) return undefined;
    const datagram = this.queue[this.head] as Uint8Array;
    this.queue[this.head] = undefined as unknown as Uint8Array;
    this.head += 1;
    this.queuedBytes -= datagram.length;
    this.rcvWake();
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return datagram;
  }

  private wakeReaders(): void {
    for (const wake of this.readers.splice(0)) wake();
  }

  private waitForData(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.readers.indexOf(wake);
        if (i !== -1) this.readers.splice(i, 1);
        reject(signal?.reason);
      };
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.readers.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
