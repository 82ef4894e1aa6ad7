/**
 * Reader-writer semaphore, like the kernel's rw_semaphore (`pernet_ops_rwsem`, `net_rwsem`):
 * many readers or one writer, granted strictly in arrival order. A reader that arrives while a
 * writer waits queues behind it, so a stream of readers cannot starve writers; when the head of
 * the queue is a run of readers, they are all let in together.
 */
import type { Task, Waitable } from '../task/task';
import { LockError } from './errors';
import { defaultLockEnv, type LockClass } from './lock-class';
import type { AcquireMode, TrackedLock } from './lockdep';
import { LockGuard, type LockInstanceOptions } from './mutex';
import { type AcquireOptions, armWaiter, Waiter, WaitQueue } from './wait-queue';

const RESOLVED: Promise<void> = Promise.resolve();

export class RwSemaphore implements Waitable, TrackedLock {
  readonly cls: LockClass;
  readonly name: string;
  readonly key: unknown;
  private writer: Task | null = null;
  /** Reader → when it got in (on the lock's clock, for hold statistics). */
  private readonly readers = new Map<Task, number>();
  private readonly queue = new WaitQueue();
  private writerSince = 0;

  constructor(cls: LockClass | string, options: LockInstanceOptions = {}) {
    this.cls = typeof cls === 'string' ? defaultLockEnv.lockClass(cls) : cls;
    this.name = options.name ?? this.cls.name;
    this.key = options.key;
  }

  /** down_read: shared access. */
  readLock(task: Task, options?: AcquireOptions): Promise<void> {
    return this.acquire(task, 'shared', options);
  }

  /** down_write: exclusive access. */
  writeLock(task: Task, options?: AcquireOptions): Promise<void> {
    return this.acquire(task, 'exclusive', options);
  }

  /** down_read_trylock. */
  tryReadLock(task: Task, at?: string): boolean {
    if (!this.mayEnter('shared') || this.readers.has(task)) return false;
    this.cls.env.lockdep?.checkAcquire(task, this, at, true);
    this.grant(task, 'shared', at, 0, undefined, true);
    return true;
  }

  /** down_write_trylock. */
  tryWriteLock(task: Task, at?: string): boolean {
    if (!this.mayEnter('exclusive')) return false;
    this.cls.env.lockdep?.checkAcquire(task, this, at, true);
    this.grant(task, 'exclusive', at, 0, undefined, true);
    return true;
  }

  /** up_read. */
  readUnlock(task: Task): void {
    const since = this.readers.get(task);
    if (since === undefined) this.misuse(task, 'read-unlocked');
    const env = this.cls.env;
    if (this.cls.instrumented) env.stats?.released(this.cls, env.clock.now() - since, task.name, env.clock.now());
    this.readers.delete(task);
    this.released(task);
    this.dispatch();
  }

  /** up_write. */
  writeUnlock(task: Task): void {
    if (this.writer !== task) this.misuse(task, 'write-unlocked');
    const env = this.cls.env;
    if (this.cls.instrumented)
      env.stats?.released(this.cls, env.clock.now() - this.writerSince, task.name, env.clock.now());
    this.writer = null;
    this.released(task);
    this.dispatch();
  }

  async read<T>(task: Task, body: () => T | Promise<T>, options?: AcquireOptions): Promise<T> {
    await this.readLock(task, options);
    try {
      return await body();
    } finally {
      this.readUnlock(task);
    }
  }

  async write<T>(task: Task, body: () => T | Promise<T>, options?: AcquireOptions): Promise<T> {
    await this.writeLock(task, options);
    try {
      return await body();
    } finally {
      this.writeUnlock(task);
    }
  }

  async holdRead(task: Task, options?: AcquireOptions): Promise<LockGuard> {
    await this.readLock(task, options);
    return new LockGuard(() => this.readUnlock(task));
  }

  async holdWrite(task: Task, options?: AcquireOptions): Promise<LockGuard> {
    await this.writeLock(task, options);
    return new LockGuard(() => this.writeUnlock(task));
  }

