/**
 * A virtual clock for deterministic discrete-event runs.
 *
 * Time stands still while any task can run; it jumps to the next timer only when every task is
 * waiting (on a timer, a lock, anything). "Every task is waiting" is detected as the moment the
 * microtask queue is empty: `setImmediate` runs only then. So a scenario with 300 ms grace periods
 * runs in milliseconds, and the same program gives the same event order every time.
 *
 * Timers due at the same instant fire in creation order, or, with a `seed`, in an order drawn from
 * it: one scenario can be explored under many schedules, and a seed replays one exactly.
 *
 * When nothing can run and no timer is pending while the run's main task has not finished, the run
 * fails with a {@link DeadlockError} naming the wait-for cycle (or a {@link StallError} when the
 * blocked tasks form no cycle, e.g. a lock that was never released). Code under a virtual clock
 * must not wait for real I/O or real timers: those would look like a stall.
 */
import { blockedTasks, blockMark, type Task } from '../task/task';
import { describeWaits, findWaitCycle, type WaitEdge } from '../task/wait-for';
import { type CancelTimer, type Clock, sleepOn } from './clock';
import { SeededRandom } from './random';

interface TimerEvent {
  time: number;
  /** Tie-break among equal times: creation order, or a seeded draw. */
  order: number;
  seq: number;
  fn: (() => void) | undefined;
}

export interface VirtualClockOptions {
  /** Reorders timers that fall due at the same instant; without it they fire in creation order. */
  seed?: number;
  /** The time the clock starts at (ms). */
  start?: number;
}

export interface RunOptions {
  /** Fail with a {@link StallError} if virtual time passes this many ms (default: one hour). */
  timeLimit?: number;
}

/** Every task is blocked in a cycle of waits: no schedule can make progress. */
export class DeadlockError extends Error {
  override readonly name = 'DeadlockError';
  constructor(
    readonly cycle: WaitEdge[],
    readonly at: number,
  ) {
    super(`deadlock at t=${at.toFixed(3)} ms: a cycle of waits\n${describeWaits(cycle)}`);
  }
}

/** The run cannot finish: nothing is runnable and no timer is due, yet no wait cycle explains it. */
export class StallError extends Error {
  override readonly name = 'StallError';
  constructor(
    message: string,
    readonly blocked: Task[],
    readonly at: number,
  ) {
    super(message);
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class VirtualClock implements Clock {
  readonly kind = 'virtual' as const;
  readonly seed: number | undefined;
  private time: number;
  private seq = 0;
  private events = 0;
  private readonly heap: TimerEvent[] = [];
  private readonly random: SeededRandom | undefined;

  constructor(options: VirtualClockOptions = {}) {
    this.seed = options.seed;
    this.time = options.start ?? 0;
    this.random = options.seed === undefined ? undefined : new SeededRandom(options.seed);
  }

  now(): number {
    return this.time;
  }

  /** How many timers have fired so far. */
  get eventsFired(): number {
    return this.events;
  }

  /** Timers not yet fired (cancelled ones excluded). */
  get pendingTimers(): number {
    return this.heap.filter((e) => e.fn).length;
  }

  setTimer(ms: number, fn: () => void): CancelTimer {
    const seq = this.seq++;
    const event: TimerEvent = {
      time: this.time + Math.max(0, ms),
      order: this.random ? this.random.next() : seq,
      seq,
      fn,
    };
    this.push(event);
    return () => {
      event.fn = undefined;
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Gives way to every other task due now (a zero-length sleep, ordered by the seed). */
  yield(): Promise<void> {
    return this.sleep(0);
  }

  /**
   * Runs `main` to completion in virtual time and returns its result. Rejects with what `main`
   * throws, a {@link DeadlockError} or a {@link StallError}.
   */
  async run<T>(main: () => Promise<T> | T, options: RunOptions = {}): Promise<T> {
    const limit = this.time + (options.timeLimit ?? 3_600_000);
    const mark = blockMark();
    let settled = false;
    let value: T | undefined;
    let failure: { error: unknown } | undefined;
    Promise.resolve()
      .then(main)
      .then(
        (v) => {
          settled = true;
          value = v;
        },
        (error: unknown) => {
          settled = true;
          failure = { error };
        },
      );
    for (;;) {
      await nextTurn();
      if (settled) break;
      const next = this.popDue();
      if (next === undefined) {
        const blocked = [...blockedTasks()].filter((t) => t.blockSeq > mark);
        const cycle = findWaitCycle(blocked);
        if (cycle) throw new DeadlockError(cycle, this.time);
        throw new StallError(
          `stall at t=${this.time.toFixed(3)} ms: nothing can run and no timer is pending` +
            (blocked.length
              ? `\n${blocked.map((t) => `  ${t} waits for ${t.waitingOn?.name ?? '?'}`).join('\n')}`
              : ' (the main task awaits something outside the virtual clock)'),
          blocked,
          this.time,
        );
      }
      if (next > limit) {
        const cycle = findWaitCycle([...blockedTasks()].filter((t) => t.blockSeq > mark));
        if (cycle) throw new DeadlockError(cycle, this.time);
        throw new StallError(`virtual time limit of ${options.timeLimit ?? 3_600_000} ms reached`, [], this.time);
      }
    }
    if (failure) throw failure.error;
    return value as T;
  }

  /** Fires every live timer due at the earliest pending time; returns that time, or undefined. */
  private popDue(): number | undefined {
    let first = this.pop();
    while (first && !first.fn) first = this.pop();
    if (!first) return undefined;
    const due = first.time;
    this.time = due;
    const batch = [first];
    while (this.heap.length > 0 && (this.heap[0] as TimerEvent).time === due) batch.push(this.pop() as TimerEvent);
    for (const event of batch) {
      const fn = event.fn;
      if (!fn) continue;
      event.fn = undefined;
      this.events += 1;
      fn();
    }
    return due;
  }

  private before(a: TimerEvent, b: TimerEvent): boolean {
    return a.time < b.time || (a.time === b.time && (a.order < b.order || (a.order === b.order && a.seq < b.seq)));
  }

  private push(event: TimerEvent): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i] as TimerEvent, heap[parent] as TimerEvent)) break;
      [heap[i], heap[parent]] = [heap[parent] as TimerEvent, heap[i] as TimerEvent];
      i = parent;
    }
  }

  private pop(): TimerEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.before(heap[l] as TimerEvent, heap[m] as TimerEvent)) m = l;
        if (r < heap.length && this.before(heap[r] as TimerEvent, heap[m] as TimerEvent)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m] as TimerEvent, heap[i] as TimerEvent];
        i = m;
      }
    }
    return top;
  }
}
