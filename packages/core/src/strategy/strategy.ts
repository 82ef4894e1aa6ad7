/**
 * The seam between handlers and locking. The dispatcher runs every doit and every dump pass
 * through {@link LockStrategy.run}; subsystem code takes its lock classes only through
 * {@link LockStrategy.lock}. A strategy decides what is really acquired, and nothing else:
 * a global strategy aliases every class to RTNL, elision skips RTNL for flagged handlers, a
 * finegrained one gives each class its own ranked mutex.
 */
import type { LockEnv } from '../locking/lock-class';
import type { AcquireOptions } from '../locking/wait-queue';
import { compareNets, type Net } from '../net/net';
import type { HandlerEntry } from '../rtnetlink/handlers';
import type { Task } from '../task/task';

/** A lock class name as subsystems declare it: `rtnl`, `devinet`, `fib`, … */
export type LockClassName = string;

/** A lock class a subsystem declares (DESIGN.md: name, rank, comparator for instances). */
export interface LockClassDecl {
  readonly name: LockClassName;
  /**
   * Lower ranks are taken first by ranked strategies; `rtnl` is 0. Two different classes of one
   * rank may not be held together (unless one handler declares both: then they go in name order).
   */
  readonly rank: number;
  /** Orders instances of the class (e.g. per-namespace locks); see `lock_set_cmp_fn`. */
  readonly compare?: (a: unknown, b: unknown) => number;
  /** One instance per network namespace rather than one in all. */
  readonly perNet?: boolean;
  readonly description?: string;
}

export interface StrategyCall {
  readonly handler: HandlerEntry;
  readonly kind: 'doit' | 'dump';
  readonly net: Net;
  readonly task: Task;
  /**
   * Namespaces besides `net` that a doit changes, named by its unlocked `prepare` stage (the
   * kernel's `rtnl_nets_add()`: RTM_NEWLINK of a veth whose peer goes to another namespace).
   * A strategy with per-namespace locks takes them for all of {@link callNets}, in order.
   */
  readonly nets?: readonly Net[];
}

/**
 * `rtnl_nets_lock()`'s order: `call.net` and `call.nets` without duplicates, sorted by
 * {@link compareNets} (init_net first), so that every task takes per-namespace locks in one order.
 */
export function callNets(call: Pick<StrategyCall, 'net' | 'nets'>): Net[] {
  const nets = [call.net];
  for (const net of call.nets ?? []) if (!nets.includes(net)) nets.push(net);
  return nets.sort(compareNets);
}

/** What subsystem code gets for a lock class: acquire and release as this strategy maps it. */
export interface SubsystemLock {
  readonly name: string;
  lock(task: Task, options?: AcquireOptions): Promise<void>;
  unlock(task: Task): void;
  run<T>(task: Task, body: () => T | Promise<T>, options?: AcquireOptions): Promise<T>;
  /** Throws unless `task` holds what this lock stands for. */
  assertHeld(task: Task): void;
}

/** What a strategy is attached to: the environment its locks live in and the declared classes. */
export interface StrategyHost {
  readonly env: LockEnv;
  /** The initial namespace: where per-namespace classes live when no namespace is named. */
  readonly initNet: Net;
  lockClasses(): readonly LockClassDecl[];
}

export interface LockStrategy {
  readonly name: string;
  /** Called once by the rtnetlink instance before any request. */
  attach(host: StrategyHost): void;
  /** Runs one doit, or one dump pass, under whatever this strategy takes for the handler. */
  run<T>(call: StrategyCall, body: () => Promise<T>): Promise<T>;
  /** The lock subsystem code takes for class `cls` (in namespace `net` for per-namespace classes). */
  lock(cls: LockClassName, net?: Net): SubsystemLock;
}
