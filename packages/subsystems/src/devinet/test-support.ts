/**
 * What the devinet tests share: a link world with devinet installed, address requests, and a log
 * of what listeners saw (RTNLGRP_IPV4_IFADDR messages and inetaddr chain events, in one order).
 */
import {
  AF,
  decodeIfAddrMsg,
  encodeIfAddrMsg,
  IFA,
  ipv4Bytes,
  NETLINK_OPT,
  NLM_F,
  NLMSG_HDRLEN,
  NlMsgBuilder,
  NOTIFY_DONE,
  RTM,
  RTNLGRP,
  type Rtnetlink,
  walkAttrs,
} from '@rtnlkit/core';
import { type DecodedMessage, decodeDatagram, readUntilDone } from '@rtnlkit/core/testing';
import { NETDEV } from '../link/events';
import type { NetDevice } from '../link/netdevice';
import { type LinkWorldOptions, linkWorld } from '../link/test-support';
import { registerInetaddrNotifier } from './chains';
import { inDevGet, ipv4String } from './in-device';
import { devinetSubsystem } from './subsystem';

export async function devinetWorld(options: LinkWorldOptions = {}) {
  const world = await linkWorld(options);
  await world.rtnl.install(devinetSubsystem());
  const log: string[] = [];
  const listener = world.rtnl.socket();
  listener.addMembership(RTNLGRP.IPV4_IFADDR);
  const drain = () => {
    for (let d = listener.tryRecv(); d; d = listener.tryRecv())
      for (const m of decodeDatagram(d))
        log.push(`${m.header.type === RTM.NEWADDR ? 'NEWADDR' : 'DELADDR'} ${describeAddr(m).text}`);
  };
  registerInetaddrNotifier(world.rtnl, (event, ifa) => {
    drain(); // what was multicast before this event
    log.push(`${event === NETDEV.UP ? 'UP' : 'DOWN'} ${ipv4String(ifa.local)}/${ifa.prefixlen}`);
    return NOTIFY_DONE;
  });
  /** Moves what the listener got into the log, then returns the log and empties it. */
  const seen = (): string[] => {
    drain();
    return log.splice(0);
  };
  return { ...world, log, seen };
}

let seq = 1000;

export interface AddrOptions {
  prefixlen?: number;
  scope?: number;
  flags?: number;
  index: number;
  local?: string;
  address?: string;
  broadcast?: string;
  label?: string;
  cacheinfo?: [preferred: number, valid: number];
  rtPriority?: number;
  proto?: number;
  ifaFlags?: number;
}

/** An AF_INET address request (NLM_F_REQUEST | NLM_F_ACK | `nlFlags`). */
export function addrRequest(type: number, nlFlags: number, o: AddrOptions): Uint8Array {
  const b = new NlMsgBuilder(type, NLM_F.REQUEST | NLM_F.ACK | nlFlags, seq++, 0);
  b.bytes(
    encodeIfAddrMsg({
      family: AF.INET,
      prefixlen: o.prefixlen ?? 24,
      flags: o.flags ?? 0,
      scope: o.scope ?? 0,
      index: o.index,
    }),
  );
  if (o.local !== undefined) b.attr(IFA.LOCAL, ipv4Bytes(o.local));
  if (o.address !== undefined) b.attr(IFA.ADDRESS, ipv4Bytes(o.address));
  if (o.broadcast !== undefined) b.attr(IFA.BROADCAST, ipv4Bytes(o.broadcast));
  if (o.label !== undefined) b.string(IFA.LABEL, o.label);
  if (o.cacheinfo) {
    const ci = new Uint8Array(16);
    const v = new DataView(ci.buffer);
    v.setUint32(0, o.cacheinfo[0], true);
    v.setUint32(4, o.cacheinfo[1], true);
    b.attr(IFA.CACHEINFO, ci);
  }
  if (o.rtPriority !== undefined) b.u32(IFA.RT_PRIORITY, o.rtPriority);
  if (o.proto !== undefined) b.u8(IFA.PROTO, o.proto);
  if (o.ifaFlags !== undefined) b.u32(IFA.FLAGS, o.ifaFlags);
  return b.finish().slice();
}

/** `ip addr add` (NLM_F_CREATE | NLM_F_EXCL). */
export const addAddr = (o: AddrOptions) => addrRequest(RTM.NEWADDR, NLM_F.CREATE | NLM_F.EXCL, o);
/** `ip addr del`. */
export const delAddr = (o: AddrOptions) => addrRequest(RTM.DELADDR, 0, o);

/** The errno (0 for success) and extack of `request`, sent on an admin socket with extack. */
export async function answer(rtnl: Rtnetlink, request: Uint8Array): Promise<[number | undefined, string | undefined]> {
  const sock = rtnl.socket({ admin: true });
  sock.setOption(NETLINK_OPT.EXT_ACK, true);
  await sock.send(request);
  const replies = decodeDatagram(await sock.recv());
  sock.close();
  const ack = replies.at(-1);
  return [ack?.errno, ack?.extack];
}

/** An address message, decoded for assertions. */
export function describeAddr(m: DecodedMessage) {
  const ifm = decodeIfAddrMsg(m.bytes, NLMSG_HDRLEN);
  const { attrs } = walkAttrs(m.bytes, NLMSG_HDRLEN + 8, m.header.len, 0);
  const attr: Record<number, Uint8Array> = {};
  for (const a of attrs) attr[a.type] = a.data;
  const ip = (d: Uint8Array | undefined) => (d ? `${d[0]}.${d[1]}.${d[2]}.${d[3]}` : undefined);
  const fa = attr[IFA.FLAGS];
  const flags = fa ? new DataView(fa.buffer, fa.byteOffset).getUint32(0, true) : 0;
  const label = attr[IFA.LABEL] ? new TextDecoder().decode(attr[IFA.LABEL]).replace(/\0+$/, '') : undefined;
  return {
    ifm,
    local: ip(attr[IFA.LOCAL]),
    address: ip(attr[IFA.ADDRESS]),
    broadcast: ip(attr[IFA.BROADCAST]),
    label,
    flags,
    attrTypes: attrs.map((a) => a.type),
    cacheinfo: attr[IFA.CACHEINFO],
    text: `${ip(attr[IFA.LOCAL])}/${ifm.prefixlen}`,
  };
}

/** The AF_INET address dump (optionally strict, with an ifindex filter). */
export async function dumpAddrs(rtnl: Rtnetlink, options: { strict?: boolean; index?: number } = {}) {
  const sock = rtnl.socket();
  sock.setOption(NETLINK_OPT.EXT_ACK, true);
  if (options.strict) sock.setOption(NETLINK_OPT.GET_STRICT_CHK, true);
  const b = new NlMsgBuilder(RTM.GETADDR, NLM_F.REQUEST | NLM_F.DUMP, seq++, 0);
  b.bytes(encodeIfAddrMsg({ family: AF.INET, index: options.index ?? 0 }));
  await sock.send(b.finish().slice());
  const all = (await readUntilDone(sock)).flat();
  sock.close();
  return all;
}

/** The local addresses of `dev` in list order, as "a.b.c.d/len" (secondaries marked "s"). */
export function addrsOf(dev: NetDevice): string[] {
  return (inDevGet(dev)?.ifaList ?? []).map(
    (ifa) => `${ipv4String(ifa.local)}/${ifa.prefixlen}${ifa.flags & 1 ? ' s' : ''}`,
  );
}
