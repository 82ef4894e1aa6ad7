/**
 * The strategy contract: checks any LockStrategy can run against what it promises. Each check is
 * framework-free (it throws an Error on failure), so a strategy package runs them with
 * `for (const check of strategyContract(make, promises)) it(check.name, check.run)`.
 */
import { Errno, ErrnoError } from '../errno';
import type { DoitRequest } from '../rtnetlink/request';
import type { LockStrategy } from '../strategy/strategy';
import { NOTIFY_DONE, NotifierChain } from '../sync/notifier';
import { Task } from '../task/task';
import { AF, RTNL_FLAG } from '../wire/constants';
import { RTM } from '../wire/generated';
import { call, toyRequest, toyWorld } from './toy-world';

/** What a strategy promises; each promise enables the checks that hold it to it. */
export interface StrategyPromises {
  /** Locked doits that declare the same lock class never overlap (every real strategy). */
  exclusiveSameClass: boolean;
  /** Every locked doit excludes every other, whatever classes they declare (global, elided). */
  exclusiveAll: boolean;
  /** A handler flagged DOIT_UNLOCKED runs while a locked one is inside its critical section. */
  unlockedConcurrent: boolean;
  /** Locked doits with disjoint lock classes run at the same time (finegrained). */
  disjointConcurrent: boolean;
}

