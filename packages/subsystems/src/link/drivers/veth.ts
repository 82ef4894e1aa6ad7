/**
 * The `veth` kind (drivers/net/veth.c): a pair of Ethernet devices, each the other's peer. What
 * rtnlkit models: `veth_newlink()` (the peer from VETH_INFO_PEER, registered first), the carriers
 * (`veth_open()` / `veth_close()`), IFLA_LINK (`veth_get_iflink()`), `veth_dellink()` and the queue
 * counts (`veth_get_num_queues()`). A peer in another namespace is not modelled yet.
 */
import {
  decodeIfInfoMsg,
  defineAttrSet,
  Errno,
  ErrnoError,
  failAt,
  IFINFOMSG_LEN,
  IFLA,
  type IfInfoMsg,
  NL_VALIDATE,
  NLA_HDRLEN,
  type Nlattr,
  nla,
  nlaParse,
  type ParsedAttrs,
  type Rtnetlink,
} from '@rtnlkit/core';
import { ETH_ALEN, ETH_MAX_MTU, ETH_MIN_MTU, IFNAMSIZ } from '../constants';
import { rtnlConfigureLink, rtnlCreateLink } from '../create';
import { registerNetdevice, unregisterNetdevice } from '../dev';
import { iflaPolicy } from '../getlink';
import type { NewlinkParams, RtnlLinkOps } from '../kinds';
import { netifCarrierOff, netifCarrierOn } from '../linkwatch';
import { NET_ADDR, NetDevice, type NetDeviceOps } from '../netdevice';
import { refuseUnmodelled } from '../setlink';
import { isValidEtherAddr, randomEtherAddr } from './ether';

/** `VETH_INFO_PEER` (include/uapi/linux/veth.h). */
export const VETH_INFO_PEER = 1;

/** `veth_policy`: VETH_INFO_PEER is at least an ifinfomsg (NLA_UNSPEC with a length). */
export const vethPolicy = defineAttrSet('veth-info', [
  { name: 'peer', type: VETH_INFO_PEER, nla: 'unspec', len: IFINFOMSG_LEN },
]);

/** The IFLA attributes a peer may carry in rtnlkit (those `rtnl_create_link()` models). */
const PEER_ATTRS = new Set<number>([
  IFLA.NET_NS_PID,
  IFLA.NET_NS_FD,
  IFLA.IFNAME,
  IFLA.MTU,
  IFLA.TXQLEN,
  IFLA.GROUP,
  IFLA.NUM_TX_QUEUES,
  IFLA.NUM_RX_QUEUES,
  IFLA.ADDRESS,
]);

/** The peer of each veth device (`veth_priv.peer`); absent while being created or deleted. */
const peers = new WeakMap<NetDevice, NetDevice>();

/** The peer of a veth device, if it has one. */
export function vethPeer(dev: NetDevice): NetDevice | undefined {
  return peers.get(dev);
}

/** `is_valid_veth_mtu()`. */
function isValidVethMtu(mtu: number): boolean {
  const signed = mtu | 0;
  return signed >= ETH_MIN_MTU && signed <= ETH_MAX_MTU;
}

/** `veth_validate()`: IFLA_ADDRESS a valid unicast address (EINVAL, EADDRNOTAVAIL), IFLA_MTU in range. */
function vethValidate(tb: ParsedAttrs): void {
  const address = tb.tb[IFLA.ADDRESS];
  if (address) {
    if (address.data.length !== ETH_ALEN) throw new ErrnoError(Errno.EINVAL);
    if (!isValidEtherAddr(address.data)) throw new ErrnoError(Errno.EADDRNOTAVAIL);
  }
  const mtu = tb.tb[IFLA.MTU];
  if (mtu && !isValidVethMtu(nla.u32(mtu))) throw new ErrnoError(Errno.EINVAL);
}

/** The peer's ifinfomsg and attributes (`rtnl_nla_parse_ifinfomsg()`). */
export interface VethPeerInfo {
  ifm: IfInfoMsg;
  tb: ParsedAttrs;
}

/**
 * `rtnl_nla_parse_ifinfomsg()`: VETH_INFO_PEER is an ifinfomsg followed by IFLA attributes,
 * parsed with `ifla_policy` in liberal mode; a negative `ifi_index` is EINVAL ("ifindex can't be
 * negative", pointing at the attribute).
 */
export function parsePeer(attr: Nlattr): VethPeerInfo {
  const ifm = decodeIfInfoMsg(attr.data, 0);
  if (ifm.index < 0) throw new ErrnoError(Errno.EINVAL, "ifindex can't be negative", { offset: attr.offset });
  const tb = nlaParse(
    attr.data,
    IFINFOMSG_LEN,
    attr.data.length,
    iflaPolicy,
    NL_VALIDATE.LIBERAL,
    attr.offset + NLA_HDRLEN,
  );
  return { ifm, tb };
}

/**
 * `rtnl_get_peer_net()`: the peer's attributes are validated by `veth_validate()` like the
 * device's; its namespace (IFLA_NET_NS_PID / _FD) is resolved by `rtnl_newlink()` through
 * `peerTb`.
 */
function checkPeer(peer: VethPeerInfo): void {
  vethValidate(peer.tb);
  refuseUnmodelled(peer.tb, PEER_ATTRS);
}

