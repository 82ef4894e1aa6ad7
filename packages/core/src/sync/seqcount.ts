/**
 * A sequence counter, modelled on the kernel's `seqcount_t` (include/linux/seqlock.h).
 *
 * A writer makes the count odd before it changes the protected data and even again after, so a
 * reader that saw the same even value before and after its read knows it saw no write. Readers
 * take no lock and never block writers; they retry instead. Writers are not serialised by the
 * counter itself: as in the kernel, the caller holds a lock (RTNL, a subsystem mutex) around
 * every write, and a second concurrent `writeBegin` is reported as a bug.
 *
 * Where the kernel's `read_seqcount_begin` spins while the count is odd, the async {@link
 * SeqCount.read} awaits the end of the write instead (a promise that `writeEnd` resolves), so a
 * read section may span awaits without a busy loop. This is what a dump needs to wait for the
 * FIB's `fib_seq` to stabilise before it starts, rather than miss an entry being linked in.
 */

/** Misuse of a sequence counter, or a reader that could not get a consistent view. */
export class SeqCountError extends Error {
  override readonly name = 'SeqCountError';
}

export interface SeqReadOptions {
  /** Inconsistent attempts tolerated before giving up with a {@link SeqCountError}; default 1000. */
  maxRetries?: number;
  /** Aborts the read, also while it waits for a write to end; rejects with the signal's reason. */
  signal?: AbortSignal;
}

const DEFAULT_MAX_RETRIES = 1000;

interface WriteEnded {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

export class SeqCount {
  readonly name: string;
  private seq = 0;
  /** Present while a write is in progress; resolved by `writeEnd`. */
  private writeEnded: WriteEnded | null = null;

  constructor(name: string) {
    this.name = name;
  }

  /** The raw count: odd while a write is in progress. Wraps at 2^32 like a `u32`. */
  get sequence(): number {
    return this.seq;
  }

  get writeInProgress(): boolean {
    return (this.seq & 1) === 1;
  }

  /** `write_seqcount_begin`: makes the count odd. The caller must serialise writers. */
  writeBegin(): void {
    if (this.writeInProgress) {
      throw new SeqCountError(`${this.name}: writeBegin while a write is in progress; writers must be serialised`);
    }
    let resolve!: () => void;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.writeEnded = { promise, resolve };
    this.seq = (this.seq + 1) >>> 0;
  }

  /** `write_seqcount_end`: makes the count even again and wakes readers waiting for the write. */
  writeEnd(): void {
    if (!this.writeInProgress) {
      throw new SeqCountError(`${this.name}: writeEnd without a write in progress`);
    }
    this.seq = (this.seq + 1) >>> 0;
    const ended = this.writeEnded;
    this.writeEnded = null;
    ended?.resolve();
  }

  /**
   * Runs `fn` as one write section, ending the write also when `fn` throws or rejects. A
   * synchronous `fn` begins and ends the write in the same turn, so no reader sees it in progress.
   */
  async write<T>(fn: () => T | Promise<T>): Promise<T> {
    this.writeBegin();
    try {
      const result = fn();
      return isPromiseLike(result) ? await result : result;
    } finally {
      this.writeEnd();
    }
  }

  /** `raw_read_seqcount`: the current count, odd or even. An odd start makes `readRetry` fail. */
  readBegin(): number {
    return this.seq;
  }

  /** `read_seqcount_retry`: true when the read that began at `start` may have seen a write. */
  readRetry(start: number): boolean {
    return (start & 1) === 1 || this.seq !== start;
  }

  /**
   * Runs the read section `fn` until it completes without a write overlapping it, and returns
   * that attempt's result. While a write is in progress it waits for the write to end before
   * (re)trying. Only attempts that overlapped a write count against `maxRetries`.
   */
  async read<T>(fn: () => T | Promise<T>, options: SeqReadOptions = {}): Promise<T> {
    const { maxRetries = DEFAULT_MAX_RETRIES, signal } = options;
    let retries = 0;
    for (;;) {
      signal?.throwIfAborted();
      if (this.writeEnded !== null) {
        // The kernel spins here; we sleep until writeEnd and look again.
        await abortable(this.writeEnded.promise, signal);
        continue;
      }
      const start = this.seq;
      const result = fn();
      const value = isPromiseLike(result) ? await result : result;
      if (!this.readRetry(start)) return value;
      if (retries++ >= maxRetries) {
        throw new SeqCountError(`${this.name}: no consistent read after ${maxRetries} retries`);
      }
    }
  }

  /**
   * A read for synchronous sections, which cannot wait: it throws a {@link SeqCountError} when a
   * write is in progress, and retries only when `fn` itself moved the count.
   */
  readSync<T>(fn: () => T, options: Pick<SeqReadOptions, 'maxRetries'> = {}): T {
    const { maxRetries = DEFAULT_MAX_RETRIES } = options;
    for (let retries = 0; ; retries++) {
      if (this.writeInProgress) {
        throw new SeqCountError(`${this.name}: readSync while a write is in progress; use read() to wait for it`);
      }
      const start = this.seq;
      const value = fn();
      if (isPromiseLike(value)) {
        // The section would continue after this check returned; only read() can verify it.
        throw new SeqCountError(`${this.name}: readSync got a promise; use read() for async sections`);
      }
      if (!this.readRetry(start)) return value;
      if (retries >= maxRetries) {
        throw new SeqCountError(`${this.name}: no consistent read after ${maxRetries} retries`);
      }
    }
  }

  /**
   * Resolves with the (even) count once no write is in progress: at once when none is, otherwise
   * after the current write, and any that begins before this waiter runs, has ended.
   */
  async waitStable(signal?: AbortSignal): Promise<number> {
    while (this.writeEnded !== null) {
      await abortable(this.writeEnded.promise, signal);
    }
    signal?.throwIfAborted();
    return this.seq;
  }
}

/** `promise`, or a rejection with the signal's reason if it aborts first; drops its listener either way. */
function abortable(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
