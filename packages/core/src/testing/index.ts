/**
 * @rtnlkit/core/testing — helpers for testing strategies, subsystems and tools built on rtnlkit.
 */

export { type DecodedMessage, decodeDatagram, drain, readUntilDone } from './messages';
export { rtnlMutexStrategy } from './rtnl-mutex-strategy';