/** `veth_open()`: ENOTCONN without a peer; the carriers go on when the peer is up too. */
async function vethOpen(rtnl: Rtnetlink, dev: NetDevice): Promise<void> {
  const peer = peers.get(dev);
  if (!peer) throw new ErrnoError(Errno.ENOTCONN);
  if (peer.running) {
    netifCarrierOn(rtnl, dev);
    netifCarrierOn(rtnl, peer);
  }
}

/** `veth_close()`: both carriers go off. */
async function vethClose(rtnl: Rtnetlink, dev: NetDevice): Promise<void> {
  netifCarrierOff(rtnl, dev);
  const peer = peers.get(dev);
  if (peer) netifCarrierOff(rtnl, peer);
}

const vethNetdevOps: NetDeviceOps = {
  open: vethOpen,
  stop: vethClose,
  // veth_get_iflink(): the peer's ifindex, 0 without a peer.
  getIflink: (dev) => peers.get(dev)?.ifindex ?? 0,
};

/** The veth kind, for a machine with `possibleCpus` possible CPUs (the default queue count). */
export function vethLinkOps(options: { possibleCpus?: number } = {}): RtnlLinkOps {
  const possibleCpus = options.possibleCpus ?? 1;
  if (!(Number.isInteger(possibleCpus) && possibleCpus >= 1))
    throw new RangeError(`possibleCpus must be a positive integer, got ${possibleCpus}`);
  // veth_get_num_queues(): num_possible_cpus(), at most 4096 (the limit of rtnl_create_link()).
  const numQueues = () => Math.min(possibleCpus, 4096);
  const ops: RtnlLinkOps = {
    kind: 'veth',
    policy: vethPolicy,
    modelledData: new Set([VETH_INFO_PEER]),
    peerType: VETH_INFO_PEER,
    setup: vethSetup,
    validate(tb, data) {
      vethValidate(tb);
      // rtnl_get_peer_net() runs right after ops->validate in rtnl_newlink().
      const peer = data?.tb[VETH_INFO_PEER];
      if (peer) checkPeer(parsePeer(peer));
    },
    peerTb: (attr) => parsePeer(attr).tb,
    // veth_get_link_net(): the peer's namespace.
    getLinkNet: (dev) => peers.get(dev)?.net,
    getNumTxQueues: numQueues,
    getNumRxQueues: numQueues,
    newlink: (dev, params) => vethNewlink(ops, dev, params),
    dellink: async (_rtnl, dev) => vethDellink(dev),
  };
  return ops;
}

/**
 * `veth_setup()`: `ether_setup()`, a random address, max mtu ETH_MAX_MTU, the veth device ops.
 * (Its carrier goes off once registered, in `veth_newlink()`.)
 */
function vethSetup(name: string): NetDevice {
  return new NetDevice({
    name,
    kind: 'veth',
    address: randomEtherAddr(),
    addrAssignType: NET_ADDR.RANDOM,
    maxMtu: ETH_MAX_MTU,
    netdevOps: vethNetdevOps,
  });
}

/**
 * `veth_newlink()`: the peer first, from VETH_INFO_PEER (or, without it, from the request's own
 * attributes, but named `veth%d`): `rtnl_create_link()` in the peer's namespace, its ifindex from
 * the peer's ifinfomsg only when the request gave one for the device too, registered, carrier
 * off, `rtnl_configure_link()` with the peer's ifinfomsg (no requester: its RTM_NEWLINK has seq 0).
 * Then the device itself, carrier off, and the two are tied. The peer is not tied yet while it
 * is configured, so a peer asked to come up fails with ENOTCONN (`veth_open()`), as in Linux.
 */
async function vethNewlink(ops: RtnlLinkOps, dev: NetDevice, params: NewlinkParams): Promise<void> {
  const { rtnl } = params;
  const peerAttr = params.data?.tb[VETH_INFO_PEER];
  const peerInfo = peerAttr ? parsePeer(peerAttr) : undefined;
  const tbp = peerInfo ? peerInfo.tb : params.tb;
  const ifname = tbp.tb[IFLA.IFNAME];
  const name = peerInfo && ifname ? nla.string(ifname).slice(0, IFNAMSIZ - 1) : 'veth%d';
  failAt(rtnl, 'rtnl_create_link:alloc_netdev', 'alloc');
  const peer = rtnlCreateLink(ops, name, tbp);
  if (!peerInfo || !tbp.tb[IFLA.ADDRESS]) {
    peer.address = randomEtherAddr();
    peer.addrAssignType = NET_ADDR.RANDOM;
  }
  const peerIndex = peerInfo && params.ifm.index !== 0 ? peerInfo.ifm.index : 0;
  await registerNetdevice(rtnl, params.peerNet, peer, {
    ...(peerIndex ? { ifindex: peerIndex } : {}),
    announce: false,
  });
  netifCarrierOff(rtnl, peer);
  try {
    await rtnlConfigureLink(rtnl, peer, peerInfo?.ifm);
    await registerNetdevice(rtnl, params.net, dev, {
      ...(params.ifm.index > 0 ? { ifindex: params.ifm.index } : {}),
      announce: false,
    });
  } catch (error) {
    await unregisterNetdevice(rtnl, peer);
    throw error;
  }
  netifCarrierOff(rtnl, dev);
  peers.set(dev, peer);
  peers.set(peer, dev);
}

/** `veth_dellink()`: both ends go, the device first; they are untied first. */
function vethDellink(dev: NetDevice): NetDevice[] {
  const peer = peers.get(dev);
  peers.delete(dev);
  if (!peer) return [dev];
  peers.delete(peer);
  return [dev, peer];
}
