/**
 * @rtnlkit/strategy-finegrained — rtnlkit locking strategy: per-subsystem mutexes taken in one
 * enforced order, checked by lockdep (the seed's proposal).
 */
export { UndeclaredLockClassError } from './errors';
export {
  compareClasses,
  type FinegrainedOptions,
  type FinegrainedStrategy,
  finegrainedStrategy,
  type HeldClassLock,
  type ViolationMode,
} from './finegrained';
export {
  INSTANCE_ORDER_TITLE,
  type OrderEvidence,
  type OrderViolation,
  orderReport,
  RANK_ORDER_TITLE,
  type ReportedLock,
} from './report';
