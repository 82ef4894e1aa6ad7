/**
 * A lock watchdog in the spirit of the kernel's hung-task detector (`khungtaskd`,
 * kernel/hung_task.c): a lock held longer than a threshold is reported once per hold, naming the
 * holder task, every lock that task holds (lockdep's `lockdep_print_held_locks()` listing) and the
 * tasks blocked waiting for the lock.
 *
 * The kernel's detector reports the *blocked* task and then dumps all held locks; here the hold is
 * the unit, because a stuck holder is what a configuration plane must find, with or without
 * waiters. It is opt-in and needs lockdep on the environment (as `debug_show_all_locks()` needs
 * CONFIG_LOCKDEP): lockdep keeps the held stacks and tells the watchdog of each acquisition and
 * release. One timer per hold on the environment's clock, cancelled at release, so it works on
 * the virtual clock and costs nothing for holds that end in time.
 */
import { blockedTasks, type Task } from '../task/task';
import type { CancelTimer } from '../time/clock';
import type { LockEnv } from './lock-class';
import { type AcquireMode, heldList, type LockObserver, type TrackedLock } from './lockdep';

export interface LockWatchdogOptions {
  /** A hold longer than this (milliseconds of the environment's clock) is reported. */
  thresholdMs: number;
  /** Called for every report (they are kept in `reports` too). */
  onReport?: (report: LockWatchdogReport) => void;
}

export interface LockWatchdogReport {
  /** `name/id` of the holder. */
  task: string;
  /** The lock held too long. */
  lock: string;
  /** Clock time of the acquisition and of the report. */
  since: number;
  at: number;
  /** Every lock the holder held when reported, outermost first. */
  held: string[];
  /** `name/id` of the tasks blocked on the lock. */
  waiters: string[];
  /** The report in the kernel's layout. */
  text: string;
}

export class LockWatchdog implements LockObserver, Disposable {
  readonly thresholdMs: number;
  readonly reports: LockWatchdogReport[] = [];
  private readonly onReport: ((report: LockWatchdogReport) => void) | undefined;
  private readonly timers = new Map<Task, Map<TrackedLock, CancelTimer>>();
  private readonly stopObserving: () => void;

  constructor(
    private readonly env: LockEnv,
    options: LockWatchdogOptions,
  ) {
    if (!env.lockdep) throw new TypeError('LockWatchdog needs lockdep on the lock environment (held-lock stacks)');
    if (!(options.thresholdMs > 0)) throw new RangeError('LockWatchdog threshold must be positive');
    this.thresholdMs = options.thresholdMs;
    this.onReport = options.onReport;
    this.stopObserving = env.lockdep.observe(this);
  }

  acquired(task: Task, lock: TrackedLock, _mode: AcquireMode, _at: string | undefined): void {
    let mine = this.timers.get(task);
    if (!mine) {
      mine = new Map();
      this.timers.set(task, mine);
    }
    // A shared lock taken again by the same task: the outer hold is the one that counts.
    if (mine.has(lock)) return;
    const since = this.env.clock.now();
    mine.set(
      lock,
      this.env.clock.setTimer(this.thresholdMs, () => {
        mine.delete(lock);
        this.report(task, lock, since);
      }),
    );
  }

  released(task: Task, lock: TrackedLock): void {
    const mine = this.timers.get(task);
    const cancel = mine?.get(lock);
    if (!mine || !cancel) return;
    cancel();
    mine.delete(lock);
    if (mine.size === 0) this.timers.delete(task);
  }

  /** Holds being watched right now. */
  get watching(): number {
    let n = 0;
    for (const mine of this.timers.values()) n += mine.size;
    return n;
  }

  /** Stops watching: pending timers are cancelled. */
  dispose(): void {
    this.stopObserving();
    for (const mine of this.timers.values()) for (const cancel of mine.values()) cancel();
    this.timers.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  private report(task: Task, lock: TrackedLock, since: number): void {
    const at = this.env.clock.now();
    const waiters = [...blockedTasks()].filter((t) => (t.waitingOn as unknown) === lock).map(String);
    const seconds = this.thresholdMs / 1000;
    const text = [
      `INFO: task ${task} held (${lock.name}) for more than ${seconds} seconds.`,
      `      held since ${(since / 1000).toFixed(3)} s, now ${(at / 1000).toFixed(3)} s`,
      ...heldList(task),
      waiters.length === 0
        ? `no tasks waiting for (${lock.name}).`
        : `${waiters.length} task${waiters.length === 1 ? '' : 's'} waiting for (${lock.name}):`,
      ...waiters.map((w) => `  ${w}`),
    ].join('\n');
    const report: LockWatchdogReport = {
      task: String(task),
      lock: lock.name,
      since,
      at,
      held: task.held.map((h) => h.lock.name),
      waiters,
      text,
    };
    this.reports.push(report);
    this.onReport?.(report);
  }
}
