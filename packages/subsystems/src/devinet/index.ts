export {
  type InetaddrCallback,
  type InetaddrValidatorCallback,
  type InValidatorInfo,
  inetaddrChains,
  registerInetaddrNotifier,
  registerInetaddrValidatorNotifier,
  siblingAddressValidator,
} from './chains';
export { defaultDevconf, IPV4_DEVCONF, IPV4_DEVCONF_MAX } from './devconf';
export { inetBaseSeq, inetDumpIfaddr } from './dump';
export { inetdevDestroy, inetdevEvent, inetdevInit, registerInetdevEvent } from './events';
export {
  type IfaOrigin,
  type InetFillArgs,
  inetFillIfaddr,
  inetIfaddrMessage,
  remainingLifetimes,
  rtmsgIfa,
} from './fill';
export { type IfaFields, IPV6ONLY_FLAGS, inetAllocIfa, inetDelIfa, inetInsertIfa, setIfaLifetime } from './ifa';
export {
  bumpDevAddrGenid,
  devAddrGenid,
  INFINITY_LIFE_TIME,
  InDevice,
  type InIfaddr,
  IPV4_MIN_MTU,
  inDevGet,
  inetIfaMatch,
  inetMakeMask,
  ipv4Number,
  ipv4String,
  RT_SCOPE,
} from './in-device';
export { addrChkSchedule, checkLifetime } from './lifetime';
export { ifaIpv4Policy, inAddr, inetRtmDeladdr, inetRtmNewaddr } from './newaddr';
export { DEVINET_LOCK_CLASSES, devinetSubsystem } from './subsystem';
