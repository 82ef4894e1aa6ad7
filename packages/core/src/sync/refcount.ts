/**
 * A reference count whose references name their holder, modelled on the netdev refcount with
 * `CONFIG_NET_DEV_REFCNT_TRACKER`: `netdev_hold(dev, &tracker)` / `netdev_put(dev, &tracker)`
 * for tracked references, `dev_hold` / `dev_put` for untracked ones, and
 * `netdev_wait_allrefs_any()`, which waits for the last reference at unregister time and every
 * `netdev_unregister_timeout_secs` prints who still holds one.
 *
 * Misuse that the kernel reports as `refcount_t: underflow; use-after-free.` (a tracker put
 * twice, more untracked puts than gets) throws a {@link RefCountError} and changes nothing.
 */
import { type Clock, realClock } from '../time/clock';

export const UNTRACKED_HOLDER = 'untracked';

const UNDERFLOW = 'refcount_t: underflow; use-after-free.';

/** The kernel's default `net.core.netdev_unregister_timeout_secs`, in milliseconds. */
const DEFAULT_REPORT_INTERVAL_MS = 10_000;

export class RefCountError extends Error {
  override readonly name = 'RefCountError';
}

/** One tracked reference, as returned by {@link RefCount.hold}; give it back with {@link RefCount.put}. */
export interface RefTracker {
  /** The refcount's name. */
  readonly refcount: string;
  readonly holder: string;
  /** Unique within its refcount, in hold order. */
  readonly id: number;
}

export interface RefWaitReport {
  readonly name: string;
  readonly count: number;
  readonly holders: readonly { readonly holder: string; readonly count: number }[];
  /** Milliseconds since `waitForZero` was called, on the refcount's clock. */
  readonly waitedMs: number;
  /** The kernel's `unregister_netdevice: waiting for …` line, then one `  holder: name (n)` line per holder. */
  readonly message: string;
}

export interface WaitForZeroOptions {
  /** Milliseconds between reports; default 10 000. `Infinity` turns reports off. */
  interval?: number;
  onWaiting?: (report: RefWaitReport) => void;
  signal?: AbortSignal;
}

export interface RefCountOptions {
  clock?: Clock;
  /** References held from the start, counted under the holder "untracked"; default 0. */
  initial?: number;
}

interface Waiter {
  readonly resolve: () => void;
}

export class RefCount {
  readonly name: string;
  private readonly clock: Clock;
  private total = 0;
  private readonly byHolder = new Map<string, number>();
  private readonly live = new Set<RefTracker>();
  /** Every tracker this refcount handed out, to tell a double put from someone else's tracker. */
  private readonly issued = new WeakSet<RefTracker>();
  private nextTrackerId = 1;
  private readonly waiters = new Set<Waiter>();

  constructor(name: string, options: RefCountOptions = {}) {
    const { clock = realClock, initial = 0 } = options;
    if (!Number.isSafeInteger(initial) || initial < 0) {
      throw new RangeError(`${name}: initial reference count must be a non-negative integer, got ${initial}`);
    }
    this.name = name;
    this.clock = clock;
    if (initial > 0) this.add(UNTRACKED_HOLDER, initial);
  }

  get count(): number {
    return this.total;
  }

  /** `netdev_hold`: takes a reference on behalf of `holder`. */
  hold(holder: string): RefTracker {
    if (holder === UNTRACKED_HOLDER) {
      throw new RefCountError(`${this.name}: holder name "${UNTRACKED_HOLDER}" is reserved for get()/putUntracked()`);
    }
    const tracker: RefTracker = Object.freeze({ refcount: this.name, holder, id: this.nextTrackerId++ });
    this.issued.add(tracker);
    this.live.add(tracker);
    this.add(holder, 1);
    return tracker;
  }

  /** `netdev_put`: drops the reference `tracker` stands for. */
  put(tracker: RefTracker): void {
    if (!this.issued.has(tracker)) {
      throw new RefCountError(`${this.name}: tracker for "${tracker.holder}" belongs to ${tracker.refcount}`);
    }
    if (!this.live.has(tracker)) {
      throw new RefCountError(`${UNDERFLOW} ${this.name}: tracker #${tracker.id} of "${tracker.holder}" already put`);
    }
    this.live.delete(tracker);
    this.remove(tracker.holder);
  }

  /** `dev_hold`: an untracked reference, counted under the holder "untracked". */
  get(): void {
    this.add(UNTRACKED_HOLDER, 1);
  }

  /** `dev_put`: drops an untracked reference. */
  putUntracked(): void {
    if ((this.byHolder.get(UNTRACKED_HOLDER) ?? 0) === 0) {
      throw new RefCountError(`${UNDERFLOW} ${this.name}: no untracked reference to put`);
    }
    this.remove(UNTRACKED_HOLDER);
  }

  /** Holder name → references it holds, for holders that hold any, in order of first hold. */
  holders(): Map<string, number> {
    return new Map(this.byHolder);
  }

  /**
   * Resolves when the count is zero: at once if it is, otherwise when the last reference is put.
   * Until then, every `interval` ms, hands `onWaiting` a report naming the holders, like the
   * kernel's `netdev_wait_allrefs_any()`. Rejects with the signal's reason on abort (also when
   * the signal is already aborted), and with whatever `onWaiting` throws; the report timer is
   * cancelled in every case.
   */
  waitForZero(options: WaitForZeroOptions = {}): Promise<void> {
    const { interval = DEFAULT_REPORT_INTERVAL_MS, onWaiting, signal } = options;
    if (!(interval > 0)) {
      return Promise.reject(new RangeError(`${this.name}: report interval must be positive, got ${interval}`));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.total === 0) return Promise.resolve();

    return new Promise<void>((resolve, reject) => {
      const startedAt = this.clock.now();
      let cancelTimer: (() => void) | undefined;
      let done = false;
      const finish = (outcome: () => void) => {
        if (done) return;
        done = true;
        cancelTimer?.();
        cancelTimer = undefined;
        this.waiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const waiter: Waiter = { resolve: () => finish(resolve) };
      const onAbort = () => finish(() => reject(signal?.reason));
      const report = () => {
        cancelTimer = undefined;
        try {
          onWaiting?.(this.report(this.clock.now() - startedAt));
        } catch (error) {
          finish(() => reject(error));
          return;
        }
        // onWaiting may have put the last reference or aborted.
        if (!done) arm();
      };
      const arm = () => {
        if (Number.isFinite(interval)) cancelTimer = this.clock.setTimer(interval, report);
      };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      arm();
    });
  }

  private report(waitedMs: number): RefWaitReport {
    const holders = [...this.byHolder].map(([holder, count]) => ({ holder, count }));
    const lines = [
      `unregister_netdevice: waiting for ${this.name} to become free. Usage count = ${this.total}`,
      ...holders.map(({ holder, count }) => `  holder: ${holder} (${count})`),
    ];
    return { name: this.name, count: this.total, holders, waitedMs, message: lines.join('\n') };
  }

  private add(holder: string, n: number): void {
    this.byHolder.set(holder, (this.byHolder.get(holder) ?? 0) + n);
    this.total += n;
  }

  /** Callers have checked that `holder` holds a reference. */
  private remove(holder: string): void {
    const left = (this.byHolder.get(holder) ?? 0) - 1;
    if (left === 0) this.byHolder.delete(holder);
    else this.byHolder.set(holder, left);
    this.total -= 1;
    if (this.total === 0) {
      for (const waiter of [...this.waiters]) waiter.resolve();
    }
  }
}
