/**
 * Lockdep: the kernel's lock validator (kernel/locking/lockdep.c), for async tasks.
 *
 * It keeps each task's stack of held locks and, across all tasks, a graph of observed
 * "held A while acquiring B" dependencies between lock classes. The first time an acquisition
 * would close a cycle of any length, it reports a *possible* deadlock, with both chains, although
 * this schedule did not deadlock: once each task's order has been seen, some other timing can.
 * It also reports recursion on a class, nesting instances of one class against its comparator,
 * unlocking what is not held, a task that ends holding locks, sleeping locks taken inside an RCU
 * read section, and failed `assertHeld`. In `refuse` mode a bad acquisition throws a
 * {@link LockdepError} before it waits instead of only being reported.
 */
import { onTaskEnd, type Task } from '../task/task';
import type { LockClass } from './lock-class';

/** What lockdep needs to know about a lock instance. */
export interface TrackedLock {
  readonly name: string;
  readonly cls: LockClass;
  /** The instance's ordering key for the class comparator (e.g. a namespace id). */
  readonly key: unknown;
}

export type AcquireMode = 'exclusive' | 'shared';

export type LockdepReportKind =
  | 'circular'
  | 'recursive'
  | 'instance-order'
  | 'bad-unlock'
  | 'held-at-exit'
  | 'rcu-sleep'
  | 'not-held'
  /** A ranked strategy refused (or reported) a lock taken against the declared rank order. */
  | 'rank-order';

/** One step of a dependency chain: `task` acquired `to` while holding `from`. */
export interface DependencyStep {
  from: string;
  to: string;
  task: string;
  at: string | undefined;
}

export interface LockdepReport {
  kind: LockdepReportKind;
  /** The kernel's banner, e.g. "possible circular locking dependency detected". */
  title: string;
  /** `name/id` of the task that triggered the report. */
  task: string;
  /** Lock names involved, in the order the report discusses them. */
  locks: string[];
  /** For `circular`: the cycle, starting with the acquisition that closed it. */
  chain: DependencyStep[];
  /** The full report in the kernel's layout. */
  text: string;
}

export class LockdepError extends Error {
  override readonly name = 'LockdepError';
  constructor(readonly report: LockdepReport) {
    super(`lockdep: ${report.title} (${report.task}: ${report.locks.join(' -> ')})`);
  }
}

/** Told of every acquisition and release lockdep records (the lock watchdog listens this way). */
export interface LockObserver {
  acquired(task: Task, lock: TrackedLock, mode: AcquireMode, at: string | undefined): void;
  released(task: Task, lock: TrackedLock): void;
}

export interface LockdepOptions {
  /** `report` (default) records and lets the acquisition go on; `refuse` throws before waiting. */
  mode?: 'report' | 'refuse';
  /** Called for every new report (the default prints nothing; reports are kept in `reports`). */
  onReport?: (report: LockdepReport) => void;
}

interface Evidence {
  task: string;
  at: string | undefined;
  /** The task's held stack when the dependency was first seen. */
  held: string[];
}

interface HeldEntry {
  readonly lock: TrackedLock;
  readonly mode: AcquireMode;
  readonly at: string | undefined;
}

const RULE = '------------------------------------------------------';
const BANNER = '======================================================';

export class Lockdep {
  readonly mode: 'report' | 'refuse';
  readonly reports: LockdepReport[] = [];
  private readonly onReport: ((report: LockdepReport) => void) | undefined;
  /** dependencies.get(A).get(B): B was acquired while A was held. */
  private readonly dependencies = new Map<LockClass, Map<LockClass, Evidence>>();
  private readonly reported = new Set<string>();
  private readonly stopWatchingTasks: () => void;
  private readonly observers = new Set<LockObserver>();

  constructor(options: LockdepOptions = {}) {
    this.mode = options.mode ?? 'report';
    this.onReport = options.onReport;
    this.stopWatchingTasks = onTaskEnd((task) => this.taskEnded(task));
  }

