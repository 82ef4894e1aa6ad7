/**
 * The FIFO queue of tasks waiting for a lock, shared by every lock type. A waiter leaves the queue
 * the moment its signal aborts or its timeout fires: no ghost waiter is ever granted the lock
 * later (the defect of async-mutex's `withTimeout`).
 */
import type { Task } from '../task/task';
import type { Clock } from '../time/clock';
import { LockTimeoutError } from './errors';
import type { AcquireMode } from './lockdep';

export interface AcquireOptions {
  /** Aborting it removes the waiter and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Milliseconds on the lock's clock before giving up with a {@link LockTimeoutError}. */
  timeout?: number;
  /** Where the acquisition is made, for lockdep reports (e.g. "rtnl_newlink"). */
  at?: string;
}

export class Waiter {
  prev: Waiter | undefined;
  next: Waiter | undefined;
  queued = true;
  /** Removes abort listener and timer; set when the waiter has either. */
  detach: (() => void) | undefined;

  constructor(
    readonly task: Task,
    readonly mode: AcquireMode,
    readonly at: string | undefined,
    /** When it started waiting, on the lock's clock (statistics only). */
    readonly start: number,
    /** Who held the lock when it started waiting (statistics only). */
    readonly holder: string | undefined,
    readonly resolve: () => void,
    readonly reject: (reason: unknown) => void,
  ) {}
}

export class WaitQueue {
  head: Waiter | undefined;
  private tail: Waiter | undefined;
  size = 0;

  push(waiter: Waiter): void {
    waiter.prev = this.tail;
    if (this.tail) this.tail.next = waiter;
    else this.head = waiter;
    this.tail = waiter;
    this.size += 1;
  }

  remove(waiter: Waiter): void {
    if (!waiter.queued) return;
    waiter.queued = false;
    if (waiter.prev) waiter.prev.next = waiter.next;
    else this.head = waiter.next;
    if (waiter.next) waiter.next.prev = waiter.prev;
    else this.tail = waiter.prev;
    waiter.prev = undefined;
    waiter.next = undefined;
    this.size -= 1;
  }

  shift(): Waiter | undefined {
    const waiter = this.head;
    if (waiter) this.remove(waiter);
    return waiter;
  }

  *[Symbol.iterator](): IterableIterator<Waiter> {
    for (let w = this.head; w; w = w.next) yield w;
  }
}

/**
 * Arms a waiter's abort signal and timeout. `leave` must take the waiter out of its lock's queue
 * (and let the lock hand over to whoever may now go); it runs before the promise rejects.
 */
export function armWaiter(
  waiter: Waiter,
  options: AcquireOptions | undefined,
  clock: Clock,
  lockName: string,
  leave: (waiter: Waiter) => void,
): void {
  const signal = options?.signal;
  const timeout = options?.timeout;
  if (!signal && timeout === undefined) return;
  let cancelTimer: (() => void) | undefined;
  const giveUp = (reason: unknown) => {
    waiter.detach?.();
    leave(waiter);
    waiter.reject(reason);
  };
  const onAbort = () => giveUp(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (timeout !== undefined) {
    cancelTimer = clock.setTimer(timeout, () => giveUp(new LockTimeoutError(lockName, timeout)));
  }
  waiter.detach = () => {
    signal?.removeEventListener('abort', onAbort);
    cancelTimer?.();
    waiter.detach = undefined;
  };
}
