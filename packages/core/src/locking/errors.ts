/** Typed errors of the locking primitives, so callers can tell a timeout from a misuse. */

/** Misuse of a lock: unlocking a lock the task does not hold, locking one it already holds. */
export class LockError extends Error {
  override readonly name = 'LockError';
}

/** An acquisition gave up after its `timeout`; the waiter has left the queue. */
export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
  constructor(
    readonly lock: string,
    readonly timeout: number,
  ) {
    super(`timed out after ${timeout} ms waiting for ${lock}`);
  }
}
