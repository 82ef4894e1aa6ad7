/**
 * The two halves of creating a device that `rtnl_newlink_create()` and a kind's `newlink` (veth
 * for its peer) share: `rtnl_create_link()` (a device set up from the request's attributes, not
 * registered yet) and `rtnl_configure_link()` (its flags, then its first RTM_NEWLINK).
 */
import { Errno, ErrnoError, IFLA, type IfInfoMsg, nla, type ParsedAttrs, type Rtnetlink } from '@rtnlkit/core';
import { combineFlags, devChangeFlagsNoNotify, devValidateMtu, notifyFlags } from './dev';
import type { NotifyOrigin } from './events';
import type { RtnlLinkOps } from './kinds';
import { NET_ADDR, type NetDevice } from './netdevice';
import { checkAfSpec, type LinkChangeContext } from './setlink';

/** The most queues a device may have (`rtnl_create_link()`). */
const MAX_QUEUES = 4096;

/**
 * `rtnl_create_link()`: `ops.setup(name)` with the queue counts (IFLA_NUM_TX/RX_QUEUES, else the
 * kind's default, else 1: EINVAL outside 1..4096), then the mtu checked against the new device's
 * range, the address (NET_ADDR_SET), txqlen and group from `tb`. `validate_linkmsg()` runs on
 * the new device first: the address length and IFLA_AF_SPEC (with `ctx` for the af ops lookups).
 */
export function rtnlCreateLink(ops: RtnlLinkOps, name: string, tb: ParsedAttrs, ctx?: LinkChangeContext): NetDevice {
  const txAttr = tb.tb[IFLA.NUM_TX_QUEUES];
  const rxAttr = tb.tb[IFLA.NUM_RX_QUEUES];
  const numTx = txAttr ? nla.u32(txAttr) : (ops.getNumTxQueues?.() ?? 1);
  const numRx = rxAttr ? nla.u32(rxAttr) : (ops.getNumRxQueues?.() ?? 1);
  if (numTx < 1 || numTx > MAX_QUEUES) throw new ErrnoError(Errno.EINVAL, 'Invalid number of transmit queues');
  if (numRx < 1 || numRx > MAX_QUEUES) throw new ErrnoError(Errno.EINVAL, 'Invalid number of receive queues');
  const dev = ops.setup(name);
  dev.rtnlLinkOps = ops;
  dev.numTxQueues = numTx;
  dev.numRxQueues = numRx;
  // validate_linkmsg(): an address shorter than the device's.
  const address = tb.tb[IFLA.ADDRESS];
  if (address && address.data.length < dev.addrLen) throw new ErrnoError(Errno.EINVAL);
  // ... and IFLA_AF_SPEC, checked (unknown family, no set_link_af, validate_link_af) but never
  // applied to a new device.
  checkAfSpec(dev, tb, ctx);
  const mtu = tb.tb[IFLA.MTU];
  if (mtu) {
    devValidateMtu(dev, nla.u32(mtu));
    dev.mtu = nla.u32(mtu);
  }
  if (address) {
    // __dev_addr_set(): the attribute's bytes, as many as the device's address has.
    dev.address = new Uint8Array(address.data.subarray(0, dev.addrLen));
    dev.addrAssignType = NET_ADDR.SET;
  }
  const txqlen = tb.tb[IFLA.TXQLEN];
  if (txqlen) dev.txqlen = nla.u32(txqlen);
  const group = tb.tb[IFLA.GROUP];
  if (group) dev.group = nla.u32(group);
  return dev;
}

/**
 * `rtnl_configure_link()`: the flags of `ifm` (if any), then the first RTM_NEWLINK (change ~0,
 * `rtnl_link_initializing`) carrying the requester's sequence number and port id if `origin` is
 * given (a veth peer is announced without). Throws, having changed nothing, if opening fails.
 */
export async function rtnlConfigureLink(
  rtnl: Rtnetlink,
  dev: NetDevice,
  ifm: IfInfoMsg | undefined,
  origin?: NotifyOrigin,
): Promise<void> {
  const oldFlags = dev.flags;
  if (ifm && (ifm.flags || ifm.change))
    await devChangeFlagsNoNotify(rtnl, dev, combineFlags(dev, ifm.flags, ifm.change));
  dev.linkInitializing = false; // RTNL_LINK_INITIALIZED
  await notifyFlags(rtnl, dev, oldFlags, ~0, origin);
}
