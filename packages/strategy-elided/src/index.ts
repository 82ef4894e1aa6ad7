/**
 * @rtnlkit/strategy-elided — rtnlkit locking strategy: RTNL unless a handler is flagged DOIT_UNLOCKED / DUMP_UNLOCKED (Linux 4.14 and after).
 *
 * The pieces land issue by issue; see this package's README for what is here today.
 */
export {};
