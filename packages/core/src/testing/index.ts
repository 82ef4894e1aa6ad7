/**
 * @rtnlkit/core/testing — helpers for testing strategies, subsystems and tools built on rtnlkit:
 * the strategy contract, the schedule explorer and its toy workload, an unsafe strategy that the
 * checks must catch, the kernel's own dispatcher rule as a minimal strategy, and reply decoding.
 */
export { fibAbbaWorld } from './abba-world';
export { type ContractCheck, type StrategyPromises, strategyContract } from './contract';
export {
  type ExploreFailure,
  type ExploreOptions,
  type ExploreResult,
  exploreSchedules,
  formatExploreResult,
} from './explorer';
export { type DecodedMessage, decodeDatagram, drain, readUntilDone } from './messages';
export { type RcvExpectation, RTM_MAX, rcvSkbOracle } from './rcv-oracle';
export { rtnlMutexStrategy } from './rtnl-mutex-strategy';
export { type ToyWorkloadOptions, toyWorkload } from './toy-workload';
export { call, callDump, TOY_LOCK_CLASSES, type ToyWorld, toyDumpRequest, toyRequest, toyWorld } from './toy-world';
export { unsafeStrategy } from './unsafe-strategy';
