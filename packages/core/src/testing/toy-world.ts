/**
 * A small world for testing strategies: an rtnetlink instance on a virtual clock with lockdep on,
 * the `rtnl`, `devinet` and `fib` lock classes declared, and helpers to register toy handlers and
 * send requests that wait for their ACK.
 */
import { Errno } from '../errno';
import { LockEnv } from '../locking/lock-class';
import { Rtnetlink } from '../rtnetlink/rtnetlink';
import type { NetlinkSocket } from '../rtnetlink/socket';
import type { LockStrategy } from '../strategy/strategy';
import { Task } from '../task/task';
import { CostModel } from '../time/cost-model';
import { VirtualClock } from '../time/virtual-clock';
import { NlMsgBuilder } from '../wire/builder';
import { AF, NLM_F, NLMSG } from '../wire/constants';
import { encodeIfInfoMsg } from '../wire/headers';
import { decodeDatagram } from './messages';

export interface ToyWorld {
  rtnl: Rtnetlink;
  clock: VirtualClock;
  env: LockEnv;
}

/** The classes toy handlers use, ranked as the seed proposes: RTNL first, then devinet, then FIB. */
export const TOY_LOCK_CLASSES = [
  { name: 'devinet', rank: 10, description: 'IPv4 address configuration' },
  { name: 'fib', rank: 20, description: 'the IPv4 FIB' },
] as const;

export function toyWorld(strategy: LockStrategy, seed?: number, options: { stats?: boolean } = {}): ToyWorld {
  const clock = new VirtualClock(seed === undefined ? {} : { seed });
  const env = new LockEnv({ clock, lockdep: true, stats: options.stats ?? false });
  const rtnl = new Rtnetlink({ strategy, env, costs: new CostModel({}, seed ?? 1) });
  rtnl.declareLockClasses(TOY_LOCK_CLASSES);
  return { rtnl, clock, env };
}

let nextSeq = 1;

/** A request of `type` with an ifinfomsg header (family AF_UNSPEC unless given) and NLM_F_ACK. */
export function toyRequest(type: number, family: number = AF.UNSPEC, index = 0): Uint8Array {
  return new NlMsgBuilder(type, NLM_F.REQUEST | NLM_F.ACK, nextSeq++, 0)
    .bytes(encodeIfInfoMsg({ family, type: 0, index, flags: 0, change: 0 }))
    .finish();
}

/** A dump request of `type` (NLM_F_REQUEST | NLM_F_DUMP) with an ifinfomsg header. */
export function toyDumpRequest(type: number, family: number = AF.UNSPEC): Uint8Array {
  return new NlMsgBuilder(type, NLM_F.REQUEST | NLM_F.DUMP, nextSeq++, 0)
    .bytes(encodeIfInfoMsg({ family, type: 0, index: 0, flags: 0, change: 0 }))
    .finish();
}

/**
 * Sends a dump request and reads until its NLMSG_DONE (or an NLMSG_ERROR); resolves with the
 * dump's errno (0 when it ended well) and how many messages it delivered.
 */
export async function callDump(
  socket: NetlinkSocket,
  request: Uint8Array,
  task = new Task(socket.name),
): Promise<{ errno: number; messages: number }> {
  const seq = new DataView(request.buffer, request.byteOffset).getUint32(8, true);
  await socket.send(request, { task });
  let messages = 0;
  for (;;) {
    for (const m of decodeDatagram(await socket.recv())) {
      if (m.header.seq !== seq) continue;
      if (m.header.type === NLMSG.DONE) return { errno: m.doneErrno ?? 0, messages };
      if (m.header.type === NLMSG.ERROR) return { errno: m.errno ?? Errno.EIO, messages };
      messages += 1;
    }
  }
}

/**
 * Sends `request` on `socket` as `task` and reads until its NLMSG_ERROR; resolves with the errno
 * (0 for success). Other replies are skipped.
 */
export async function call(socket: NetlinkSocket, request: Uint8Array, task = new Task(socket.name)): Promise<number> {
  const seq = new DataView(request.buffer, request.byteOffset).getUint32(8, true);
  await socket.send(request, { task });
  for (;;) {
    for (const m of decodeDatagram(await socket.recv())) {
      if (m.header.type === NLMSG.ERROR && m.header.seq === seq) return m.errno ?? Errno.EIO;
    }
  }
}
