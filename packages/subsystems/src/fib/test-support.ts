/**
 * What the FIB tests share: a world with the link and FIB subsystems, route requests as
 * iproute2 builds them, and sending one while a socket listens to RTNLGRP_IPV4_ROUTE.
 */
import {
  AF,
  encodeRtMsg,
  type LockStrategy,
  NETLINK_OPT,
  NLM_F,
  NlMsgBuilder,
  RTA,
  RTM,
  RTNLGRP,
  type Rtnetlink,
} from '@rtnlkit/core';
import { type DecodedMessage, decodeDatagram } from '@rtnlkit/core/testing';
import { addLink, linkUp, linkWorld, sendAndListen } from '../link/test-support';
import { RT_SCOPE, RT_TABLE, RTPROT } from './constants';
import { ipv4ToU32 } from './lpm';
import { type FibSubsystemOptions, fibSubsystem } from './subsystem';

export async function fibWorld(options: { strategy?: LockStrategy } & FibSubsystemOptions = {}) {
  const { strategy, ...fibOptions } = options;
  const world = await linkWorld(strategy ? { strategy } : {});
  await world.rtnl.install(fibSubsystem(fibOptions));
  return world;
}

/** Creates and brings up ifb devices `names` (by request, as a user would). */
export async function upDevices(rtnl: Rtnetlink, ...names: string[]): Promise<void> {
  for (const name of names) {
    for (const request of [addLink(name, 'ifb'), linkUp(name)]) {
      const { ack } = await sendAndListen(rtnl, request);
      if (ack?.errno) throw new Error(`${name}: errno ${ack.errno}`);
    }
  }
}

let seq = 1000;

export interface RouteSpec {
  dst?: string;
  len?: number;
  type?: number;
  scope?: number;
  protocol?: number;
  table?: number;
  tos?: number;
  flags?: number;
  gw?: string;
  oif?: number;
  priority?: number;
  prefsrc?: string;
  /** Nexthops of RTA_MULTIPATH. */
  nexthops?: { gw?: string; oif: number; hops?: number; flags?: number }[];
  family?: number;
}

function be(address: string): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, ipv4ToU32(address), false);
  return out;
}

/** A route request (NLM_F_REQUEST | NLM_F_ACK | `nlFlags`) with iproute2's header defaults. */
export function routeRequest(type: number, nlFlags: number, spec: RouteSpec): Uint8Array {
  const b = new NlMsgBuilder(type, NLM_F.REQUEST | NLM_F.ACK | nlFlags, seq++, 0);
  const del = type === RTM.DELROUTE;
  const table = spec.table ?? RT_TABLE.MAIN;
  b.bytes(
    encodeRtMsg({
      family: spec.family ?? AF.INET,
      dstLen: spec.len ?? (spec.dst ? 32 : 0),
      tos: spec.tos ?? 0,
      table: table < 256 ? table : RT_TABLE.UNSPEC,
      protocol: spec.protocol ?? (del ? 0 : RTPROT.BOOT),
      scope: spec.scope ?? (del ? RT_SCOPE.NOWHERE : RT_SCOPE.UNIVERSE),
      type: spec.type ?? (del ? 0 : 1),
      flags: spec.flags ?? 0,
    }),
  );
  if (table >= 256) b.u32(RTA.TABLE, table);
  if (spec.dst) b.attr(RTA.DST, be(spec.dst));
  if (spec.priority !== undefined) b.u32(RTA.PRIORITY, spec.priority);
  if (spec.prefsrc) b.attr(RTA.PREFSRC, be(spec.prefsrc));
  if (spec.gw) b.attr(RTA.GATEWAY, be(spec.gw));
  if (spec.oif !== undefined) b.u32(RTA.OIF, spec.oif);
  if (spec.nexthops) {
    const parts: Uint8Array[] = spec.nexthops.map((nh) => {
      const out = new Uint8Array(nh.gw ? 16 : 8);
      const v = new DataView(out.buffer);
      v.setUint16(0, out.length, true);
      v.setUint8(2, nh.flags ?? 0);
      v.setUint8(3, nh.hops ?? 0);
      v.setInt32(4, nh.oif, true);
      if (nh.gw) {
        v.setUint16(8, 8, true);
        v.setUint16(10, RTA.GATEWAY, true);
        out.set(be(nh.gw), 12);
      }
      return out;
    });
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    b.attr(RTA.MULTIPATH, all);
  }
  return b.finish().slice();
}

