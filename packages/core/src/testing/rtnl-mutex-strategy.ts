/**
 * The smallest useful strategy: the kernel's own dispatcher rule. One RTNL mutex around every
 * doit and dump pass, except handlers flagged DOIT_UNLOCKED / DUMP_UNLOCKED; every subsystem lock
 * class is RTNL itself (taking it while holding RTNL costs nothing). Core's tests run on it; the
 * real strategies live in the strategy packages.
 */
import { LockError } from '../locking/errors';
import { Mutex } from '../locking/mutex';
import type { AcquireOptions } from '../locking/wait-queue';
import type { LockStrategy, StrategyCall, StrategyHost, SubsystemLock } from '../strategy/strategy';
import type { Task } from '../task/task';
import { RTNL_FLAG } from '../wire/constants';

export function rtnlMutexStrategy(): LockStrategy & { readonly rtnl: Mutex } {
  let rtnl: Mutex | undefined;
  /** Nesting depth of aliased lock() calls per task that already held RTNL. */
  const aliasDepth = new WeakMap<Task, number>();
  const mutex = () => {
    if (!rtnl) throw new LockError('strategy used before attach()');
    return rtnl;
  };
  const alias = (name: string): SubsystemLock => {
    const self: SubsystemLock = {
      name,
      async lock(task: Task, options?: AcquireOptions) {
        const m = mutex();
        if (m.ownerTask === task) {
          aliasDepth.set(task, (aliasDepth.get(task) ?? 0) + 1);
          return;
        }
        await m.lock(task, options);
      },
      unlock(task: Task) {
        const depth = aliasDepth.get(task) ?? 0;
        if (depth > 0) aliasDepth.set(task, depth - 1);
        else mutex().unlock(task);
      },
      async run<T>(task: Task, body: () => T | Promise<T>, options?: AcquireOptions): Promise<T> {
        await self.lock(task, options);
        try {
          return await body();
        } finally {
          self.unlock(task);
        }
      },
      assertHeld(task: Task) {
        mutex().assertHeld(task);
      },
    };
    return self;
  };
  return {
    name: 'rtnl-mutex',
    get rtnl() {
      return mutex();
    },
    attach(host: StrategyHost) {
      rtnl = new Mutex(host.env.lockClass('rtnl', { rank: 0 }));
    },
    async run<T>(call: StrategyCall, body: () => Promise<T>): Promise<T> {
      const unlocked = call.kind === 'doit' ? RTNL_FLAG.DOIT_UNLOCKED : RTNL_FLAG.DUMP_UNLOCKED;
      if (call.handler.flags & unlocked) return body();
      return mutex().runExclusive(call.task, body, { at: call.handler.name });
    },
    lock(cls: string) {
      return alias(cls);
    },
  };
}
