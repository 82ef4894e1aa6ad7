/**
 * SeqLock: a {@link SeqCount} whose writers are serialised by their own lock, like the kernel's
 * `seqlock_t` (e.g. `netdev_rename_lock`, which protects `dev->name` since v6.10). Readers take no
 * lock: they retry until they saw no write, so a renaming writer never blocks them and they never
 * see a half-written name.
 */
import { defaultLockEnv, type LockClass } from '../locking/lock-class';
import { Mutex } from '../locking/mutex';
import type { AcquireOptions } from '../locking/wait-queue';
import type { Task } from '../task/task';
import { SeqCount, type SeqReadOptions } from './seqcount';

export class SeqLock {
  readonly seq: SeqCount;
  /** Serialises writers; readers never touch it. */
  readonly writerLock: Mutex;

  /** `cls` is the writer lock's class, or a name for a class in the default environment. */
  constructor(cls: LockClass | string) {
    const lockClass = typeof cls === 'string' ? defaultLockEnv.lockClass(cls) : cls;
    this.writerLock = new Mutex(lockClass);
    this.seq = new SeqCount(lockClass.name);
  }

  get name(): string {
    return this.seq.name;
  }

  /** write_seqlock(): takes the writer lock, then makes the count odd. */
  async writeLock(task: Task, options?: AcquireOptions): Promise<void> {
    await this.writerLock.lock(task, options);
    this.seq.writeBegin();
  }

  /** write_sequnlock(). */
  writeUnlock(task: Task): void {
    this.writerLock.assertHeld(task);
    this.seq.writeEnd();
    this.writerLock.unlock(task);
  }

  /** Runs `body` as the one writer; the count is even again however `body` ends. */
  async write<T>(task: Task, body: () => T | Promise<T>, options?: AcquireOptions): Promise<T> {
    await this.writeLock(task, options);
    try {
      return await body();
    } finally {
      this.writeUnlock(task);
    }
  }

  /** Retries `body` until it ran without a write in between (waiting out a write in progress). */
  read<T>(body: () => T | Promise<T>, options?: SeqReadOptions): Promise<T> {
    return this.seq.read(body, options);
  }

  /** The synchronous reader (`netdev_copy_name`): retries while the count moved. */
  readSync<T>(body: () => T): T {
    return this.seq.readSync(body);
  }
}
