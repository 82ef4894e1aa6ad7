/**
 * What a handler sees: the request context for a doit (the kernel's skb + nlh + extack) and the
 * dump callback for a dumpit (`struct netlink_callback`).
 */
import type { Net } from '../net/net';
import type { LockClassName, SubsystemLock } from '../strategy/strategy';
import type { Task } from '../task/task';
import type { AttrSet, AttrSpec } from '../wire/attr-types';
import { NlMsgBuilder } from '../wire/builder';
import type { NlMsgHeader } from '../wire/nlmsg';
import { nlmsgParse, type ParsedAttrs } from '../wire/parse';
import type { Rtnetlink } from './rtnetlink';
import type { NetlinkSocket } from './socket';

/** `struct netlink_ext_ack` as far as rtnlkit models it. */
export interface Extack {
  /** NLMSGERR_ATTR_MSG; on success a warning. */
  msg: string | undefined;
  /** NLMSGERR_ATTR_OFFS: the offending attribute's offset from the message start. */
  offset: number | undefined;
  /** NLMSGERR_ATTR_POLICY: the policy that attribute failed. */
  policy?: AttrSpec | undefined;
}

interface RequestBase {
  readonly rtnl: Rtnetlink;
  /** The namespace of the requesting socket (`sock_net(skb->sk)`). */
  readonly net: Net;
  readonly socket: NetlinkSocket;
  readonly task: Task;
  readonly header: NlMsgHeader;
  /** The whole request message, header included. */
  readonly message: Uint8Array;
  /** The socket asked for strict checking (NETLINK_GET_STRICT_CHK). */
  readonly strict: boolean;
  readonly extack: Extack;
  /**
   * nlmsg_parse(): the attributes after a fixed header of `hdrlen` bytes, validated against `set`
   * with NL_VALIDATE_* bits; throws an ErrnoError with extack and offset on the first bad one.
   */
  parse(hdrlen: number, set: AttrSet, validate: number): ParsedAttrs;
  /** The lock the strategy maps class `cls` to (in `net` for per-namespace classes). */
  lock(cls: LockClassName, net?: Net): SubsystemLock;
}

/**
 * What a doit's unlocked first stage ({@link HandlerSpec.prepare}) hands on: the kernel's
 * handlers parse, look up a link kind (pinning it with SRCU) and name the namespaces they touch
 * before they take `rtnl_nets_lock()`.
 */
export interface Prepared {
  /** Namespaces besides the request's that the doit changes: the strategy locks them too. */
  readonly nets?: readonly Net[];
  /** Whatever the doit needs from the stage (parsed attributes, a pinned kind). */
  readonly data?: unknown;
  /** Releases what the stage pinned; runs once the doit is over, whatever happened. */
  release?(): void;
}

export interface DoitRequest extends RequestBase {
  /** What the handler's `prepare` stage returned, if it has one. */
  readonly prepared: Prepared | undefined;
  /**
   * Work the kernel does in `rtnl_unlock()` on the requester's behalf (`netdev_run_todo()`:
   * waiting for a deleted device's references): run after the strategy released the handler's
   * locks and before the reply, in the order queued. A failure is a fault, not the request's error.
   */
  afterUnlock(work: () => void | Promise<void>): void;
  /** A message builder with the reply header filled in (requester's port id and seq). */
  builder(type: number, flags?: number): NlMsgBuilder;
  /** rtnl_unicast(): sends a reply to the requester. */
  reply(message: Uint8Array): void;
  /**
   * rtnl_notify(): sends `message` to `group` in the request's namespace; with NLM_F_ECHO on the
   * request, the requester gets it too (by unicast, and not twice).
   */
  notify(group: number, message: Uint8Array): void;
}

export interface DumpCallback extends RequestBase {
  /** `cb->args`: the dumpit's own cursor, kept from one pass to the next. */
  readonly cursor: Record<string, number>;
  /**
   * `cb->seq`: set it to the generation counter the dump is consistent against, once per pass
   * when the locks are held; 0 means none (as in the kernel, 0 is never a valid sequence).
   */
  seq: number;
  /** `cb->answer_flags`: NLM_F_DUMP_FILTERED when the request filtered the dump. */
  answerFlags: number;
  /** How many messages this dump has sent so far, over all passes. */
  readonly sent: number;
  /** A builder for one dump message: NLM_F_MULTI plus the answer flags, requester's pid and seq. */
  builder(type: number): NlMsgBuilder;
  /**
   * Adds a message to this pass's buffer. False when it does not fit: stop, keep the cursor, and
   * return true ("more") so the next pass resumes there.
   */
  put(message: Uint8Array): boolean;
  /** nl_dump_check_consistent() on the last message put: flags it NLM_F_DUMP_INTR if `seq` moved. */
  checkConsistent(): void;
}

/** A doit: succeeds by returning, fails by throwing an ErrnoError (with its extack). */
export type DoIt = (req: DoitRequest) => Promise<void> | void;

/**
 * A doit's first stage, run with no lock taken: fails like a doit (the request's answer, no lock
 * ever taken), or returns what the strategy and the doit need.
 */
export type Prepare = (req: DoitRequest) => Prepared | undefined | Promise<Prepared | undefined>;

/** A dumpit: one pass; returns true while there is more to dump, false when done. */
export type DumpIt = (cb: DumpCallback) => Promise<boolean> | boolean;

/** A builder for a message answering `header` from the requester's point of view. */
export function answerBuilder(
  header: NlMsgHeader,
  portId: number,
  type: number,
  flags: number,
  capacity?: number,
): NlMsgBuilder {
  return new NlMsgBuilder(type, flags, header.seq, portId, capacity);
}

/** What doit requests and dump callbacks share: the request, its socket, parsing and locking. */
export abstract class RequestContext {
  constructor(
    readonly rtnl: Rtnetlink,
    readonly socket: NetlinkSocket,
    readonly header: NlMsgHeader,
    /** The whole request message, header included. */
    readonly message: Uint8Array,
    public task: Task,
    readonly extack: Extack = { msg: undefined, offset: undefined },
  ) {}

  get net(): Net {
    return this.socket.net;
  }

  get strict(): boolean {
    return this.socket.strictChk;
  }

  parse(hdrlen: number, set: AttrSet, validate: number): ParsedAttrs {
    const parsed = nlmsgParse(this.message, hdrlen, set, validate);
    if (parsed.warning) this.extack.msg = parsed.warning;
    return parsed;
  }

  lock(cls: LockClassName, net?: Net): SubsystemLock {
    return this.rtnl.strategy.lock(cls, net ?? this.net);
  }
}
