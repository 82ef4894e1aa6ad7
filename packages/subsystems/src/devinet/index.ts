export { IFLA_INET_CONF, inetAfOps } from './af';
export {
  type InetaddrCallback,
  type InetaddrValidatorCallback,
  type InValidatorInfo,
  inetaddrChains,
  registerInetaddrNotifier,
  registerInetaddrValidatorNotifier,
  siblingAddressValidator,
} from './chains';
export { defaultDevconf, IPV4_DEVCONF, IPV4_DEVCONF_MAX, type NetDevconf, netDevconf } from './devconf';
export { inetBaseSeq, inetDumpIfaddr } from './dump';
export { inetdevDestroy, inetdevEvent, inetdevInit, registerInetdevEvent } from './events';
export { type InetFibHooks, inetFibHooks, setInetFibHooks } from './fib-hooks';
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
  inetIfaByprefix,
  inetIfaMatch,
  inetMakeMask,
  ipv4Number,
  ipv4String,
} from './in-device';
export { addrChkSchedule, checkLifetime } from './lifetime';
export {
  devconfIpv4Policy,
  inetNetconfDumpDevconf,
  inetNetconfGetDevconf,
  inetNetconfMessage,
  NETCONFA,
  NETCONFA_IFINDEX_ALL,
  NETCONFA_IFINDEX_DEFAULT,
  RTM_GETNETCONF,
  RTM_NEWNETCONF,
} from './netconf';
export { ifaIpv4Policy, inAddr, inetRtmDeladdr, inetRtmNewaddr } from './newaddr';
export { DEVINET_LOCK_CLASSES, devinetSubsystem } from './subsystem';