  /** Adds an observer of acquisitions and releases; the result removes it. */
  observe(observer: LockObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Stops watching task exits (lockdep instances are otherwise kept alive by the hook). */
  dispose(): void {
    this.stopWatchingTasks();
  }

  /**
   * Validates an acquisition before the task waits for it. Trylocks cannot deadlock, so they add
   * no dependency; `sleeping` is false for locks that may be taken inside RCU read sections.
   */
  checkAcquire(task: Task, lock: TrackedLock, at: string | undefined, trylock: boolean, sleeping = true): void {
    if (sleeping && task.rcuDepth > 0) {
      this.violation(
        'rcu-sleep',
        'suspicious RCU usage',
        task,
        [lock.name],
        [],
        [
          `${task} is trying to acquire lock:`,
          `  (${lock.name})${atText(at)}`,
          '',
          'Illegal context switch in RCU read-side critical section!',
          `rcu_scheduler_active = 2, debug_locks = 1, rcu read depth = ${task.rcuDepth}`,
          ...heldList(task),
        ],
      );
    }
    if (trylock) return;
    for (const entry of task.held as unknown as readonly HeldEntry[]) {
      const held = entry.lock;
      if (held.cls === lock.cls) {
        this.checkSameClass(task, held, entry.at, lock, at);
        continue;
      }
      if (this.dependencies.get(held.cls)?.has(lock.cls)) continue;
      const path = this.findPath(lock.cls, held.cls);
      if (path) {
        this.reportCircular(task, entry, lock, at, path);
        continue;
      }
      if (this.mode === 'refuse') continue; // recorded once the lock is really taken, in acquired()
      this.addDependency(held.cls, lock.cls, task, at);
    }
  }

  /** Records that `task` now holds `lock` (after it was granted). */
  acquired(task: Task, lock: TrackedLock, mode: AcquireMode, at: string | undefined, trylock: boolean): void {
    if (!trylock && this.mode === 'refuse') {
      for (const entry of task.held as unknown as readonly HeldEntry[]) {
        if (entry.lock.cls !== lock.cls && !this.dependencies.get(entry.lock.cls)?.has(lock.cls)) {
          this.addDependency(entry.lock.cls, lock.cls, task, at);
        }
      }
    }
    (task.held as unknown as HeldEntry[]).push({ lock, mode, at });
    for (const observer of this.observers) observer.acquired(task, lock, mode, at);
  }

  /** Records the release; reports and returns false when the task did not hold the lock. */
  released(task: Task, lock: TrackedLock): boolean {
    const held = task.held as unknown as HeldEntry[];
    for (let i = held.length - 1; i >= 0; i--) {
      if (held[i]?.lock === lock) {
        held.splice(i, 1);
        for (const observer of this.observers) observer.released(task, lock);
        return true;
      }
    }
    this.report(
      'bad-unlock',
      'bad unlock balance detected!',
      task,
      [lock.name],
      [],
      [
        `${task} is trying to release lock (${lock.name}) at:`,
        'but there are no more locks to release!',
        '',
        'other info that might help us debug this:',
        ...heldList(task),
      ],
    );
    return false;
  }

  /** Reports (and in refuse mode throws) unless `task` holds `lock`. */
  assertHeld(task: Task, lock: TrackedLock): void {
    if (task.held.some((entry) => entry.lock === lock)) return;
    this.violation(
      'not-held',
      'lock not held',
      task,
      [lock.name],
      [],
      [`${task} must hold (${lock.name}) here (lockdep_assert_held)`, ...heldList(task)],
    );
  }

  /** Every dependency seen so far, as "from -> to" with who first showed it. */
  dependencyList(): DependencyStep[] {
    const list: DependencyStep[] = [];
    for (const [from, tos] of this.dependencies) {
      for (const [to, evidence] of tos)
        list.push({ from: from.name, to: to.name, task: evidence.task, at: evidence.at });
    }
    return list;
  }

  /** Forgets the graph and the reports (held stacks belong to tasks and stay). */
  reset(): void {
    this.dependencies.clear();
    this.reported.clear();
    this.reports.length = 0;
  }

  private taskEnded(task: Task): void {
    if (task.held.length === 0) return;
    this.report(
      'held-at-exit',
      'lock held when returning to user space!',
      task,
      task.held.map((h) => h.lock.name),
      [],
      [...heldList(task)],
    );
  }

  private checkSameClass(
    task: Task,
    held: TrackedLock,
    heldAt: string | undefined,
    lock: TrackedLock,
    at: string | undefined,
  ): void {
    const compare = lock.cls.compare;
    if (held !== lock && compare && compare(held.key, lock.key) < 0) return;
    const ordered = held !== lock && compare !== undefined;
    this.violation(
      ordered ? 'instance-order' : 'recursive',
      ordered ? 'lock ordering violation within one lock class' : 'possible recursive locking detected',
      task,
      [held.name, lock.name],
      [],
      [
        `${task} is trying to acquire lock:`,
        `  (${lock.name})${atText(at)}`,
        '',
        'but task is already holding lock:',
        `  (${held.name})${atText(heldAt)}`,
        '',
        ordered
          ? `instances of class ${lock.cls.name} must be taken in the order of its comparator`
          : ' May be due to missing lock nesting notation',
        '',
        ' Possible unsafe locking scenario:',
        '',
        `       ${task.name}`,
        '       ----',
        `  lock(${held.name});`,
        `  lock(${lock.name});`,
        '',
        ' *** DEADLOCK ***',
        '',
        ...heldList(task),
      ],
    );
  }

  private reportCircular(
    task: Task,
    held: HeldEntry,
    lock: TrackedLock,
    at: string | undefined,
    path: [LockClass, LockClass, Evidence][],
  ): void {
    // The cycle: held -> lock (this acquisition), then lock -> ... -> held (seen before).
    const chain: DependencyStep[] = [
      { from: held.lock.cls.name, to: lock.cls.name, task: String(task), at },
      ...path.map(([from, to, evidence]) => ({ from: from.name, to: to.name, task: evidence.task, at: evidence.at })),
    ];
    const existing = path
      .slice()
      .reverse()
      .map(([from, to, evidence], i) =>
        [
          `-> #${i} (${to.name}):`,
          `       acquired by ${evidence.task} while holding (${from.name})${atText(evidence.at)}`,
          `       its held locks then: ${evidence.held.join(', ') || '(none)'}`,
        ].join('\n'),
      );
    const first = path[0];
    const other = first ? first[2].task : '?';
    const scenario =
      path.length === 1
        ? [
            ' Possible unsafe locking scenario:',
            '',
            `       ${pad(task.toString())}${other}`,
            `       ${pad('----')}----`,
            `  lock(${held.lock.name});`,
            `       ${pad('')}lock(${lock.name});`,
            `       ${pad('')}lock(${held.lock.name});`,
            `  lock(${lock.name});`,
            '',
            ' *** DEADLOCK ***',
          ]
        : [`Chain exists of:\n  ${[lock.cls.name, ...path.map(([, to]) => to.name), lock.cls.name].join(' --> ')}`];
    this.violation(
      'circular',
      'possible circular locking dependency detected',
      task,
      [held.lock.name, lock.name],
      chain,
      [
        `${task} is trying to acquire lock:`,
        `  (${lock.name})${atText(at)}`,
        '',
        'but task is already holding lock:',
        `  (${held.lock.name})${atText(held.at)}`,
        '',
        'which lock already depends on the new lock.',
        '',
        'the existing dependency chain (in reverse order) is:',
        '',
        ...existing,
        '',
        'other info that might help us debug this:',
        '',
        ...scenario,
        '',
        ...heldList(task),
      ],
    );
  }

  /** A path of recorded dependencies from `from` to `to` (breadth-first, so the shortest). */
  private findPath(from: LockClass, to: LockClass): [LockClass, LockClass, Evidence][] | undefined {
    const previous = new Map<LockClass, [LockClass, Evidence]>();
    const queue: LockClass[] = [from];
    const seen = new Set<LockClass>([from]);
    for (let i = 0; i < queue.length; i++) {
      const node = queue[i] as LockClass;
      for (const [next, evidence] of this.dependencies.get(node) ?? []) {
        if (seen.has(next)) continue;
        seen.add(next);
        previous.set(next, [node, evidence]);
        if (next === to) {
          const path: [LockClass, LockClass, Evidence][] = [];
          let cursor: LockClass = to;
          while (cursor !== from) {
            const [prev, ev] = previous.get(cursor) as [LockClass, Evidence];
            path.unshift([prev, cursor, ev]);
            cursor = prev;
          }
          return path;
        }
        queue.push(next);
      }
    }
    return undefined;
  }

  private addDependency(from: LockClass, to: LockClass, task: Task, at: string | undefined): void {
    let tos = this.dependencies.get(from);
    if (!tos) {
      tos = new Map();
      this.dependencies.set(from, tos);
    }
    tos.set(to, { task: String(task), at, held: task.held.map((h) => h.lock.name) });
  }

  /** Reports, then throws in refuse mode: for problems found before an acquisition waits. */
  private violation(
    kind: LockdepReportKind,
    title: string,
    task: Task,
    locks: string[],
    chain: DependencyStep[],
    body: string[],
  ): void {
    const report = this.report(kind, title, task, locks, chain, body);
    if (this.mode === 'refuse') throw new LockdepError(report);
  }

  private report(
    kind: LockdepReportKind,
    title: string,
    task: Task,
    locks: string[],
    chain: DependencyStep[],
    body: string[],
  ): LockdepReport {
    const text = [BANNER, `WARNING: ${title}`, RULE, ...body].join('\n');
    const report: LockdepReport = { kind, title, task: String(task), locks, chain, text };
    const key = `${kind}:${
      kind === 'circular'
        ? chain
            .map((s) => `${s.from}>${s.to}`)
            .sort()
            .join(',')
        : locks.join(',')
    }`;
    if (!this.reported.has(key)) {
      this.reported.add(key);
      this.reports.push(report);
      this.onReport?.(report);
    }
    return report;
  }
}

function atText(at: string | undefined): string {
  return at ? `, at: ${at}` : '';
}

function pad(text: string): string {
  return text.padEnd(24);
}

/** lockdep's `lockdep_print_held_locks()` listing of what `task` holds. */
export function heldList(task: Task): string[] {
  const held = task.held;
  if (held.length === 0) return [`no locks held by ${task}.`];
  return [
    `${held.length} lock${held.length === 1 ? '' : 's'} held by ${task}:`,
    ...held.map((entry, i) => ` #${i}: (${entry.lock.name})${atText(entry.at)}`),
  ];
}
