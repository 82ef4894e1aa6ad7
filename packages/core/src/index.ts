/**
 * @rtnlkit/core — the concurrency kit that strategies and subsystems are built from: tasks,
 * locks (mutex, rw semaphore), lockdep, lock statistics, RCU, sequence counters and locks,
 * refcounts with named holders, notifier chains, clocks (real and virtual) and the cost model.
 * The wire codec, the dispatcher and the strategy interface follow (see the README).
 */

export { Errno, ErrnoError, type ErrnoName, errnoName } from './errno';
export { LockError, LockTimeoutError } from './locking/errors';
export {
  defaultLockEnv,
  type InstanceComparator,
  LockClass,
  type LockClassOptions,
  LockEnv,
  type LockEnvOptions,
} from './locking/lock-class';
export { type LockStatRow, LockStats } from './locking/lock-stats';
export {
  type AcquireMode,
  type DependencyStep,
  Lockdep,
  LockdepError,
  type LockdepOptions,
  type LockdepReport,
  type LockdepReportKind,
  type TrackedLock,
} from './locking/lockdep';
export { LockGuard, type LockInstanceOptions, Mutex } from './locking/mutex';
export { RwSemaphore } from './locking/rwsem';
export type { AcquireOptions } from './locking/wait-queue';
export { Histogram, type HistogramSummary } from './metrics/histogram';
export {
  NOTIFY_BAD,
  NOTIFY_DONE,
  NOTIFY_OK,
  NOTIFY_STOP,
  NOTIFY_STOP_MASK,
  type NotifierCallback,
  NotifierChain,
  type NotifierRegisterOptions,
  type NotifierResult,
  notifierFromErrno,
  notifierToErrno,
  type RobustCallOptions,
  type RobustNotifierResult,
} from './sync/notifier';
export { Rcu, RcuError, type RcuOptions, RcuReadGuard } from './sync/rcu';
export {
  RefCount,
  RefCountError,
  type RefCountOptions,
  type RefTracker,
  type RefWaitReport,
  UNTRACKED_HOLDER,
  type WaitForZeroOptions,
} from './sync/refcount';
export { SeqCount, SeqCountError, type SeqReadOptions } from './sync/seqcount';
export { SeqLock } from './sync/seqlock';
export {
  blockedTasks,
  currentTask,
  type HeldLock,
  onTaskEnd,
  runTask,
  Task,
  trackAmbientTasks,
  type Waitable,
} from './task/task';
export { describeWaits, findWaitCycle, type WaitEdge } from './task/wait-for';
export { type CancelTimer, type Clock, RealClock, realClock } from './time/clock';
export { CostModel, type CostName, type CostSpec, defaultCosts } from './time/cost-model';
export { SeededRandom } from './time/random';
export {
  DeadlockError,
  type RunOptions,
  StallError,
  VirtualClock,
  type VirtualClockOptions,
} from './time/virtual-clock';
