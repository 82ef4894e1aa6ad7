/**
 * The netdevice notifier chain (`netdev_chain`, include/linux/netdevice.h, net/core/dev.c) and the
 * RTNLGRP_LINK notifications (`rtmsg_ifinfo()` in net/core/rtnetlink.c), one chain per rtnetlink
 * instance. Callbacks run under RTNL: the device operations that call the chain hold it.
 */
import {
  type Net,
  NLM_F,
  type NlMsgHeader,
  NOTIFY_DONE,
  NotifierChain,
  type NotifierRegisterOptions,
  RTM,
  RTNLGRP,
  type Rtnetlink,
} from '@rtnlkit/core';
import { fillIfinfo } from './fill';
import type { NetDevice } from './netdevice';

/** `enum netdev_cmd`, the events rtnlkit's device operations raise. */
export const NETDEV = {
  UP: 1,
  DOWN: 2,
  CHANGE: 4,
  REGISTER: 5,
  UNREGISTER: 6,
  CHANGEMTU: 7,
  GOING_DOWN: 10,
  CHANGENAME: 11,
  CHANGEADDR: 8,
  PRE_UP: 14,
  CHANGEUPPER: 22,
  CHANGE_TX_QUEUE_LEN: 31,
} as const;

/** `struct netdev_notifier_info` and its `_change_info` / `_info_ext` variants. */
export interface NetdevNotifierInfo {
  readonly dev: NetDevice;
  /** NETDEV_CHANGE: the `dev->flags` bits that changed (`flags_changed`). */
  readonly flagsChanged?: number;
  /** NETDEV_CHANGEMTU: the mtu before the change. */
  readonly oldMtu?: number;
  /** NETDEV_CHANGENAME: the name before the change. */
  readonly oldName?: string;
}

export type NetdevChain = NotifierChain<number, NetdevNotifierInfo>;

const chains = new WeakMap<Rtnetlink, NetdevChain>();

/** The netdevice notifier chain of `rtnl`, created on first use (empty). */
export function netdevChain(rtnl: Rtnetlink): NetdevChain {
  let chain = chains.get(rtnl);
  if (!chain) {
    chain = new NotifierChain<number, NetdevNotifierInfo>('netdev_chain');
    chains.set(rtnl, chain);
  }
  return chain;
}

/** `register_netdevice_notifier()`; returns the unregister function. */
export function registerNetdeviceNotifier(
  rtnl: Rtnetlink,
  callback: (event: number, info: NetdevNotifierInfo) => number | Promise<number>,
  options?: NotifierRegisterOptions,
): () => void {
  return netdevChain(rtnl).register(callback, options);
}

/** `call_netdevice_notifiers_info()`: the errno a callback vetoed with, or 0. */
export async function callNetdeviceNotifiers(
  rtnl: Rtnetlink,
  event: number,
  info: NetdevNotifierInfo,
): Promise<number> {
  const result = await netdevChain(rtnl).call(event, info);
  return result.errno;
}

/** Who caused a notification: the requester's port id and request header (`portid`, `nlh`). */
export interface NotifyOrigin {
  readonly portId: number;
  readonly header: NlMsgHeader;
}

/**
 * `rtmsg_ifinfo()` / `rtmsg_ifinfo_event()`: an RTM_NEWLINK (or RTM_DELLINK) message for `dev`,
 * filled as a GETLINK answer with `ifi_change = change`, sent to RTNLGRP_LINK of the device's
 * namespace. When the originating request has NLM_F_ECHO (`nlmsg_report`), the message carries
 * its sequence number and port id and goes to the requester too (not twice); otherwise both are 0.
 */
export function rtmsgIfinfo(
  rtnl: Rtnetlink,
  type: number,
  dev: NetDevice,
  change: number,
  origin?: NotifyOrigin,
): void {
  const net = dev.net;
  if (!net || dev.regState !== 'registered') return; // rtmsg_ifinfo_event(): only registered devices
  rtmsgIfinfoBuild(type, dev, change, origin, { rtnl })(rtnl, net);
}

/**
 * `rtmsg_ifinfo_build_skb()`: fills the message now and returns the `rtmsg_ifinfo_send()` step,
 * for a caller that sends it once the device is gone (RTM_DELLINK). Linux 6.18 stamps the
 * request's port id and sequence number only when the request asked for an echo. A device
 * leaving for another namespace (`rtmsg_ifinfo_newnet()`) says where to: `move`.
 */
export function rtmsgIfinfoBuild(
  type: number,
  dev: NetDevice,
  change: number,
  origin?: NotifyOrigin,
  extra: {
    /** Fills IFLA_AF_SPEC from this instance's af ops (ext filter mask 0, as the kernel's). */
    rtnl?: Rtnetlink;
    /** A device leaving for another namespace (`rtmsg_ifinfo_newnet()`): where to. */
    move?: { newNsid: number; newIfindex: number };
  } = {},
): (rtnl: Rtnetlink, net: Net) => void {
  const echo = origin !== undefined && (origin.header.flags & NLM_F.ECHO) !== 0;
  const message = fillIfinfo(dev, {
    type,
    flags: 0,
    seq: echo ? origin.header.seq : 0,
    portId: echo ? origin.portId : 0,
    change: change >>> 0,
    ...extra.move,
    ...(extra.rtnl ? { rtnl: extra.rtnl } : {}),
  });
  return (rtnl, net) => {
    rtnl.notify(net, RTNLGRP.LINK, message, echo ? { portId: origin.portId, report: true } : {});
  };
}

/** The events `rtnetlink_event()` turns into an RTM_NEWLINK (those rtnlkit raises). */
const NOTIFYING_EVENTS = new Set<number>([
  NETDEV.CHANGEMTU,
  NETDEV.CHANGEADDR,
  NETDEV.CHANGENAME,
  NETDEV.CHANGEUPPER,
  NETDEV.CHANGE_TX_QUEUE_LEN,
]);

/**
 * `rtnetlink_dev_notifier`: registers `rtnetlink_event()` on the chain of `rtnl`, which sends
 * RTM_NEWLINK (change 0) for CHANGEMTU, CHANGEADDR, CHANGENAME, CHANGEUPPER and
 * CHANGE_TX_QUEUE_LEN. Returns the unregister function.
 */
export function registerRtnetlinkEvent(rtnl: Rtnetlink): () => void {
  const rtnetlinkEvent = (event: number, info: NetdevNotifierInfo): number => {
    if (NOTIFYING_EVENTS.has(event)) rtmsgIfinfo(rtnl, RTM.NEWLINK, info.dev, 0);
    return NOTIFY_DONE;
  };
  return registerNetdeviceNotifier(rtnl, rtnetlinkEvent, { name: 'rtnetlink_event' });
}
