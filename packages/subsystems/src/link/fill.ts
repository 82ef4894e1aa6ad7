/**
 * `rtnl_fill_ifinfo()`: one RTM_NEWLINK message for a device, as Linux 6.18 writes it, for the
 * attributes rtnlkit models. They come in the kernel's order; the ones the model does not have
 * (gso/gro/tso sizes, stats, xdp, qdisc, map, kind data, …) are left out, so conformance
 * compares exactly {@link MODELLED_LINK_ATTRIBUTES}. IFLA_AF_SPEC is not among them: it is written
 * last, and only while af ops are registered ("Linux always has AF_INET and AF_INET6 registered",
 * rtnlkit has no family of its own yet; see `rtnlFillLinkAf`).
 */
import { encodeIfInfoMsg, IFLA, IFLA_INFO, type Net, NlMsgBuilder, type Rtnetlink, type Task } from '@rtnlkit/core';
import { peernet2idAlloc } from '../netns/nsid';
import { rtnlFillLinkAf, rtnlLinkGetAfSize } from './af-ops';
import type { NetDevice } from './netdevice';

/** The IFLA_* attributes {@link fillIfinfo} writes (spec names), in the kernel's order. */
export const MODELLED_LINK_ATTRIBUTES = [
  'target-netnsid',
  'ifname',
  'txqlen',
  'operstate',
  'linkmode',
  'netns-immutable',
  'mtu',
  'min-mtu',
  'max-mtu',
  'group',
  'promiscuity',
  'allmulti',
  'num-tx-queues',
  'num-rx-queues',
  'master',
  'carrier',
  'ifalias',
  'carrier-changes',
  'carrier-up-count',
  'carrier-down-count',
  'proto-down',
  'address',
  'broadcast',
  'linkinfo.kind',
  'linkinfo.slave-kind',
  'new-netnsid',
  'new-ifindex',
  'link-netnsid',
  'link',
] as const;

export interface FillOptions {
  /** RTM_NEWLINK (or RTM_DELLINK for a deletion notification). */
  type: number;
  flags: number;
  seq: number;
  portId: number;
  /** `ifi_change`. */
  change?: number;
  /** IFLA_NEW_NETNSID of a device that moves away: the old namespace's id of the new one. */
  newNsid?: number;
  /** IFLA_NEW_IFINDEX of a device that moves away: its ifindex there. */
  newIfindex?: number;
  /** IFLA_TARGET_NETNSID: the id the request named the device's namespace by (GETLINK). */
  targetNetnsid?: number;
  /** `src_net`: whose namespace ids IFLA_LINK_NETNSID uses (the requester's; default the device's). */
  srcNet?: Net;
  /**
   * The instance whose af ops fill IFLA_AF_SPEC (`rtnl_fill_link_af()`); without it, or with no
   * af ops registered, no IFLA_AF_SPEC is written (Linux always has AF_INET and AF_INET6
   * registered and always writes it; see `rtnlFillLinkAf` in af-ops.ts for why rtnlkit does not).
   */
  rtnl?: Rtnetlink;
  /** The task whose RCU read section the af ops walk runs in (a short one of its own if none). */
  task?: Task;
  /** IFLA_EXT_MASK of the request (RTEXT_FILTER_*), passed to the af ops; 0 by default. */
  extFilterMask?: number;
}

