export { Netns, netnsOf, type PernetOps } from './netns';
export { NsFiles, nsFiles } from './ns-files';
export { getNetNsById, NETNSA_NSID_NOT_ASSIGNED, peernet2id, peernet2idAlloc, unhashNsid } from './nsid';
