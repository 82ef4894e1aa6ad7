/**
 * Tasks: the unit of work that owns locks, like the kernel's `current`.
 *
 * Every request, notifier call or simulated client runs as a named {@link Task}. Locks record
 * their owner task, lockdep keeps each task's held-lock stack, lock statistics name the tasks
 * that waited, and the virtual clock builds its wait-for graph from the tasks that block.
 *
 * Identity is explicit: code receives its task and passes it to the primitives. On Node 20 the
 * alternative, AsyncLocalStorage, switches on a promise hook for the whole process once used,
 * which makes every await ~2.5× slower, also in code that never takes a lock
 * (`npm run bench -- --suite core` measures both). {@link currentTask} offers ambient lookup for
 * code that wants it, opt-in, at that cost.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Anything a task can block on: a lock, a grace period. It names itself and who holds it. */
export interface Waitable {
  readonly name: string;
  /** The tasks the waiter is waiting for (owners of a lock, readers of a grace period). */
  holders(): Iterable<Task>;
}

/** A lock as lockdep and the task's held-lock stack see it. */
export interface HeldLock {
  readonly lock: { readonly name: string };
  readonly mode: 'exclusive' | 'shared';
  /** Where the acquisition was made (a label such as "rtnl_newlink"), if the caller gave one. */
  readonly at: string | undefined;
}

let nextTaskId = 1;
let blockCount = 0;
const blocked = new Set<Task>();

export class Task {
  /** Unique within the process, in creation order; shown as `name/id` like the kernel's `comm/pid`. */
  readonly id: number;
  readonly name: string;
  /** Locks held by this task, innermost last. Maintained by lockdep when it is on. */
  readonly held: HeldLock[] = [];
  /** Depth of nested RCU read-side sections. */
  rcuDepth = 0;
  /** What the task is blocked on right now, if anything. */
  private blockedOn: Waitable | null = null;
  /**
   * Called as the task starts to take a lock, before it knows whether it will wait (fault
   * injection's wait points, {@link FaultInjector.watch}); unset, the fast paths stay fast.
   */
  waitHook: ((what: string) => void) | undefined = undefined;
  /** Increases with every block in the process: tells a block from this run from a stale one. */
  blockSeq = 0;
  private finished = false;

  constructor(name: string) {
    this.id = nextTaskId++;
    this.name = name;
  }

  /** `name/id`, the way lockdep prints a task. */
  toString(): string {
    return `${this.name}/${this.id}`;
  }

  get waitingOn(): Waitable | null {
    return this.blockedOn;
  }

  get ended(): boolean {
    return this.finished;
  }

  /** Marks the task as blocked on `what` until {@link Task.unblock}; the virtual clock reads this. */
  block(what: Waitable): void {
    this.blockedOn = what;
    this.blockSeq = ++blockCount;
    blocked.add(this);
  }

  unblock(): void {
    this.blockedOn = null;
    blocked.delete(this);
  }

  /** Marks the task finished. Lockdep checks for locks still held through {@link onTaskEnd}. */
  end(): void {
    if (this.finished) return;
    this.finished = true;
    for (const hook of endHooks) hook(this);
  }
}

/** Every task currently blocked on a lock or other waitable, in the order they blocked. */
export function blockedTasks(): ReadonlySet<Task> {
  return blocked;
}

/** A mark in the sequence of blocks: tasks with `blockSeq` above it blocked after it was taken. */
export function blockMark(): number {
  return blockCount;
}

const endHooks = new Set<(task: Task) => void>();

/** Registers a hook run when any task ends (lockdep uses it to find locks held at exit). */
export function onTaskEnd(hook: (task: Task) => void): () => void {
  endHooks.add(hook);
  return () => endHooks.delete(hook);
}

let ambient: AsyncLocalStorage<Task> | undefined;

/**
 * Runs `body` as a new task named `name` and ends the task when `body` settles, so that a task
 * returning with locks held is reported. With ambient tracking on, {@link currentTask} returns
 * the task anywhere inside `body`, across awaits.
 */
export async function runTask<T>(name: string, body: (task: Task) => Promise<T> | T): Promise<T> {
  const task = new Task(name);
  try {
    return ambient ? await ambient.run(task, () => body(task)) : await body(task);
  } finally {
    task.end();
  }
}

/**
 * Turns on ambient task lookup ({@link currentTask}) for tasks started by {@link runTask} from now
 * on. This costs every await in the process (see the module comment), so it is opt-in.
 */
export function trackAmbientTasks(): void {
  ambient ??= new AsyncLocalStorage<Task>();
}

/** The task running the caller, when ambient tracking is on and the caller is inside {@link runTask}. */
export function currentTask(): Task | undefined {
  return ambient?.getStore();
}
