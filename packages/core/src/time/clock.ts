/**
 * Clocks. Everything in rtnlkit that waits for time (grace periods, lock timeouts, simulated
 * driver work, refcount wait reports) asks a {@link Clock}, so the same code runs on the real
 * clock or on a {@link VirtualClock} that makes a 300 ms grace period cost nothing.
 */

/** Cancels a timer; calling it after the timer fired does nothing. */
export type CancelTimer = () => void;

export interface Clock {
  readonly kind: 'real' | 'virtual';
  /** Milliseconds since an arbitrary origin (fractional). */
  now(): number;
  /** Calls `fn` once `ms` milliseconds from now. */
  setTimer(ms: number, fn: () => void): CancelTimer;
  /** Resolves after `ms` milliseconds; rejects with the signal's reason if it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Builds `sleep` from `setTimer` so that both clocks abort the same way. */
export function sleepOn(clock: Pick<Clock, 'setTimer'>, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      cancel();
      reject(signal?.reason);
    };
    const cancel = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The wall clock: `performance.now()` and `setTimeout`. */
export class RealClock implements Clock {
  readonly kind = 'real' as const;

  now(): number {
    return performance.now();
  }

  setTimer(ms: number, fn: () => void): CancelTimer {
    const handle = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(handle);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
}

/** The process-wide real clock, the default wherever no clock is given. */
export const realClock: Clock = new RealClock();
