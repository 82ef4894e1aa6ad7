/**
 * What the link tests share: an rtnetlink instance with the link subsystem installed (lockdep
 * on, the kernel's dispatcher rule), the netdevice events it saw, request building, and sending
 * a request while a second socket listens to RTNLGRP_LINK.
 */
import {
  type CostModel,
  encodeIfInfoMsg,
  IFF,
  IFLA,
  IFLA_INFO,
  type IfInfoMsg,
  LockEnv,
  type LockStrategy,
  NETLINK_OPT,
  NLM_F,
  NlMsgBuilder,
  NOTIFY_DONE,
  RTM,
  RTNLGRP,
  Rtnetlink,
  type VirtualClock,
} from '@rtnlkit/core';
import { type DecodedMessage, decodeDatagram, rtnlMutexStrategy } from '@rtnlkit/core/testing';
import { type NetdevNotifierInfo, registerNetdeviceNotifier } from './events';
import type { NetDevice } from './netdevice';
import { type InstalledSubsystem, type LinkSubsystemOptions, linkSubsystem } from './subsystem';
import { linkTable } from './table';

export interface LinkWorldOptions extends LinkSubsystemOptions {
  /** Default: the test kit's RTNL mutex strategy. */
  strategy?: LockStrategy;
  /** A virtual clock for deterministic timing; default the real clock. */
  clock?: VirtualClock;
  /** Cost model overrides (e.g. the grace period); default the model's defaults. */
  costs?: CostModel;
}

export async function linkWorld(options: LinkWorldOptions = {}) {
  const { strategy, clock, costs, ...subsystem } = options;
  const env = new LockEnv({ lockdep: true, ...(clock && { clock }) });
  const rtnl = new Rtnetlink({ strategy: strategy ?? rtnlMutexStrategy(), env, ...(costs && { costs }) });
  const installed = (await rtnl.install(linkSubsystem(subsystem))) as InstalledSubsystem;
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

type Attrs = (b: NlMsgBuilder) => void;

/** `ip link add NAME [extra] type KIND [data]` (NLM_F_CREATE | NLM_F_EXCL). */
export function addLink(
  name: string,
  kind: string,
  options: { extra?: Attrs; data?: Attrs; fields?: Partial<IfInfoMsg> } = {},
): Uint8Array {
  return linkRequest(RTM.NEWLINK, NLM_F.CREATE | NLM_F.EXCL, options.fields ?? {}, (b) => {
    if (name) b.string(IFLA.IFNAME, name);
    options.extra?.(b);
    b.nest(IFLA.LINKINFO, (n) => {
      n.string(IFLA_INFO.KIND, kind);
      if (options.data) n.nest(IFLA_INFO.DATA, options.data);
    });
  });
}

/** `ip link set NAME [fields] [attrs]`, by name. */
export function setLink(name: string, fields: Partial<IfInfoMsg> = {}, attrs?: Attrs): Uint8Array {
  return linkRequest(RTM.SETLINK, 0, fields, (b) => {
    b.string(IFLA.IFNAME, name);
    attrs?.(b);
  });
}

/** `ip link set NAME up` / `down`. */
export const linkUp = (name: string) => setLink(name, { flags: IFF.UP, change: IFF.UP });
export const linkDown = (name: string) => setLink(name, { flags: 0, change: IFF.UP });

/** `ip link del NAME`. */
export const delLink = (name: string) => linkRequest(RTM.DELLINK, 0, {}, (b) => b.string(IFLA.IFNAME, name));

/** The errno (0 for success) and extack of sending `request` (see {@link sendAndListen}). */
export async function answer(rtnl: Rtnetlink, request: Uint8Array): Promise<[number | undefined, string | undefined]> {
  const { ack } = await sendAndListen(rtnl, request);
  return [ack?.errno, ack?.extack];
}
