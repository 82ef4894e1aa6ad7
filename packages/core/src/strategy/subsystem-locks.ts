/**
 * Building blocks for strategies: a {@link SubsystemLock} over a mutex, and one that aliases a
 * class to another lock, the way a global RTNL makes `fib` mean RTNL: taking it while holding the
 * target costs nothing and is not a new lock; taking it without holding the target takes the
 * target.
 */
import type { Mutex } from '../locking/mutex';
import type { AcquireOptions } from '../locking/wait-queue';
import type { Task } from '../task/task';
import type { SubsystemLock } from './strategy';

async function runUnder<T>(
  lock: SubsystemLock,
  task: Task,
  body: () => T | Promise<T>,
  options?: AcquireOptions,
): Promise<T> {
  await lock.lock(task, options);
  try {
    return await body();
  } finally {
    lock.unlock(task);
  }
}

/** The lock a class maps to when it is a mutex of its own. */
export function mutexLock(mutex: Mutex, name: string = mutex.name): SubsystemLock {
  const self: SubsystemLock = {
    name,
    lock: (task, options) => mutex.lock(task, options),
    unlock: (task) => mutex.unlock(task),
    run: (task, body, options) => runUnder(self, task, body, options),
    assertHeld: (task) => mutex.assertHeld(task),
  };
  return self;
}

/**
 * Class `name` aliased to `target`: a no-op for a task that already holds the target (nesting is
 * counted per task), the target itself otherwise.
 */
export function aliasLock(name: string, target: Mutex): SubsystemLock {
  const depth = new WeakMap<Task, number>();
  const self: SubsystemLock = {
    name,
    async lock(task, options) {
      if (target.ownerTask === task) {
        depth.set(task, (depth.get(task) ?? 0) + 1);
        return;
      }
      await target.lock(task, options);
    },
    unlock(task) {
      const nested = depth.get(task) ?? 0;
      if (nested > 0) depth.set(task, nested - 1);
      else target.unlock(task);
    },
    run: (task, body, options) => runUnder(self, task, body, options),
    assertHeld: (task) => target.assertHeld(task),
  };
  return self;
}