  /** Throws unless `task` holds the semaphore (in `mode`, when given). */
  assertHeld(task: Task, mode?: AcquireMode): void {
    const held =
      mode === 'shared'
        ? this.readers.has(task)
        : mode === 'exclusive'
          ? this.writer === task
          : this.writer === task || this.readers.has(task);
    if (held) return;
    this.cls.env.lockdep?.assertHeld(task, this);
    throw new LockError(`${task} must hold ${this.name}${mode ? ` (${mode})` : ''}`);
  }

  get writerTask(): Task | null {
    return this.writer;
  }

  get readerTasks(): Task[] {
    return [...this.readers.keys()];
  }

  get waiters(): { task: Task; mode: AcquireMode }[] {
    return [...this.queue].map((w) => ({ task: w.task, mode: w.mode }));
  }

  holders(): Iterable<Task> {
    return this.writer ? [this.writer] : this.readers.keys();
  }

  toString(): string {
    return this.name;
  }

  private mayEnter(mode: AcquireMode): boolean {
    if (this.writer !== null || this.queue.size > 0) return false;
    return mode === 'shared' || this.readers.size === 0;
  }

  private acquire(task: Task, mode: AcquireMode, options: AcquireOptions | undefined): Promise<void> {
    task.waitHook?.(`${mode === 'shared' ? 'down_read' : 'down_write'} ${this.name}`);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const env = this.cls.env;
    const at = options?.at;
    try {
      env.lockdep?.checkAcquire(task, this, at, false);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.writer === task || this.readers.has(task)) {
      // A second down_read can deadlock behind a queued writer; a second down_write always does.
      return Promise.reject(new LockError(`${task} already holds ${this.name}: recursive locking`));
    }
    if (this.mayEnter(mode)) {
      this.grant(task, mode, at, 0, undefined, false);
      return RESOLVED;
    }
    return new Promise<void>((resolve, reject) => {
      const stats = env.stats !== undefined;
      const holder = stats
        ? (this.writer ?? this.readers.keys().next().value ?? this.queue.head?.task)?.name
        : undefined;
      const waiter = new Waiter(task, mode, at, stats ? env.clock.now() : 0, holder, resolve, reject);
      this.queue.push(waiter);
      task.block(this);
      armWaiter(waiter, options, env.clock, this.name, (w) => {
        const wasHead = this.queue.head === w;
        this.queue.remove(w);
        w.task.unblock();
        // A writer leaving the head may let the readers queued behind it in.
        if (wasHead) this.dispatch();
      });
    });
  }

  /** Lets in whoever may go now: the head writer alone, or the run of readers at the head. */
  private dispatch(): void {
    const env = this.cls.env;
    for (let w = this.queue.head; w; w = this.queue.head) {
      if (w.mode === 'exclusive' ? this.writer !== null || this.readers.size > 0 : this.writer !== null) return;
      this.queue.shift();
      w.detach?.();
      w.task.unblock();
      this.grant(w.task, w.mode, w.at, env.stats ? env.clock.now() - w.start : 0, w.holder, false);
      w.resolve();
      if (w.mode === 'exclusive') return;
    }
  }

  private grant(
    task: Task,
    mode: AcquireMode,
    at: string | undefined,
    waitMs: number,
    holder: string | undefined,
    trylock: boolean,
  ): void {
    if (mode === 'exclusive') this.writer = task;
    if (!this.cls.instrumented) {
      if (mode === 'shared') this.readers.set(task, 0);
      return;
    }
    const env = this.cls.env;
    if (mode === 'shared') this.readers.set(task, env.clock.now());
    env.stats?.acquired(this.cls, task.name, waitMs, holder, env.clock.now());
    env.lockdep?.acquired(task, this, mode, at, trylock);
    if (mode === 'exclusive') this.writerSince = env.clock.now();
  }

  private released(task: Task): void {
    this.cls.env.lockdep?.released(task, this);
  }

  private misuse(task: Task, what: string): never {
    this.cls.env.lockdep?.released(task, this);
    throw new LockError(`${task} ${what} ${this.name}, which it does not hold that way`);
  }
}
