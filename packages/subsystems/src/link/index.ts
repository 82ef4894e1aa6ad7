export {
  type AfOpsRef,
  afSpecEntries,
  type RtnlAfOps,
  RtnlAfRegistry,
  rtnlAfLookup,
  rtnlAfOps,
  rtnlAfRegister,
  rtnlAfUnregister,
  rtnlFillLinkAf,
  rtnlLinkGetAfSize,
  setLinkAf,
  validateLinkAfSpec,
} from './af-ops';
export { ARPHRD, ETH_ALEN, IF_LINK_MODE, IF_OPER, IFNAMSIZ } from './constants';
export {
  combineFlags,
  devChangeFlags,
  devChangeFlagsNoNotify,
  devChangeName,
  devChangeTxQueueLen,
  devSetAlias,
  devSetMtu,
  devValidateMtu,
  netdevStateChange,
  notifyFlags,
  type RegisterOptions,
  registerNetdevice,
  unregisterNetdevice,
} from './dev';
export {
  callNetdeviceNotifiers,
  NETDEV,
  type NetdevChain,
  type NetdevNotifierInfo,
  type NotifyOrigin,
  netdevChain,
  registerNetdeviceNotifier,
  registerRtnetlinkEvent,
  rtmsgIfinfo,
  rtmsgIfinfoBuild,
} from './events';
export { type FillOptions, fillIfinfo, MODELLED_LINK_ATTRIBUTES } from './fill';
export { iflaPolicy, rtnlDumpIfinfo, rtnlGetlink } from './getlink';
export {
  bridgeLinkOps,
  ifbLinkOps,
  LinkKinds,
  linkKinds,
  type PinnedKind,
  type RtnlLinkOps,
  randomEtherAddr,
} from './kinds';
export { ensureUniqueNetns, getNetNsCapable, linkGetNetCapable, linkNetByIfla } from './link-net';
export { LOOPBACK_IFINDEX, loopbackDevice } from './loopback';
export { NetDevice, type NetDeviceSetup, type NetregState } from './netdevice';
export { devChangeNetNamespace } from './netns-move';
export { rtnlDellink, rtnlDellinkPrepare, rtnlNewlink, rtnlNewlinkPrepare } from './newlink';
export { netdevCopyName, netdevGetName, netdevRenameLock, readNameUnlocked, writeDevName } from './rename-lock';
export { NetdevTodo, netdevRunTodo, netdevTodo } from './run-todo';
export {
  applyLinkChange,
  checkAfSpec,
  checkLinkChange,
  type LinkChange,
  type LinkChangeContext,
  rtnlSetlink,
  rtnlSetlinkPrepare,
  SETLINK_ATTRS,
  setlinkNetns,
} from './setlink';
export { type InstalledSubsystem, LINK_KINDS, LINK_LOCK_CLASSES, linkPernetOps, linkSubsystem } from './subsystem';
export { devValidName, LinkTable, linkTable } from './table';
