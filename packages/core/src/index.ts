/**
 * @rtnlkit/core — the wire codec, the rtnetlink dispatcher, the locking-strategy interface and the
 * concurrency kit (locks, RCU, sequence counters, refcounts, notifiers, lockdep, lock statistics,
 * clocks) that strategies and subsystems are built from.
 *
 * The pieces land issue by issue; see this package's README for what is here today.
 */
export {};
