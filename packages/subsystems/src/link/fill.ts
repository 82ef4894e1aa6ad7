/**
 * `rtnl_fill_ifinfo()`: one RTM_NEWLINK message for a device, as Linux 6.18 writes it, for the
 * attributes rtnlkit models. They come in the kernel's order; the ones the model does not have
 * (gso/gro/tso sizes, stats, xdp, qdisc, af-spec, map, kind data, …) are left out, so conformance compares
 * exactly {@link MODELLED_LINK_ATTRIBUTES}.
 */
import { encodeIfInfoMsg, IFLA, IFLA_INFO, NlMsgBuilder } from '@rtnlkit/core';
import type { NetDevice } from './netdevice';

/** The IFLA_* attributes {@link fillIfinfo} writes (spec names), in the kernel's order. */
export const MODELLED_LINK_ATTRIBUTES = [
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
}

/** Writes the ifinfomsg and the modelled attributes of `dev` into a new message. */
export function fillIfinfo(dev: NetDevice, options: FillOptions): Uint8Array {
  const b = new NlMsgBuilder(options.type, options.flags, options.seq, options.portId, 512);
  b.bytes(
    encodeIfInfoMsg({
      family: 0,
      type: dev.type,
      index: dev.ifindex,
      flags: dev.reportedFlags,
      change: options.change ?? 0,
    }),
  );
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
  // nla_put_iflink(): only for a device on another one (veth: its peer; macvlan: its lower).
  // Linux 6.18 writes it after IFLA_LINKINFO.
  const iflink = dev.iflink;
  if (iflink !== dev.ifindex) b.u32(IFLA.LINK, iflink);
  return b.finish().slice();
}
