/**
 * Fault injection, the model's `CONFIG_FAULT_INJECTION` + `/proc/self/fail-nth`: subsystems call
 * {@link faultPoint} (or {@link failAt}) where the kernel can fail (an allocation that may sleep,
 * a driver call, a notifier chain whose answer is checked or ignored). With no injector set on the
 * rtnetlink instance a point costs one property check. With one set, every point passed is
 * recorded in order, and the `failNth`-th one fails with its errno, as `fail-nth` fails exactly
 * one call: a test first counts the points a request passes (failNth 0), then replays the
 * request from the same state failing point k for each k.
 *
 * Wait points are the other half: where a handler's task may wait (a lock, an RCU grace period,
 * a device's last reference). The kernel cannot fail there (mutex_lock(), synchronize_rcu() and
 * netdev_wait_allrefs() are not interruptible), so what is injected there is an abort: the
 * requester goes away (its process killed, its connection dropped) while the task waits. They are
 * counted apart ({@link FaultInjector.waits}, `abortNth`) so that adding one never renumbers the
 * fault points.
 */
import { Errno, ErrnoError, errnoName } from '../errno';
import type { Task } from '../task/task';

/** What fails at a point: its default errno and what the failure models. */
export type FaultKind =
  /** `should_failslab()`: kmalloc/kzalloc/alloc_netdev returns NULL (ENOMEM, or ENOBUFS where the caller says so). */
  | 'alloc'
  /** An `ndo_*` call returns an error (EIO). */
  | 'driver'
  /** A notifier callback answers `notifier_from_errno(-EPERM)`: a veto. */
  | 'notifier';

/** The errno each kind fails with unless the point names another. */
export const FAULT_ERRNO: Readonly<Record<FaultKind, number>> = {
  alloc: Errno.ENOMEM,
  driver: Errno.EIO,
  notifier: Errno.EPERM,
};

export interface FaultPointRecord {
  /** `function:what`, e.g. `rtnl_create_link:alloc_netdev`, `dev_open:ndo_open`, `notifier:NETDEV_REGISTER`. */
  readonly name: string;
  readonly kind: FaultKind;
  /** The errno this point fails with. */
  readonly errno: number;
}

export interface FaultInjectorOptions {
  /** The 1-based wait point at which {@link FaultInjectorOptions.onAbort} runs; 0 (default) only counts. */
  abortNth?: number;
  /** The abort: what the requester does while the task waits at wait point `abortNth` (close its socket). */
  onAbort?: (point: string) => void;
}

export class FaultInjector {
  /** Every point passed, in order (the failed one included). */
  readonly passed: FaultPointRecord[] = [];
  /** The point that was failed, once it was reached. */
  injected: FaultPointRecord | undefined;
  /** Every wait point passed, in order: `lock rtnl_mutex`, `synchronize_rcu`, `netdev_wait_allrefs`. */
  readonly waits: string[] = [];
  /** The wait point the abort ran at, once it was reached. */
  aborted: string | undefined;
  readonly abortNth: number;
  private readonly onAbort: ((point: string) => void) | undefined;

  /** `failNth`: the 1-based point to fail; 0 only counts. */
  constructor(
    readonly failNth = 0,
    options: FaultInjectorOptions = {},
  ) {
    this.abortNth = options.abortNth ?? 0;
    this.onAbort = options.onAbort;
  }

  /** Records a wait point; runs the abort if it is the chosen one. The wait itself never fails. */
  wait(name: string): void {
    this.waits.push(name);
    if (this.waits.length !== this.abortNth) return;
    this.aborted = name;
    this.onAbort?.(name);
  }

  /**
   * Makes `task`'s lock acquisitions wait points (fast paths included) until the returned function
   * is called; the dispatcher does this for the request's task while an injector is set.
   */
  watch(task: Task): () => void {
    const previous = task.waitHook;
    task.waitHook = (what) => this.wait(what);
    return () => {
      task.waitHook = previous;
    };
  }

  /** Records a point; its errno if it is the one to fail, else 0. */
  check(name: string, kind: FaultKind, errno: number = FAULT_ERRNO[kind]): number {
    const record = { name, kind, errno };
    this.passed.push(record);
    if (this.passed.length !== this.failNth) return 0;
    this.injected = record;
    return errno;
  }
}

/** What a point needs of the rtnetlink instance: its (usually absent) injector. */
export interface FaultHost {
  faultInjector: FaultInjector | undefined;
}

/** A point: the errno to fail with here (injected), else 0. One property check without an injector. */
export function faultPoint(host: FaultHost, name: string, kind: FaultKind, errno?: number): number {
  const injector = host.faultInjector;
  return injector === undefined ? 0 : injector.check(name, kind, errno);
}

/** A wait point: where the task may wait on something other than a lock (locks report themselves). */
export function waitPoint(host: FaultHost, name: string): void {
  host.faultInjector?.wait(name);
}

/** A point that fails by throwing its errno (an allocation or driver call whose error the caller returns). */
export function failAt(host: FaultHost, name: string, kind: FaultKind, errno?: number): void {
  const injector = host.faultInjector;
  if (injector === undefined) return;
  const failed = injector.check(name, kind, errno);
  if (failed) throw new ErrnoError(failed, `rtnlkit: injected ${errnoName(failed) ?? failed} at ${name}`);
}
