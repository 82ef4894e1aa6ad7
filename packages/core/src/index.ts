/**
 * @rtnlkit/core — the concurrency kit that strategies and subsystems are built from: tasks,
 * locks (mutex, rw semaphore), lockdep, lock statistics, RCU, sequence counters and locks,
 * refcounts with named holders, notifier chains, clocks (real and virtual) and the cost model.
 * On top: the netlink wire codec, the rtnetlink dispatcher and sockets, and the strategy
 * interface that decides what every request locks.
 */

export {
  createRtNetlinkSocket,
  NetlinkNpmErrnoException,
  type NetlinkNpmMessageInfo,
  type NetlinkNpmModule,
  type NetlinkNpmSendOptions,
  NetlinkNpmSocket,
  type NetlinkNpmSocketOptions,
} from './adapters/netlink-npm';
export {
  NetlinkStreamClient,
  NetlinkStreamConnection,
  NLSTREAM,
  NLSTREAM_MAX_MESSAGE,
  NlStreamFramer,
  type StreamAnswer,
  type StreamNotification,
  type StreamServeOptions,
  serveNetlinkStream,
} from './adapters/stream';
export { Errno, ErrnoError, type ErrnoName, errnoName } from './errno';
export {
  FAULT_ERRNO,
  type FaultHost,
  FaultInjector,
  type FaultInjectorOptions,
  type FaultKind,
  type FaultPointRecord,
  failAt,
  faultPoint,
  waitPoint,
} from './fault/fault-injector';
export * from './iproute';
export { LockError, LockTimeoutError } from './locking/errors';
export {
  defaultLockEnv,
  type InstanceComparator,
  LockClass,
  type LockClassOptions,
  LockEnv,
  type LockEnvOptions,
} from './locking/lock-class';
export { type LockStatRow, LockStats, type LockTracer } from './locking/lock-stats';
export {
  type AcquireMode,
  type DependencyStep,
  heldList,
  Lockdep,
  LockdepError,
  type LockdepOptions,
  type LockdepReport,
  type LockdepReportKind,
  type LockObserver,
  type TrackedLock,
} from './locking/lockdep';
export { LockGuard, type LockInstanceOptions, Mutex } from './locking/mutex';
export { RwSemaphore } from './locking/rwsem';
export type { AcquireOptions } from './locking/wait-queue';
export { LockWatchdog, type LockWatchdogOptions, type LockWatchdogReport } from './locking/watchdog';
export { Histogram, type HistogramSummary } from './metrics/histogram';
export { compareNets, Net } from './net/net';
export { type AckOptions, buildAck, buildDone } from './rtnetlink/ack';
export { DumpRun } from './rtnetlink/dump';
export { type HandlerEntry, type HandlerSpec, HandlerTable } from './rtnetlink/handlers';
export { HandlerOwner } from './rtnetlink/owner';
export type { DoIt, DoitRequest, DumpCallback, DumpIt, Extack, Prepare, Prepared } from './rtnetlink/request';
export { type NotifyOptions, RTNL_CLASS, Rtnetlink, type RtnetlinkOptions } from './rtnetlink/rtnetlink';
export { NetlinkSocket, type RecvOptions, type SocketOptions, type SocketStats } from './rtnetlink/socket';
export type { Subsystem } from './rtnetlink/subsystem';
export {
  callNets,
  type LockClassDecl,
  type LockClassName,
  type LockStrategy,
  type StrategyCall,
  type StrategyHost,
  type SubsystemLock,
} from './strategy/strategy';
export { aliasLock, mutexLock } from './strategy/subsystem-locks';
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
/** A message as the stream client hands it out (NLMSG_ERROR and NLMSG_DONE fields spelled out). */
export type { DecodedMessage } from './testing/messages';
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
export {
  type AttrSet,
  type AttrSpec,
  defineAttrSet,
  type NlaType,
  overridePolicy,
  type StructMember,
  type StructSpec,
} from './wire/attr-types';
export { type Nlattr, nla, walkAttrs } from './wire/attrs';
export { ipv4Bytes, NlMsgBuilder } from './wire/builder';
export * from './wire/constants';
export { RTM } from './wire/generated';
export * as rtAddr from './wire/generated/rt-addr';
export { addrAttrs, IFA, IFA_F } from './wire/generated/rt-addr';
export * as rtLink from './wire/generated/rt-link';
export { IFF, IFLA, IFLA_INFO, linkAttrs } from './wire/generated/rt-link';
export * as rtRoute from './wire/generated/rt-route';
export { metricsAttrs, RTA, RTN, routeAttrs } from './wire/generated/rt-route';
export * from './wire/headers';
export { type AttrNode, decodeMessage, encodeMessage, messageLayout, type RtnlMessage } from './wire/message';
export { messagesOf, type NlMsg, type NlMsgHeader, readHeader, writeHeader } from './wire/nlmsg';
export {
  MAX_POLICY_RECURSION_DEPTH,
  NL_VALIDATE,
  nlaParse,
  nlaParseNested,
  nlmsgParse,
  ParsedAttrs,
} from './wire/parse';
export { describesPolicy, NL_ATTR_TYPE, NL_POLICY_TYPE_ATTR, writePolicyAttr } from './wire/policy-dump';
