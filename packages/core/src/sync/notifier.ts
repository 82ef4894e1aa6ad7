/**
 * A blocking notifier chain, modelled on include/linux/notifier.h and kernel/notifier.c: the
 * netdevice chain, `inetaddr_chain` and `inetaddr_validator_chain` are built on it.
 *
 * Callbacks run one at a time, highest priority first, and each returns a `NOTIFY_*` value; a
 * value with {@link NOTIFY_STOP_MASK} set stops the chain, and {@link notifierToErrno} turns it
 * into the errno that vetoes the operation (`inetaddr_validator_chain` vetoing an address).
 *
 * Where the kernel's `blocking_notifier_chain_register` waits on the chain's rwsem until running
 * calls finish, registration here never waits: a call works on a snapshot of the chain taken when
 * it starts, skips callbacks unregistered before it reaches them, and does not call callbacks
 * registered after it started.
 */
import { Errno, ErrnoError } from '../errno';

/** Don't care. */
export const NOTIFY_DONE = 0x0000;
/** Suits me. */
export const NOTIFY_OK = 0x0001;
/** Don't call further. */
export const NOTIFY_STOP_MASK = 0x8000;
/** Bad/veto action; `notifierToErrno(NOTIFY_BAD)` is EPERM, as in the kernel. */
export const NOTIFY_BAD = NOTIFY_STOP_MASK | 0x0002;
/** Clean way to return from the notifier and stop further calls. */
export const NOTIFY_STOP = NOTIFY_OK | NOTIFY_STOP_MASK;

/**
 * `notifier_from_errno`: the value a callback returns to veto with `errno`. The kernel passes a
 * negative errno; rtnlkit's convention is positive, and a negative one is accepted as the same
 * errno. Zero gives NOTIFY_OK.
 */
export function notifierFromErrno(errno: number): number {
  const err = Math.abs(errno);
  return err ? NOTIFY_STOP_MASK | (NOTIFY_OK + err) : NOTIFY_OK;
}

/** `notifier_to_errno`, made positive: the errno a callback's return value carries, or 0. */
export function notifierToErrno(ret: number): number {
  const value = ret & ~NOTIFY_STOP_MASK;
  return value > NOTIFY_OK ? value - NOTIFY_OK : 0;
}

export type NotifierCallback<E, D> = (event: E, data: D) => number | Promise<number>;

export interface NotifierRegisterOptions {
  /** Higher runs first; equal priorities run in registration order. Default 0. */
  priority?: number;
  /** Shown in `names()` and `stoppedBy`; defaults to the function's name. */
  name?: string;
}

export interface NotifierResult {
  /** The last callback's return value, or NOTIFY_DONE if none ran. */
  ret: number;
  /** `notifierToErrno(ret)`: positive when a callback vetoed. */
  errno: number;
  /** The callback whose return value had NOTIFY_STOP_MASK set, if one did. */
  stoppedBy?: string;
  /** How many callbacks ran (`nr_calls`). */
  called: number;
}

export interface RobustNotifierResult extends NotifierResult {
  /** How many callbacks were called again with the `down` event. */
  rolledBack: number;
}

export interface RobustCallOptions {
  /**
   * Order of the `down` calls. `'chain'` (default) is the kernel's: `notifier_call_chain_robust`
   * walks the first nr-1 callbacks again from the head. `'reverse'` undoes the most recent first.
   */
  rollbackOrder?: 'chain' | 'reverse';
}

interface Entry<E, D> {
  readonly callback: NotifierCallback<E, D>;
  readonly priority: number;
  readonly name: string;
  /** Cleared on unregister, so that calls holding an older snapshot skip the entry. */
  registered: boolean;
}

export class NotifierChain<E, D> {
  readonly name: string;
  /** Sorted by priority, highest first; replaced, never mutated, so snapshots stay valid. */
  private entries: readonly Entry<E, D>[] = [];

