/**
 * The receive path: `netlink_rcv_skb` walks the messages of a datagram and acknowledges them;
 * `rtnetlink_rcv_msg` checks each one, finds its handler and runs it through the strategy.
 */
import { Errno } from '../errno';
import type { Task } from '../task/task';
import { NLM_F, NLMSG, NLMSG_HDRLEN, PF, RTM_MAX, RTNL_FLAG, RTNL_KIND, rtnlMsgtypeKind } from '../wire/constants';
import { messagesOf, type NlMsg } from '../wire/nlmsg';
import { buildAck } from './ack';
import { DumpRun } from './dump';
import type { HandlerEntry } from './handlers';
import { answerBuilder, type DoitRequest, type Extack, type Prepared, RequestContext } from './request';
import type { Rtnetlink } from './rtnetlink';
import type { NetlinkSocket } from './socket';

/** What `netlink_dump_start` returns after starting a dump: no ACK for this message. */
const DUMP_STARTED = -Errno.EINTR;

/** `netlink_rcv_skb`: every message in order; an ACK or error for each as the kernel sends it. */
export async function netlinkRcvSkb(
  rtnl: Rtnetlink,
  socket: NetlinkSocket,
  datagram: Uint8Array,
  task: Task,
): Promise<void> {
  for (const msg of messagesOf(datagram)) {
    const { header } = msg;
    const extack: Extack = { msg: undefined, offset: undefined };
    let err = 0;
    // Only requests are handled; control messages are skipped, but still acknowledged if asked.
    if (header.flags & NLM_F.REQUEST && header.type >= NLMSG.MIN_TYPE) {
      // With fault injection on, the request's lock acquisitions are wait points too.
      const unwatch = rtnl.faultInjector?.watch(task);
      try {
        err = await rtnetlinkRcvMsg(rtnl, socket, msg, task, extack);
      } finally {
        unwatch?.();
      }
      if (err === DUMP_STARTED) continue;
    }
    if (header.flags & NLM_F.ACK || err !== 0) {
      socket.deliverUnicast(buildAck(msg.bytes, header, socket.portId, err, extack, socket));
    }
  }
}

/** `rtnetlink_rcv_msg`: 0, a negative errno, or DUMP_STARTED. */
async function rtnetlinkRcvMsg(
  rtnl: Rtnetlink,
  socket: NetlinkSocket,
  msg: NlMsg,
  task: Task,
  extack: Extack,
): Promise<number> {
  const { header } = msg;
  const type = header.type;
  if (type > RTM_MAX) return -Errno.EOPNOTSUPP;
  const kind = rtnlMsgtypeKind(type);
  // Every rtnetlink message carries at least an rtgenmsg (one byte: the family).
  if (header.len < NLMSG_HDRLEN + 1) return 0;
  const family = msg.bytes[NLMSG_HDRLEN] as number;
  if (kind !== RTNL_KIND.GET && !socket.admin) return -Errno.EPERM;

  if (kind === RTNL_KIND.GET && header.flags & NLM_F.DUMP) {
    const entry = lookup(rtnl, family, type, 'dumpit');
    if (!entry) return -Errno.EOPNOTSUPP;
    if (entry.owner && !entry.owner.tryGet()) return -Errno.EPROTONOSUPPORT;
    // netlink_dump_start(): one dump per socket; the owner stays pinned until the dump ends.
    if (socket.dump) {
      entry.owner?.put();
      return -Errno.EBUSY;
    }
    const run = new DumpRun(rtnl, socket, entry, header, msg.bytes, task);
    socket.dump = run;
    await socket.continueDump(task);
    return DUMP_STARTED;
  }

  const entry = lookup(rtnl, family, type, 'doit');
  if (!entry) return -Errno.EOPNOTSUPP;
  if (entry.owner && !entry.owner.tryGet()) return -Errno.EPROTONOSUPPORT;
  try {
    if (kind === RTNL_KIND.DEL && header.flags & NLM_F.BULK && !(entry.flags & RTNL_FLAG.BULK_DEL_SUPPORTED)) {
      extack.msg = 'Bulk delete is not supported';
      return -Errno.EOPNOTSUPP;
    }
    const request = new Request(rtnl, socket, msg.header, msg.bytes, task, extack);
    // The handler's unlocked first stage: its failure is the answer, with no lock ever taken.
    try {
      request.prepared = (await entry.prepare?.(request)) ?? undefined;
    } catch (error) {
      return -rtnl.errnoOf(error, extack);
    }
    const unlocked = (entry.flags & RTNL_FLAG.DOIT_UNLOCKED) !== 0;
    const { prepared } = request;
    try {
      const call = {
        handler: entry,
        kind: 'doit',
        net: socket.net,
        task,
        ...(prepared?.nets && { nets: prepared.nets }),
      } as const;
      return await rtnl.strategy.run(call, async () => {
        // Under the lock the handler is looked up again: it may have been replaced or removed. A
        // doit with a prepare stage keeps its entry (what was prepared belongs to that doit).
        const current = unlocked || entry.prepare ? entry : lookup(rtnl, family, type, 'doit');
        const doit = current?.doit;
        if (!doit) return -Errno.EOPNOTSUPP;
        try {
          await doit(request);
          return 0;
        } catch (error) {
          return -rtnl.errnoOf(error, extack);
        } finally {
          if (rtnl.chargeCpu) await rtnl.costs.spend(rtnl.clock, 'cpu.doit');
        }
      });
    } finally {
      // rtnl_unlock() → netdev_run_todo(), then what the prepare stage pinned (rtnl_link_ops_put).
      await request.runAfterUnlock();
      prepared?.release?.();
    }
  } catch (error) {
    // The strategy itself refused (a lockdep refusal, an abort): an error reply, never a throw.
    return -rtnl.errnoOf(error, extack);
  } finally {
    entry.owner?.put();
  }
}

/** `rtnl_get_link(family, type)` falling back to PF_UNSPEC when the family lacks the callback. */
function lookup(rtnl: Rtnetlink, family: number, type: number, want: 'doit' | 'dumpit'): HandlerEntry | undefined {
  const own = rtnl.handlers.get(family, type);
  if (own?.[want]) return own;
  const fallback = rtnl.handlers.get(PF.UNSPEC, type);
  return fallback?.[want] ? fallback : undefined;
}

class Request extends RequestContext implements DoitRequest {
  prepared: Prepared | undefined;
  private readonly todo: (() => void | Promise<void>)[] = [];

  afterUnlock(work: () => void | Promise<void>): void {
    this.todo.push(work);
  }

  /** Runs the queued work in order; a throw is a fault of the instance, and the rest still runs. */
  async runAfterUnlock(): Promise<void> {
    for (let work = this.todo.shift(); work; work = this.todo.shift()) {
      try {
        await work();
      } catch (error) {
        this.rtnl.fault(error);
      }
    }
  }

  builder(type: number, flags = 0) {
    return answerBuilder(this.header, this.socket.portId, type, flags);
  }

  reply(message: Uint8Array): void {
    this.socket.deliverUnicast(message);
  }

  notify(group: number, message: Uint8Array): void {
    this.rtnl.notify(this.net, group, message, {
      portId: this.socket.portId,
      report: (this.header.flags & NLM_F.ECHO) !== 0,
    });
  }
}