/** `ip route add` (CREATE | EXCL). */
export const addRoute = (spec: RouteSpec) => routeRequest(RTM.NEWROUTE, NLM_F.CREATE | NLM_F.EXCL, spec);
/** `ip route del`. */
export const delRoute = (spec: RouteSpec) => routeRequest(RTM.DELROUTE, 0, spec);

/** Sends `request`; the requester's replies and what RTNLGRP_IPV4_ROUTE heard. */
export async function sendRoute(
  rtnl: Rtnetlink,
  request: Uint8Array,
  options: { strict?: boolean } = {},
): Promise<{ ack: DecodedMessage | undefined; replies: DecodedMessage[]; notifications: DecodedMessage[] }> {
  const sock = rtnl.socket({ admin: true });
  sock.setOption(NETLINK_OPT.EXT_ACK, true);
  if (options.strict) sock.setOption(NETLINK_OPT.GET_STRICT_CHK, true);
  const listener = rtnl.socket();
  listener.addMembership(RTNLGRP.IPV4_ROUTE);
  await sock.send(request);
  const replies: DecodedMessage[] = [];
  for (;;) {
    const part = decodeDatagram(await sock.recv());
    replies.push(...part);
    const last = part.at(-1);
    if (!last || last.header.type === 2 || last.header.type === 3 || !(last.header.flags & NLM_F.MULTI)) break;
  }
  const notifications: DecodedMessage[] = [];
  for (let d = listener.tryRecv(); d; d = listener.tryRecv()) notifications.push(...decodeDatagram(d));
  sock.close();
  listener.close();
  return { ack: replies.at(-1), replies, notifications };
}

/** The errno (0 on success) and extack of `request`. */
export async function routeAnswer(
  rtnl: Rtnetlink,
  request: Uint8Array,
): Promise<[number | undefined, string | undefined]> {
  const { ack } = await sendRoute(rtnl, request);
  return [ack?.errno, ack?.extack];
}

/** A route dump request (`ip route show table all`), optionally filtered. */
export function dumpRoutes(
  fields: { table?: number; protocol?: number; type?: number; oif?: number; flags?: number } = {},
): Uint8Array {
  const b = new NlMsgBuilder(RTM.GETROUTE, NLM_F.REQUEST | NLM_F.DUMP, seq++, 0);
  b.bytes(
    encodeRtMsg({
      family: AF.INET,
      table: (fields.table ?? 0) < 256 ? (fields.table ?? 0) : 0,
      protocol: fields.protocol ?? 0,
      type: fields.type ?? 0,
      flags: fields.flags ?? 0,
    }),
  );
  if ((fields.table ?? 0) >= 256) b.u32(RTA.TABLE, fields.table as number);
  if (fields.oif !== undefined) b.u32(RTA.OIF, fields.oif);
  return b.finish().slice();
}

/** Route messages as `"type table dst/len key=value…"` lines: what tests compare. */
export function describeRoutes(messages: readonly DecodedMessage[]): string[] {
  return messages
    .filter((m) => m.header.type === RTM.NEWROUTE || m.header.type === RTM.DELROUTE)
    .map((m) => describeRoute(m));
}

function describeRoute(m: DecodedMessage): string {
  const raw = m.bytes;
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const at = 16;
  const dstLen = raw[at + 1] as number;
  const parts = [`t${raw[at + 7]}`, `s${raw[at + 6]}`, `p${raw[at + 5]}`];
  let table = raw[at + 4] as number;
  let dst = '0.0.0.0';
  const extra: string[] = [];
  for (let a = at + 12; a + 4 <= raw.byteLength; ) {
    const len = v.getUint16(a, true);
    const type = v.getUint16(a + 2, true) & 0x3fff;
    const ip = () => `${raw[a + 4]}.${raw[a + 5]}.${raw[a + 6]}.${raw[a + 7]}`;
    if (type === RTA.TABLE) table = v.getUint32(a + 4, true);
    else if (type === RTA.DST) dst = ip();
    else if (type === RTA.GATEWAY) extra.push(`via ${ip()}`);
    else if (type === RTA.OIF) extra.push(`dev ${v.getUint32(a + 4, true)}`);
    else if (type === RTA.PRIORITY) extra.push(`metric ${v.getUint32(a + 4, true)}`);
    else if (type === RTA.PREFSRC) extra.push(`src ${ip()}`);
    else if (type === RTA.MULTIPATH) extra.push(`mp ${len - 4}`);
    a += (len + 3) & ~3;
  }
  const flags = v.getUint32(at + 8, true);
  if (flags) extra.push(`flags ${flags}`);
  return [`${dst}/${dstLen}`, `table ${table}`, ...parts, ...extra].join(' ');
}
