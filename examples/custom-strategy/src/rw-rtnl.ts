/**
 * A reader-writer RTNL: the global strategy with one change. RTNL is an rw_semaphore instead of a
 * mutex; a dump pass and the doit of an RTM_GET* message (they only read) take it shared, every
 * other doit (NEW, DEL, SET: a change) takes it exclusive. Dumps and lookups overlap one another;
 * a change still excludes everything, and waits for the readers inside to leave.
 *
 * What it does not fix: writers still serialise on one lock, and the semaphore is fair (a reader
 * arriving behind a waiting writer queues behind it), so a slow writer such as an unregistration
 * that waits out grace periods under RTNL still blocks every reader, exactly as under `global`.
 */
import {
  type AcquireOptions,
  type LockClassName,
  LockError,
  type LockStrategy,
  Mutex,
  RTNL_KIND,
  RwSemaphore,
  rtnlMsgtypeKind,
  type StrategyCall,
  type StrategyHost,
  type SubsystemLock,
  type Task,
} from '@rtnlkit/core';

export interface RwRtnlOptions {
  /** The name in reports and comparisons; `rw-rtnl` by default. */
  name?: string;
  /**
   * Handlers (by name, e.g. `rtnl_getlink`) that answer a GET or a dump but change state, so must
   * take RTNL exclusive, doit and dump. None of rtnlkit's own need it (see the README: found by
   * running them).
   */
  writers?: readonly string[];
}

export interface RwRtnlStrategy extends LockStrategy {
  /** RTNL (class `rtnl`, rank 0), once attached. */
  readonly rtnl: RwSemaphore;
}

/** A call that only reads: a dump pass or a GET doit, of a handler not listed among the writers. */
export function readsOnly(call: StrategyCall, writers: ReadonlySet<string> = new Set()): boolean {
  if (writers.has(call.handler.name)) return false;
  return call.kind === 'dump' || rtnlMsgtypeKind(call.handler.type) === RTNL_KIND.GET;
}

export function rwRtnlStrategy(options: RwRtnlOptions = {}): RwRtnlStrategy {
  const name = options.name ?? 'rw-rtnl';
  const writers = new Set(options.writers ?? []);
  let host: StrategyHost | undefined;
  let sem: RwSemaphore | undefined;
  // What a reader gets when subsystem code asks it for a lock class: under `global` every class is
  // RTNL, i.e. exclusive; a reader holds RTNL only shared and an rw_semaphore cannot be upgraded
  // (down_write under down_read deadlocks), so readers that ask take this mutex among themselves.
  // Writers never meet it: they hold RTNL exclusive, so no reader is inside.
  let readerExcl: Mutex | undefined;
  // Classes taken by a task that already has them (any class counts: they all mean RTNL).
  const depth = new WeakMap<Task, number>();
  const locks = new Map<LockClassName, SubsystemLock>();

  const rtnl = (): RwSemaphore => {
    if (!sem) throw new LockError(`strategy ${name} used before attach()`);
    return sem;
  };
  const isReader = (task: Task) => rtnl().readerTasks.includes(task);
  const exclusive = (task: Task) => rtnl().writerTask === task || readerExcl?.ownerTask === task;

  const subsystemLock = (cls: LockClassName): SubsystemLock => {
    const self: SubsystemLock = {
      name: cls,
      async lock(task, acquire) {
        if (exclusive(task)) depth.set(task, (depth.get(task) ?? 0) + 1);
        else if (isReader(task)) await readerExcl?.lock(task, acquire);
        else await rtnl().writeLock(task, acquire); // a worker or timer outside any request
      },
      unlock(task) {
        const nested = depth.get(task) ?? 0;
        if (nested > 0) depth.set(task, nested - 1);
        else if (readerExcl?.ownerTask === task) readerExcl.unlock(task);
        else rtnl().writeUnlock(task);
      },
      async run(task, body, acquire) {
        await self.lock(task, acquire);
        try {
          return await body();
        } finally {
          self.unlock(task);
        }
      },
      // ASSERT_RTNL() as lockdep_assert_held(): either mode passes. An assertion cannot tell a
      // read from a write; a reader that writes must take the class (lock()) or be a `writer`.
      assertHeld: (task) => rtnl().assertHeld(task),
    };
    return self;
  };

  return {
    name,
    get rtnl() {
      return rtnl();
    },
    attach(to: StrategyHost) {
      if (host === to) return;
      if (host) throw new LockError(`strategy ${name} is already attached to another rtnetlink instance`);
      host = to;
      sem = new RwSemaphore(to.env.lockClass('rtnl', { rank: 0 }));
      readerExcl = new Mutex(to.env.lockClass('rtnl_readers_excl', { rank: 1 }));
    },
    run<T>(call: StrategyCall, body: () => Promise<T>): Promise<T> {
      const acquire: AcquireOptions | undefined = host?.env.instrumented ? { at: call.handler.name } : undefined;
      return readsOnly(call, writers) ? rtnl().read(call.task, body, acquire) : rtnl().write(call.task, body, acquire);
    },
    lock(cls: LockClassName): SubsystemLock {
      rtnl();
      let lock = locks.get(cls);
      if (!lock) {
        lock = subsystemLock(cls);
        locks.set(cls, lock);
      }
      return lock;
    },
  };
}
