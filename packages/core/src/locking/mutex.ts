/**
 * Mutex: a FIFO-fair async sleeping lock, owned by a {@link Task}.
 *
 * Unlock hands the lock straight to the first waiter, so nobody barges ahead of the queue.
 * The uncontended path of an uninstrumented mutex allocates nothing (it returns one shared
 * resolved promise); lockdep and statistics cost only in environments that turn them on.
 */
import type { Task, Waitable } from '../task/task';
import { LockError } from './errors';
import { defaultLockEnv, type LockClass } from './lock-class';
import type { TrackedLock } from './lockdep';
import { type AcquireOptions, armWaiter, Waiter, WaitQueue } from './wait-queue';

const RESOLVED: Promise<void> = Promise.resolve();

export interface LockInstanceOptions {
  /** Instance name for reports, e.g. `rtnl_net(ns1)`; defaults to the class name. */
  name?: string;
  /** The value the class comparator orders instances by (e.g. a namespace id). */
  key?: unknown;
}

/** A held lock that releases itself: `using guard = await mutex.hold(task)`. */
export class LockGuard implements Disposable, AsyncDisposable {
  private released = false;

  constructor(private readonly unlock: () => void) {}

  /** Releases the lock; later calls do nothing. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.unlock();
  }

  [Symbol.dispose](): void {
    this.release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.release();
    return RESOLVED;
  }
}

export class Mutex implements Waitable, TrackedLock {
  readonly cls: LockClass;
  readonly name: string;
  readonly key: unknown;
  private owner: Task | null = null;
  private readonly queue = new WaitQueue();
  private acquiredAt = 0;

  /** `cls` is a lock class, or a name for a class in the default environment. */
  constructor(cls: LockClass | string, options: LockInstanceOptions = {}) {
    this.cls = typeof cls === 'string' ? defaultLockEnv.lockClass(cls) : cls;
    this.name = options.name ?? this.cls.name;
    this.key = options.key;
  }

  /** Resolves once `task` owns the mutex. Rejects on abort, timeout, recursion or a lockdep refusal. */
  lock(task: Task, options?: AcquireOptions): Promise<void> {
    if (this.owner === null && options === undefined && !this.cls.instrumented && task.waitHook === undefined) {
      this.owner = task;
      return RESOLVED;
    }
    return this.lockSlow(task, options);
  }

  /** Takes the mutex if it is free, without waiting. */
  tryLock(task: Task, at?: string): boolean {
    if (this.owner !== null) return false;
    this.cls.env.lockdep?.checkAcquire(task, this, at, true);
    this.grant(task, at, 0, undefined, true);
    return true;
  }

  /** Releases the mutex; the first waiter, if any, owns it next. Throws unless `task` owns it. */
  unlock(task: Task): void {
    const env = this.cls.env;
    if (this.owner !== task) {
      env.lockdep?.released(task, this);
      throw new LockError(
        `${task} unlocked ${this.name}, which it does not hold${this.owner ? ` (held by ${this.owner})` : ''}`,
      );
    }
    if (this.cls.instrumented) {
      const now = env.clock.now();
      env.stats?.released(this.cls, now - this.acquiredAt, task.name, now);
      env.lockdep?.released(task, this);
    }
    const next = this.queue.shift();
    if (next === undefined) {
      this.owner = null;
      return;
    }
    next.detach?.();
    next.task.unblock();
    this.grant(next.task, next.at, env.stats ? env.clock.now() - next.start : 0, next.holder, false);
    next.resolve();
  }

  /** Locks and returns a guard for `using`. */
  async hold(task: Task, options?: AcquireOptions): Promise<LockGuard> {
    await this.lock(task, options);
    return new LockGuard(() => this.unlock(task));
  }

  /** Runs `body` with the mutex held and releases it however `body` ends. */
  async runExclusive<T>(task: Task, body: () => T | Promise<T>, options?: AcquireOptions): Promise<T> {
    await this.lock(task, options);
    try {
      return await body();
    } finally {
      this.unlock(task);
    }
  }

  /** Throws a {@link LockError} (and reports to lockdep) unless `task` owns the mutex. */
  assertHeld(task: Task): void {
    if (this.owner === task) return;
    this.cls.env.lockdep?.assertHeld(task, this);
    throw new LockError(`${task} must hold ${this.name}`);
  }

  get locked(): boolean {
    return this.owner !== null;
  }

  get ownerTask(): Task | null {
    return this.owner;
  }

  /** The waiting tasks, first in line first. */
  get waiters(): Task[] {
    return [...this.queue].map((w) => w.task);
  }

  holders(): Iterable<Task> {
    return this.owner ? [this.owner] : [];
  }

  toString(): string {
    return this.name;
  }

  private lockSlow(task: Task, options: AcquireOptions | undefined): Promise<void> {
    task.waitHook?.(`lock ${this.name}`);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const env = this.cls.env;
    const at = options?.at;
    try {
      env.lockdep?.checkAcquire(task, this, at, false);
    } catch (error) {
      return Promise.reject(error);
    }
    const owner = this.owner;
    if (owner === null) {
      this.grant(task, at, 0, undefined, false);
      return RESOLVED;
    }
    if (owner === task) return Promise.reject(new LockError(`${task} already holds ${this.name}: recursive locking`));
    return new Promise<void>((resolve, reject) => {
      const stats = env.stats !== undefined;
      const waiter = new Waiter(
        task,
        'exclusive',
        at,
        stats ? env.clock.now() : 0,
        stats ? owner.name : undefined,
        resolve,
        reject,
      );
      this.queue.push(waiter);
      task.block(this);
      armWaiter(waiter, options, env.clock, this.name, (w) => {
        this.queue.remove(w);
        w.task.unblock();
      });
    });
  }

  private grant(
    task: Task,
    at: string | undefined,
    waitMs: number,
    holder: string | undefined,
    trylock: boolean,
  ): void {
    this.owner = task;
    if (!this.cls.instrumented) return;
    const env = this.cls.env;
    const now = env.clock.now();
    env.stats?.acquired(this.cls, task.name, waitMs, holder, now);
    env.lockdep?.acquired(task, this, 'exclusive', at, trylock);
    this.acquiredAt = now;
  }
}
