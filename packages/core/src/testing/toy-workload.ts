/**
 * A workload for the schedule explorer whose handlers keep shared state across awaits, the way
 * kernel handlers assume RTNL protects them: a counter read, then written after an await (a lost
 * update without mutual exclusion), two fields written with an await between them and read back
 * by a locked getter (a torn read), and a notifier that updates FIB state under the `fib` class.
 * Clients pick their requests and pauses from the seed, so each seed is one schedule.
 */
import type { DoitRequest } from '../rtnetlink/request';
import type { LockStrategy } from '../strategy/strategy';
import { NOTIFY_OK, NotifierChain } from '../sync/notifier';
import { Task } from '../task/task';
import { SeededRandom } from '../time/random';
import { AF, RTNL_FLAG } from '../wire/constants';
import { RTM } from '../wire/generated';
import { call, toyRequest, toyWorld } from './toy-world';

export interface ToyWorkloadOptions {
  clients?: number;
  requestsPerClient?: number;
  /** Flags for the two-field writer, e.g. RTNL_FLAG.DOIT_PERNET to put it under per-namespace RTNL. */
  writerFlags?: number;
}

/** Returns a `run(seed)` for {@link exploreSchedules}: the invariants each seed broke. */
export function toyWorkload(
  make: () => LockStrategy,
  options: ToyWorkloadOptions = {},
): (seed: number) => Promise<string[]> {
  const clients = options.clients ?? 4;
  const perClient = options.requestsPerClient ?? 4;
  return async (seed) => {
    const { rtnl, clock, env } = toyWorld(make(), seed);
    const random = new SeededRandom(seed);
    const pause = () => clock.sleep(random.int(3));
    const state = { counter: 0, increments: 0, a: 0, b: 0, fib: 0, fibUpdates: 0 };
    const violations: string[] = [];
    const fibChain = new NotifierChain<'NETDEV_UP', DoitRequest>('toy_inetaddr_chain');
    fibChain.register(async (_event, req) => {
      await req.lock('fib').run(req.task, async () => {
        const seen = state.fib;
        await pause();
        state.fib = seen + 1;
      });
      state.fibUpdates += 1;
      return NOTIFY_OK;
    });
    let version = 0;
    rtnl.handlers.registerMany([
      {
        family: AF.UNSPEC,
        type: RTM.NEWLINK,
        locks: ['rtnl'],
        name: 'toy_newlink',
        async doit(req) {
          const seen = state.counter;
          await pause();
          state.counter = seen + 1;
          state.increments += 1;
          await fibChain.call('NETDEV_UP', req);
        },
      },
      {
        family: AF.UNSPEC,
        type: RTM.SETLINK,
        locks: ['rtnl'],
        flags: options.writerFlags ?? 0,
        name: 'toy_setlink',
        async doit() {
          version += 1;
          state.a = version;
          await pause();
          state.b = version;
        },
      },
      {
        family: AF.UNSPEC,
        type: RTM.GETLINK,
        locks: ['rtnl'],
        name: 'toy_getlink',
        async doit() {
          const a = state.a;
          await pause();
          if (state.b !== a || state.a !== a) violations.push(`torn read: a=${a} then a=${state.a}, b=${state.b}`);
        },
        // A dump pass that is not DUMP_UNLOCKED: it must see the two fields written together too.
        async dumpit(cb) {
          const pass = cb.cursor.pass ?? 0;
          const a = state.a;
          await pause();
          if (state.b !== a || state.a !== a) violations.push(`torn dump: a=${a} then a=${state.a}, b=${state.b}`);
          cb.put(cb.builder(RTM.NEWLINK).bytes(new Uint8Array(16)).u32(4, a).finish());
          cb.cursor.pass = pass + 1;
          return pass < 2;
        },
      },
      {
        family: AF.INET,
        type: RTM.GETROUTE,
        flags: RTNL_FLAG.DOIT_UNLOCKED,
        name: 'toy_getroute',
        async doit() {
          await pause();
        },
      },
    ]);
    /** GETLINK twice: once as a doit, once (the last) as a dump. */
    const kinds = [RTM.NEWLINK, RTM.SETLINK, RTM.GETLINK, RTM.GETROUTE, RTM.GETLINK] as const;
    const client = async (i: number) => {
      const socket = rtnl.socket({ admin: true, name: `client${i}` });
      for (let k = 0; k < perClient; k++) {
        await pause();
        const type = kinds[random.int(kinds.length)] as number;
        const errno = await call(
          socket,
          toyRequest(type, type === RTM.GETROUTE ? AF.INET : AF.UNSPEC),
          new Task(`client${i}`),
        );
        if (errno !== 0) violations.push(`client${i}: request ${type} failed with ${errno}`);
      }
    };
    try {
      await clock.run(() => Promise.all(Array.from({ length: clients }, (_, i) => client(i))));
    } catch (error) {
      violations.push(`run failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
    if (state.counter !== state.increments)
      violations.push(`lost update: counter ${state.counter} after ${state.increments} increments`);
    if (state.fib !== state.fibUpdates) violations.push(`lost FIB update: ${state.fib} after ${state.fibUpdates}`);
    for (const report of env.lockdep?.reports ?? []) violations.push(`lockdep: ${report.title}`);
    if (rtnl.faults.length > 0) violations.push(`${rtnl.faults.length} handler faults`);
    return violations;
  };
}