export interface ContractCheck {
  name: string;
  run(): Promise<void>;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** How many doits were inside at once, at most, over a run. */
function overlapMeter() {
  let inside = 0;
  let max = 0;
  return {
    enter() {
      inside += 1;
      max = Math.max(max, inside);
    },
    leave() {
      inside -= 1;
    },
    get max() {
      return max;
    },
  };
}

export function strategyContract(make: () => LockStrategy, promises: StrategyPromises): ContractCheck[] {
  const checks: ContractCheck[] = [];
  const add = (name: string, run: () => Promise<void>) => checks.push({ name, run });

  add('locked doits of one class never overlap, and are served in arrival order', async () => {
    const { rtnl, clock } = toyWorld(make());
    const meter = overlapMeter();
    const order: number[] = [];
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      locks: ['rtnl'],
      async doit(req) {
        meter.enter();
        order.push(req.header.seq);
        await clock.sleep(5);
        meter.leave();
      },
    });
    const requests = Array.from({ length: 6 }, () => toyRequest(RTM.NEWLINK));
    const seqs = requests.map((r) => new DataView(r.buffer, r.byteOffset).getUint32(8, true));
    await clock.run(() => Promise.all(requests.map((r) => call(rtnl.socket({ admin: true }), r))));
    if (promises.exclusiveSameClass) {
      check(meter.max === 1, `${meter.max} doits of class rtnl were inside at once`);
      check(order.join() === seqs.join(), `served in order ${order.join()}, arrived in order ${seqs.join()}`);
    }
  });

  add('a failing doit releases every lock it held (an ErrnoError, a bug, a throw after an await)', async () => {
    const { rtnl, clock, env } = toyWorld(make());
    const tasks: Task[] = [];
    let calls = 0;
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.SETLINK,
      locks: ['rtnl'],
      async doit(req) {
        tasks.push(req.task);
        calls += 1;
        await req.lock('fib').run(req.task, () => clock.sleep(1));
        if (calls === 1) throw new ErrnoError(Errno.EBUSY, 'toy failure');
        if (calls === 2) throw new TypeError('toy bug');
      },
    });
    const s = rtnl.socket({ admin: true });
    const errnos = await clock.run(async () => [
      await call(s, toyRequest(RTM.SETLINK)),
      await call(s, toyRequest(RTM.SETLINK)),
      await call(s, toyRequest(RTM.SETLINK)),
    ]);
    check(errnos.join() === `${Errno.EBUSY},${Errno.EINVAL},0`, `errnos ${errnos.join()}`);
    for (const task of tasks) check(task.held.length === 0, `${task} still holds ${task.held.map((h) => h.lock.name)}`);
    const leaks = env.lockdep?.reports.filter((r) => r.kind === 'held-at-exit' || r.kind === 'bad-unlock') ?? [];
    check(leaks.length === 0, leaks.map((r) => r.title).join('; '));
  });

  add('an acquisition aborted while it waits leaves nothing held and the queue intact', async () => {
    const { rtnl, clock } = toyWorld(make());
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      locks: ['rtnl'],
      async doit(req) {
        await clock.sleep(10);
        void req;
      },
    });
    const s = rtnl.socket({ admin: true });
    await clock.run(async () => {
      const holder = call(s, toyRequest(RTM.NEWLINK));
      await clock.sleep(1);
      const waiter = new Task('aborted-waiter');
      const controller = new AbortController();
      const waiting = rtnl.strategy.lock('rtnl', rtnl.initNet).lock(waiter, { signal: controller.signal });
      await clock.sleep(1);
      controller.abort(new Error('gave up'));
      const outcome = await waiting.then(
        () => 'acquired',
        () => 'aborted',
      );
      // A strategy whose rtnl lock was free (unsafe) acquires at once; release it then.
      if (outcome === 'acquired') rtnl.strategy.lock('rtnl', rtnl.initNet).unlock(waiter);
      check(waiter.held.length === 0, `the aborted waiter holds ${waiter.held.map((h) => h.lock.name)}`);
      check((await holder) === 0, 'the holder failed');
      check((await call(s, toyRequest(RTM.NEWLINK))) === 0, 'a request after the abort failed');
    });
  });

  add('unlocked doits run while a locked doit is inside its critical section', async () => {
    const { rtnl, clock } = toyWorld(make());
    let lockedDone = -1;
    let unlockedDone = -1;
    rtnl.handlers.registerMany([
      {
        family: AF.UNSPEC,
        type: RTM.NEWLINK,
        locks: ['rtnl'],
        async doit() {
          await clock.sleep(100);
          lockedDone = clock.now();
        },
      },
      {
        family: AF.INET,
        type: RTM.GETROUTE,
        flags: RTNL_FLAG.DOIT_UNLOCKED,
        doit() {
          unlockedDone = clock.now();
        },
      },
    ]);
    await clock.run(async () => {
      const locked = call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK));
      await clock.sleep(10);
      await call(rtnl.socket(), toyRequest(RTM.GETROUTE, AF.INET));
      await locked;
    });
    if (promises.unlockedConcurrent) {
      check(
        unlockedDone < lockedDone,
        `the unlocked doit finished at ${unlockedDone}, after the locked one (${lockedDone})`,
      );
    } else {
      check(
        unlockedDone >= lockedDone,
        `the "unlocked" doit ran at ${unlockedDone}, inside the locked one (${lockedDone})`,
      );
    }
  });

  add('locked doits of disjoint classes overlap or exclude each other as promised', async () => {
    const { rtnl, clock } = toyWorld(make());
    const meter = overlapMeter();
    const body = async () => {
      meter.enter();
      await clock.sleep(10);
      meter.leave();
    };
    rtnl.handlers.registerMany([
      { family: AF.INET, type: RTM.NEWADDR, locks: ['devinet'], doit: body },
      { family: AF.INET, type: RTM.NEWROUTE, locks: ['fib'], doit: body },
    ]);
    await clock.run(() =>
      Promise.all([
        call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWADDR, AF.INET)),
        call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWROUTE, AF.INET)),
      ]),
    );
    if (promises.exclusiveAll) check(meter.max === 1, 'devinet and fib doits overlapped');
    if (promises.disjointConcurrent) check(meter.max === 2, 'devinet and fib doits did not overlap');
  });

  add('notifier callbacks run under the locks of the doit that calls the chain', async () => {
    const { rtnl, clock } = toyWorld(make());
    const chain = new NotifierChain<'NETDEV_UP', DoitRequest>('toy_netdev_chain');
    const failures: string[] = [];
    chain.register((_event, req) => {
      try {
        req.lock('rtnl').assertHeld(req.task);
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
      return NOTIFY_DONE;
    });
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      locks: ['rtnl'],
      async doit(req) {
        await clock.sleep(1);
        await chain.call('NETDEV_UP', req);
      },
    });
    const errno = await clock.run(() => call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK)));
    check(errno === 0, `the doit failed with ${errno}`);
    check(failures.length === 0, `notifier ran without rtnl: ${failures.join('; ')}`);
  });

  return checks;
}
