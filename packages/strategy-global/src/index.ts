/**
 * @rtnlkit/strategy-global — rtnlkit locking strategy: one RTNL mutex around every doit and dump pass (Linux up to 4.13).
 *
 * The pieces land issue by issue; see this package's README for what is here today.
 */
export {};
