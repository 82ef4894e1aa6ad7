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
export { rtnlConfigureLink, rtnlCreateLink } from './create';
export {
  combineFlags,
  devChangeFlags,
  devChangeFlagsNoNotify,
  devChangeName,
  devChangeTxQueueLen,
  devSetAlias,
  devSetAllmulti,
  devSetMtu,
  devSetPromiscuity,
  devValidateMtu,
  netdevStateChange,
  notifyFlags,
  type RegisterOptions,
  registerNetdevice,
  unregisterNetdevice,
  unregisterNetdeviceMany,
} from './dev';
export { brAddIf, brDelIf, bridgeLinkOps, bridgePorts, isBridgeMaster } from './drivers/bridge';
export { dummyLinkOps } from './drivers/dummy';
export { compareEtherAddr, isValidEtherAddr, randomEtherAddr } from './drivers/ether';
export { ifbLinkOps } from './drivers/ifb';
export {
  IFLA_MACVLAN,
  MACVLAN_MODE,
  macvlanLinkOps,
  macvlanLowerDev,
  macvlanMode,
  macvlanPolicy,
} from './drivers/macvlan';
export { parsePeer, VETH_INFO_PEER, type VethPeerInfo, vethLinkOps, vethPeer, vethPolicy } from './drivers/veth';
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
export { LinkKinds, linkKinds, type NewlinkParams, type PinnedKind, type RtnlLinkOps } from './kinds';
export { lingerOnUnregister } from './lingering-refs';
export { ensureUniqueNetns, getNetNsCapable, linkGetNetCapable, linkNetByIfla } from './link-net';
export {
  defaultOperstate,
  linkwatchFireEvent,
  linkwatchRunQueue,
  netifCarrierOff,
  netifCarrierOn,
  rfc2863Policy,
} from './linkwatch';
export { LOOPBACK_IFINDEX, loopbackDevice } from './loopback';
export { doSetMaster, netdevMasterUpperDevLink, netdevUpperDevUnlink } from './master';
export {
  NET_ADDR,
  NetDevice,
  type NetDeviceOps,
  type NetDeviceSetup,
  type NetregState,
  netdevRxHandlerRegister,
} from './netdevice';
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
export {
  type InstalledSubsystem,
  LINK_KINDS,
  LINK_LOCK_CLASSES,
  type LinkSubsystemOptions,
  linkPernetOps,
  linkSubsystem,
} from './subsystem';
export { devValidName, LinkTable, linkTable } from './table';