  constructor(name: string) {
    this.name = name;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Callback names in call order. */
  names(): string[] {
    return this.entries.map((entry) => entry.name);
  }

  /**
   * `blocking_notifier_chain_register`. Returns a function that unregisters the callback (and
   * does nothing the second time). Registering the same callback twice throws an
   * {@link ErrnoError} with EEXIST, as the kernel returns -EEXIST.
   */
  register(callback: NotifierCallback<E, D>, options: NotifierRegisterOptions = {}): () => void {
    const { priority = 0, name = callback.name || 'anonymous' } = options;
    if (Number.isNaN(priority)) throw new RangeError(`${this.name}: notifier priority must be a number`);
    if (this.entries.some((entry) => entry.callback === callback)) {
      throw new ErrnoError(Errno.EEXIST, `notifier callback ${name} already registered on ${this.name}`);
    }
    const entry: Entry<E, D> = { callback, priority, name, registered: true };
    // After every entry of the same or higher priority, like notifier_chain_register.
    const at = this.entries.findIndex((other) => priority > other.priority);
    const index = at === -1 ? this.entries.length : at;
    this.entries = [...this.entries.slice(0, index), entry, ...this.entries.slice(index)];
    return () => {
      if (entry.registered) this.remove(entry);
    };
  }

  /** `blocking_notifier_chain_unregister`; returns false if the callback was not registered. */
  unregister(callback: NotifierCallback<E, D>): boolean {
    const entry = this.entries.find((candidate) => candidate.callback === callback);
    if (entry === undefined) return false;
    this.remove(entry);
    return true;
  }

  /**
   * `blocking_notifier_call_chain`: calls each callback in order until one returns a value with
   * NOTIFY_STOP_MASK set. A callback that throws (or rejects) ends the call: the error
   * propagates out of `call()` and later callbacks are not called.
   */
  async call(event: E, data: D): Promise<NotifierResult> {
    const { result } = await this.run(this.entries, event, data);
    return result;
  }

  /**
   * `blocking_notifier_call_chain_robust`: calls the chain with `up`; if a callback stops it
   * (NOTIFY_BAD, a `notifierFromErrno` veto, or NOTIFY_STOP: the kernel tests the stop mask),
   * calls `down` on the callbacks that had already accepted `up`, not the one that stopped, and
   * returns the `up` result. Rollback return values are ignored, as in the kernel. A callback
   * that was called with `up` gets its `down` even if it was unregistered in between, since it
   * has state to undo. Errors thrown by callbacks propagate, also during rollback.
   */
  async callRobust(up: E, down: E, data: D, options: RobustCallOptions = {}): Promise<RobustNotifierResult> {
    const { result, called } = await this.run(this.entries, up, data);
    if ((result.ret & NOTIFY_STOP_MASK) === 0) return { ...result, rolledBack: 0 };
    const accepted = called.slice(0, -1);
    if (options.rollbackOrder === 'reverse') accepted.reverse();
    for (const entry of accepted) await entry.callback(down, data);
    return { ...result, rolledBack: accepted.length };
  }

  private async run(
    snapshot: readonly Entry<E, D>[],
    event: E,
    data: D,
  ): Promise<{ result: NotifierResult; called: Entry<E, D>[] }> {
    let ret = NOTIFY_DONE;
    const called: Entry<E, D>[] = [];
    for (const entry of snapshot) {
      if (!entry.registered) continue;
      called.push(entry);
      ret = await entry.callback(event, data);
      if (ret & NOTIFY_STOP_MASK) {
        return {
          result: { ret, errno: notifierToErrno(ret), stoppedBy: entry.name, called: called.length },
          called,
        };
      }
    }
    return { result: { ret, errno: notifierToErrno(ret), called: called.length }, called };
  }

  private remove(entry: Entry<E, D>): void {
    entry.registered = false;
    this.entries = this.entries.filter((other) => other !== entry);
  }
}
