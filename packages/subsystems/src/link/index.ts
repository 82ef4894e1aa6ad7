export { ARPHRD, ETH_ALEN, IF_LINK_MODE, IF_OPER, IFNAMSIZ } from './constants';
export { type FillOptions, fillIfinfo, MODELLED_LINK_ATTRIBUTES } from './fill';
export { iflaPolicy, rtnlDumpIfinfo, rtnlGetlink } from './getlink';
export { LOOPBACK_IFINDEX, loopbackDevice } from './loopback';
export { NetDevice, type NetDeviceSetup } from './netdevice';
export { type InstalledSubsystem, LINK_LOCK_CLASSES, linkPernetOps, linkSubsystem } from './subsystem';
export { devValidName, LinkTable, linkTable } from './table';
