/**
 * RCU: read-copy-update for async tasks.
 *
 * Readers enter and leave read-side sections (which here may span awaits); writers publish a new
 * version and then wait for a grace period with {@link Rcu.synchronize} before freeing the old
 * one. A grace period ends once every section that began before it has ended (never earlier),
 * and it never waits for sections that began after it. On top of that wait, a grace period costs
 * `rcu.gracePeriod` from the cost model (`rcu.expedited` for the expedited variant), because in
 * the kernel every CPU must pass a quiescent state even when no reader is inside.
 *
 * Sections are counted per epoch: `synchronize` closes the current epoch and waits until the
 * closed epochs have no reader left.
 */
import type { Task, Waitable } from '../task/task';
import { type Clock, realClock } from '../time/clock';
import { CostModel } from '../time/cost-model';

export class RcuError extends Error {
  override readonly name = 'RcuError';
}

/** An open read-side section; leave it with `release()` or `using`. */
export class RcuReadGuard implements Disposable {
  private open = true;

  constructor(
    private readonly rcu: Rcu,
    readonly task: Task,
    readonly epoch: number,
  ) {}

  release(): void {
    if (!this.open) throw new RcuError(`${this.task} left an RCU read section twice`);
    this.open = false;
    this.rcu.readUnlock(this);
  }

  [Symbol.dispose](): void {
    if (this.open) this.release();
  }
}

interface GraceWaiter {
  /** Satisfied when no reader of an epoch up to this one remains. */
  epoch: number;
  resolve: () => void;
}

export interface RcuOptions {
  name?: string;
  /**
   * SRCU (sleepable RCU): a read section may block on locks, so it does not count as an RCU read
   * section for lockdep's "sleeping lock inside RCU" check. The kernel gives each SRCU domain
   * its own grace periods (`struct srcu_struct`): make one `Rcu` per domain.
   */
  sleepable?: boolean;
  clock?: Clock;
  costs?: CostModel;
  /** Called as a synchronize starts (fault injection's wait points). */
  onSynchronize?: (expedited: boolean) => void;
}

export class Rcu {
  readonly name: string;
  readonly clock: Clock;
  readonly costs: CostModel;
  readonly sleepable: boolean;
  private epoch = 0;
  /** Open sections per epoch. */
  private readonly open = new Map<number, Set<RcuReadGuard>>();
  private readonly graceWaiters: GraceWaiter[] = [];
  private completed = 0;
  private callbacks: (() => void)[] = [];
  private readonly onSynchronize: ((expedited: boolean) => void) | undefined;
  private batch: Promise<void> | undefined;

  constructor(options: RcuOptions = {}) {
    this.name = options.name ?? 'rcu';
    this.clock = options.clock ?? realClock;
    this.costs = options.costs ?? new CostModel();
    this.sleepable = options.sleepable ?? false;
    this.onSynchronize = options.onSynchronize;
  }

  /** rcu_read_lock(): opens a section for `task`. */
  readLock(task: Task): RcuReadGuard {
    const guard = new RcuReadGuard(this, task, this.epoch);
    let sections = this.open.get(this.epoch);
    if (!sections) {
      sections = new Set();
      this.open.set(this.epoch, sections);
    }
    sections.add(guard);
    if (!this.sleepable) task.rcuDepth += 1;
    return guard;
  }

  /** rcu_read_unlock(). Prefer `guard.release()` or `using`. */
  readUnlock(guard: RcuReadGuard): void {
    const sections = this.open.get(guard.epoch);
    if (!sections?.delete(guard)) throw new RcuError(`${guard.task} is not in this RCU read section`);
    if (!this.sleepable) guard.task.rcuDepth -= 1;
    if (sections.size === 0) {
      this.open.delete(guard.epoch);
      this.wakeGraceWaiters();
    }
  }

  /** Runs `body` inside a read-side section. */
  async read<T>(task: Task, body: () => T | Promise<T>): Promise<T> {
    using _section = this.readLock(task);
    return await body();
  }

  /** synchronize_rcu(): resolves after a full grace period. `task`, if given, is shown as blocked. */
  synchronize(task?: Task): Promise<void> {
    this.onSynchronize?.(false);
    return this.gracePeriod('rcu.gracePeriod', task);
  }

  /** synchronize_rcu_expedited(): the same guarantee at the expedited cost. */
  synchronizeExpedited(task?: Task): Promise<void> {
    this.onSynchronize?.(true);
    return this.gracePeriod('rcu.expedited', task);
  }

  /** call_rcu(): runs `callback` after a grace period, without blocking the caller. */
  callRcu(callback: () => void): void {
    this.callbacks.push(callback);
    this.batch ??= this.runCallbacks();
  }

  /** rcu_barrier(): resolves once every callback queued so far has run. */
  async barrier(): Promise<void> {
    while (this.batch) await this.batch;
  }

  /** Open read sections right now. */
  get readers(): number {
    let n = 0;
    for (const sections of this.open.values()) n += sections.size;
    return n;
  }

  /** Grace periods completed so far. */
  get gracePeriods(): number {
    return this.completed;
  }

  private async gracePeriod(cost: 'rcu.gracePeriod' | 'rcu.expedited', task: Task | undefined): Promise<void> {
    if (task && task.rcuDepth > 0) {
      // Waiting for one's own section never ends: the kernel's "Illegal synchronize_rcu() in RCU read-side".
      throw new RcuError(`${task} called synchronize inside an RCU read-side section`);
    }
    if (
      task &&
      this.sleepable &&
      [...this.open.values()].some((sections) => [...sections].some((g) => g.task === task))
    ) {
      throw new RcuError(`${task} called synchronize_srcu inside its own ${this.name} read-side section`);
    }
    const closed = this.epoch;
    this.epoch += 1;
    await Promise.all([this.readersGone(closed, task), this.costs.spend(this.clock, cost)]);
    this.completed += 1;
  }

  private readersGone(epoch: number, task: Task | undefined): Promise<void> {
    if (this.oldestOpenEpoch() > epoch) return Promise.resolve();
    return new Promise<void>((resolve) => {
      if (!task) {
        this.graceWaiters.push({ epoch, resolve });
        return;
      }
      const waitable: Waitable = {
        name: `${this.name} grace period`,
        holders: () => this.readersUpTo(epoch),
      };
      task.block(waitable);
      this.graceWaiters.push({
        epoch,
        resolve: () => {
          task.unblock();
          resolve();
        },
      });
    });
  }

  private oldestOpenEpoch(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const epoch of this.open.keys()) oldest = Math.min(oldest, epoch);
    return oldest;
  }

  private *readersUpTo(epoch: number): Iterable<Task> {
    for (const [e, sections] of this.open) {
      if (e <= epoch) for (const guard of sections) yield guard.task;
    }
  }

  private wakeGraceWaiters(): void {
    const oldest = this.oldestOpenEpoch();
    for (let i = this.graceWaiters.length - 1; i >= 0; i--) {
      const waiter = this.graceWaiters[i] as GraceWaiter;
      if (oldest > waiter.epoch) {
        this.graceWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  private async runCallbacks(): Promise<void> {
    // Start the grace period a microtask later, so callbacks queued together share it.
    await null;
    while (this.callbacks.length > 0) {
      const ready = this.callbacks;
      this.callbacks = [];
      await this.synchronize();
      for (const callback of ready) callback();
    }
    this.batch = undefined;
  }
}