/** Writes the ifinfomsg and the modelled attributes of `dev` into a new message. */
export function fillIfinfo(dev: NetDevice, options: FillOptions): Uint8Array {
  const { rtnl, task, extFilterMask = 0 } = options;
  const afSize = rtnl ? rtnlLinkGetAfSize(rtnl, dev, extFilterMask, task) : 0;
  const b = new NlMsgBuilder(options.type, options.flags, options.seq, options.portId, 512 + afSize);
  b.bytes(
    encodeIfInfoMsg({
      family: 0,
      type: dev.type,
      index: dev.ifindex,
      flags: dev.reportedFlags,
      change: options.change ?? 0,
    }),
  );
  if (options.targetNetnsid !== undefined) b.s32(IFLA.TARGET_NETNSID, options.targetNetnsid);
  b.string(IFLA.IFNAME, dev.name)
    .u32(IFLA.TXQLEN, dev.txqlen)
    .u8(IFLA.OPERSTATE, dev.reportedOperstate)
    .u8(IFLA.LINKMODE, dev.linkMode)
    .u8(IFLA.NETNS_IMMUTABLE, dev.netnsImmutable ? 1 : 0)
    .u32(IFLA.MTU, dev.mtu)
    .u32(IFLA.MIN_MTU, dev.minMtu)
    .u32(IFLA.MAX_MTU, dev.maxMtu)
    .u32(IFLA.GROUP, dev.group)
    .u32(IFLA.PROMISCUITY, dev.promiscuity)
    .u32(IFLA.ALLMULTI, dev.allmulti)
    .u32(IFLA.NUM_TX_QUEUES, dev.numTxQueues)
    .u32(IFLA.NUM_RX_QUEUES, dev.numRxQueues);
  // put_master_ifindex(): only for an enslaved device.
  if (dev.master) b.u32(IFLA.MASTER, dev.master.ifindex);
  b.u8(IFLA.CARRIER, dev.carrier ? 1 : 0);
  // nla_put_ifalias(): only when set.
  if (dev.alias) b.string(IFLA.IFALIAS, dev.alias);
  b.u32(IFLA.CARRIER_CHANGES, dev.carrierChanges)
    .u32(IFLA.CARRIER_UP_COUNT, dev.carrierUpCount)
    .u32(IFLA.CARRIER_DOWN_COUNT, dev.carrierDownCount)
    .u8(IFLA.PROTO_DOWN, dev.protoDown ? 1 : 0);
  if (dev.addrLen > 0) b.attr(IFLA.ADDRESS, dev.address).attr(IFLA.BROADCAST, dev.broadcast);
  // rtnl_link_fill(): the kind (its IFLA_INFO_DATA is not written: no kind's options are
  // modelled in full), and the master's kind for a port (IFLA_INFO_SLAVE_KIND).
  if (dev.kind) {
    const kind = dev.kind;
    const slaveKind = dev.master?.kind;
    // nla_nest_start_noflag(): Linux writes this nest without NLA_F_NESTED.
    b.beginNest(IFLA.LINKINFO, false).string(IFLA_INFO.KIND, kind);
    if (slaveKind) b.string(IFLA_INFO.SLAVE_KIND, slaveKind);
    b.endNest();
  }
  // After IFLA_LINKINFO: where a device that moves away went.
  if (options.newNsid !== undefined) b.s32(IFLA.NEW_NETNSID, options.newNsid);
  if (options.newIfindex) b.s32(IFLA.NEW_IFINDEX, options.newIfindex);
  // nla_put_iflink(): only for a device on another one (veth: its peer; macvlan: its lower).
  // Linux 6.18 writes it after IFLA_LINKINFO.
  // rtnl_fill_link_netnsid(): a device on one in another namespace (a veth's peer, a macvlan's
  // lower) names that namespace by its id as seen from `src_net`, and then always writes IFLA_LINK.
  const iflink = dev.iflink;
  const linkNet = dev.rtnlLinkOps?.getLinkNet?.(dev);
  const elsewhere = linkNet !== undefined && dev.net !== undefined && linkNet !== dev.net;
  if (elsewhere) b.s32(IFLA.LINK_NETNSID, peernet2idAlloc(options.srcNet ?? (dev.net as Net), linkNet));
  if (elsewhere || iflink !== dev.ifindex) b.u32(IFLA.LINK, iflink);
  // IFLA_AF_SPEC comes after the link-netnsid attributes, before the property list (alt names).
  if (rtnl) rtnlFillLinkAf(b, rtnl, dev, extFilterMask, task);
  return b.finish().slice();
}
