/**
 * What the link tests share: an rtnetlink instance with the link subsystem installed (lockdep
 * on, the kernel's dispatcher rule), the netdevice events it saw, request building, and sending
 * a request while a second socket listens to RTNLGRP_LINK.
 */
import {
  type CostModel,
  encodeIfInfoMsg,
  LockEnv,
  type LockStrategy,
  NETLINK_OPT,
  NLM_F,
  NlMsgBuilder,
  NOTIFY_DONE,
  RTNLGRP,
  Rtnetlink,
  type VirtualClock,
} from '@rtnlkit/core';
import { type DecodedMessage, decodeDatagram, rtnlMutexStrategy } from '@rtnlkit/core/testing';
import { type NetdevNotifierInfo, registerNetdeviceNotifier } from './events';
import type { NetDevice } from './netdevice';
import { type InstalledSubsystem, linkSubsystem } from './subsystem';
import { linkTable } from './table';

export interface LinkWorldOptions {
  /** Default: the test kit's RTNL mutex strategy. */
  strategy?: LockStrategy;
  /** A virtual clock for deterministic timing; default the real clock. */
  clock?: VirtualClock;
  /** Cost model overrides (e.g. the grace period); default the model's defaults. */
  costs?: CostModel;
}

export async function linkWorld(options: LinkWorldOptions = {}) {
  const env = new LockEnv({ lockdep: true, ...(options.clock && { clock: options.clock }) });
  const rtnl = new Rtnetlink({
    strategy: options.strategy ?? rtnlMutexStrategy(),
    env,
    ...(options.costs && { costs: options.costs }),
  });
  const installed = (await rtnl.install(linkSubsystem())) as InstalledSubsystem;
  const events: [number, string][] = [];
  registerNetdeviceNotifier(rtnl, (event: number, info: NetdevNotifierInfo) => {
    events.push([event, info.dev.name]);
    return NOTIFY_DONE;
  });
  const table = linkTable(rtnl.initNet);
  return { rtnl, env, installed, events, table, lo: table.getByName('lo') as NetDevice };
}

let seq = 1;

/** A link request with an ifinfomsg (and NLM_F_REQUEST | NLM_F_ACK | `nlFlags`). */
export function linkRequest(
  type: number,
  nlFlags: number,
  fields: { index?: number; flags?: number; change?: number } = {},
  attrs?: (b: NlMsgBuilder) => void,
): Uint8Array {
  const b = new NlMsgBuilder(type, NLM_F.REQUEST | NLM_F.ACK | nlFlags, seq++, 0);
  b.bytes(encodeIfInfoMsg({ index: fields.index ?? 0, flags: fields.flags ?? 0, change: fields.change ?? 0 }));
  attrs?.(b);
  return b.finish().slice();
}

/**
 * Sends `request` on an admin socket (extack on) while another socket listens to RTNLGRP_LINK:
 * the requester's replies (the last is the ACK or error) and the notifications.
 */
export async function sendAndListen(
  rtnl: Rtnetlink,
  request: Uint8Array,
): Promise<{ ack: DecodedMessage | undefined; replies: DecodedMessage[]; notifications: DecodedMessage[] }> {
  const sock = rtnl.socket({ admin: true });
  sock.setOption(NETLINK_OPT.EXT_ACK, true);
  const listener = rtnl.socket();
  listener.addMembership(RTNLGRP.LINK);
  await sock.send(request);
  const replies = decodeDatagram(await sock.recv());
  const notifications: DecodedMessage[] = [];
  for (let d = listener.tryRecv(); d; d = listener.tryRecv()) notifications.push(...decodeDatagram(d));
  sock.close();
  listener.close();
  return { ack: replies.at(-1), replies, notifications };
}
