export { type FibConfig, fibConfig, type NhConfig, parseMultipath, rtmIpv4Policy, rtmToFibConfig } from './config';
export { FIB_PROPS, RT_SCOPE, RT_TABLE, RTM_F, RTN_MAX, RTNH_F, RTPROT } from './constants';
export { registerFibNetdevEvent } from './events';
export { type FibRtInfo, fibDumpInfo, MODELLED_ROUTE_ATTRIBUTES } from './fill';
export { inetDumpFib, inetRtmGetroute } from './getroute';
export {
  type FibIfaddr,
  fibAddIfaddr,
  fibDelIfaddr,
  fibDisableIp,
  fibInetaddrEvent,
  fibInetFibHooks,
  fibMagic,
  fibModifyPrefixMetric,
} from './ifaddr';
export {
  FIB_LOOKUP,
  FibRes,
  type FibResult,
  type Flow,
  fibLookup,
  fibLookupRes,
  fibTableLookup,
  fibTableLookupRes,
  inetAddrTypeTable,
} from './lookup';
export { ipv4ToU32, PrefixTrie, prefixMask, u32ToIpv4 } from './lpm';
export { fibCheckNh, fibCreateInfo } from './nexthop';
export {
  callFibNotifiers,
  FIB_DUMP_MAX_RETRIES,
  type FibEvent,
  type FibNotifier,
  registerFibNotifier,
} from './notifier';
export { fibFlush, fibSyncDownDev, fibTableDelete, fibTableInsert, rtmsgFib } from './ops';
export { inetRouteConfigPrepare, inetRtmDelroute, inetRtmNewroute } from './route';
export { type FibSeq, type FibSeqMode, fibSeqCounter } from './seq';
export {
  FIB_CLASS,
  FIB_LOCK_CLASSES,
  type FibSubsystemOptions,
  fibPernetOps,
  fibSubsystem,
} from './subsystem';
export { type FibAlias, type FibInfo, FibNet, type FibNh, type FibRoute, FibTable, fibNet } from './table';
