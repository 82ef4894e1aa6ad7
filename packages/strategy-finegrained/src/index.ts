/**
 * @rtnlkit/strategy-finegrained — rtnlkit locking strategy: per-subsystem mutexes taken in one enforced order, checked by lockdep.
 *
 * The pieces land issue by issue; see this package's README for what is here today.
 */
export {};
