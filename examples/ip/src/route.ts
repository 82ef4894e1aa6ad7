/** `ip route show|add|del|get`, built as iproute2's iproute.c builds its requests. */
import {
  AF,
  encodeRtMsg,
  ipv4Bytes,
  NLM_F,
  protocolNumber,
  RT_SCOPE,
  RT_TABLE,
  RTA,
  RTM,
  RTN,
  RTPROT,
  routeTypeNumber,
  scopeNumber,
  tableNumber,
} from '@rtnlkit/core';
import { IpError } from './errors';
import { type Output, printRouteAnswer, printRoutes } from './print';
import type { Session } from './session';
import { parsePrefix, type Words } from './words';

export async function route(session: Session, command: string, words: Words, out: Output): Promise<void> {
  switch (command) {
    case 'show':
    case 'list':
    case 'ls':
      return show(session, words, out);
    case 'add':
      return modify(session, words, RTM.NEWROUTE, NLM_F.CREATE | NLM_F.EXCL);
    case 'replace':
      return modify(session, words, RTM.NEWROUTE, NLM_F.CREATE | NLM_F.REPLACE);
    case 'delete':
    case 'del':
      return modify(session, words, RTM.DELROUTE, 0);
    case 'get':
      return get(session, words, out);
    default:
      throw new IpError(`Command "${command}" is unknown, try "ip route help".`);
  }
}

/** A table by name or number (rtnl_rttable_a2n); `all` is 0, every table. */
function tableId(name: string): number {
  if (name === 'all') return 0;
  const id = tableNumber(name);
  if (id === undefined) throw new IpError(`Error: argument "${name}" is wrong: "table" value is invalid`);
  return id;
}

async function show(session: Session, words: Words, out: Output): Promise<void> {
  let table: number = RT_TABLE.MAIN;
  for (let w = words.next(); w !== undefined; w = words.next()) {
    if (w === 'table') table = tableId(words.value());
    else throw new IpError(`Garbage instead of arguments "${w} ...". Try "ip route help".`);
  }
  const routes = await session.call(
    session
      .builder(RTM.GETROUTE, NLM_F.DUMP)
      .bytes(encodeRtMsg({ family: AF.INET }))
      .finish(),
  );
  printRoutes(out, routes, await session.links(), table);
}

interface Nexthop {
  gw?: string;
  dev?: number;
  weight: number;
}

async function modify(session: Session, words: Words, type: number, flags: number): Promise<void> {
  let dst: { address: string; len: number } | undefined;
  let gw: string | undefined;
  let dev: number | undefined;
  let table: number = RT_TABLE.MAIN;
  let metric: number | undefined;
  let src: string | undefined;
  let scope: number | undefined;
  let rtType: number | undefined;
  let proto: number | undefined;
  const nexthops: Nexthop[] = [];
  for (let w = words.next(); w !== undefined; w = words.next()) {
    switch (w) {
      case 'via':
        gw = parsePrefix(words.value()).address;
        break;
      case 'dev':
      case 'oif':
        dev = await session.ifindex(words.value());
        break;
      case 'table': {
        const name = words.value();
        const id = name === 'all' ? undefined : tableNumber(name);
        if (id === undefined) throw new IpError(`Error: argument "${name}" is wrong: "table" value is invalid`);
        table = id;
        break;
      }
      case 'metric':
      case 'priority':
      case 'preference':
        metric = words.int('metric');
        break;
      case 'src':
        src = parsePrefix(words.value()).address;
        break;
      case 'scope': {
        const name = words.value();
        scope = scopeNumber(name);
        if (scope === undefined) throw new IpError(`Error: argument "${name}" is wrong: invalid "scope" value`);
        break;
      }
      case 'proto':
      case 'protocol': {
        const name = words.value();
        proto = protocolNumber(name);
        if (proto === undefined) throw new IpError(`Error: argument "${name}" is wrong: "protocol" value is invalid`);
        break;
      }
      case 'nexthop': {
        const nh: Nexthop = { weight: 1 };
        while (!words.done && words.peek() !== 'nexthop') {
          const k = words.next();
          if (k === 'via') nh.gw = parsePrefix(words.value()).address;
          else if (k === 'dev') nh.dev = await session.ifindex(words.value());
          else if (k === 'weight') nh.weight = words.int('weight', 256);
          else throw new IpError(`Error: argument "${k}" is wrong: unknown nexthop argument`);
        }
        nexthops.push(nh);
        break;
      }
      default: {
        const named = /^\d/.test(w) || w === 'default' ? undefined : routeTypeNumber(w);
        if (named !== undefined && dst === undefined) {
          rtType = named;
          break;
        }
        if (dst !== undefined) throw new IpError(`Garbage instead of arguments "${w} ...". Try "ip route help".`);
        dst = parsePrefix(w);
      }
    }
  }
  if (dst === undefined) throw new IpError('Error: "to" is required: a prefix or "default".');
  // iproute_modify(): adds default to protocol boot, type unicast, scope universe (link without a
  // gateway, host for local routes); deletes say nothing but scope nowhere.
  const adding = type === RTM.NEWROUTE;
  const kind = rtType ?? (adding ? RTN.UNICAST : RTN.UNSPEC);
  let rtScope = scope;
  if (rtScope === undefined) {
    if (kind === RTN.LOCAL) rtScope = RT_SCOPE.HOST;
    else if (kind === RTN.BROADCAST) rtScope = RT_SCOPE.LINK;
    else if (kind === RTN.UNICAST || kind === RTN.UNSPEC)
      rtScope = !adding
        ? RT_SCOPE.NOWHERE
        : gw === undefined && nexthops.length === 0
          ? RT_SCOPE.LINK
          : RT_SCOPE.UNIVERSE;
    else rtScope = RT_SCOPE.UNIVERSE;
  }
  const b = session.builder(type, flags);
  b.bytes(
    encodeRtMsg({
      family: AF.INET,
      dstLen: dst.len,
      table: table < 256 ? table : RT_TABLE.UNSPEC,
      protocol: proto ?? (adding ? RTPROT.BOOT : 0),
      scope: rtScope,
      type: kind,
    }),
  );
  if (table >= 256) b.u32(RTA.TABLE, table);
  if (dst.len > 0 || dst.address !== '0.0.0.0') b.ipv4(RTA.DST, dst.address);
  if (metric !== undefined) b.u32(RTA.PRIORITY, metric);
  if (src !== undefined) b.ipv4(RTA.PREFSRC, src);
  if (gw !== undefined) b.ipv4(RTA.GATEWAY, gw);
  if (dev !== undefined) b.u32(RTA.OIF, dev);
  if (nexthops.length > 0) {
    // struct rtnexthop { len, flags, hops (weight - 1), ifindex } then its RTA_GATEWAY.
    const all = new Uint8Array(nexthops.length * 16);
    const view = new DataView(all.buffer);
    let off = 0;
    for (const nh of nexthops) {
      const len = nh.gw ? 16 : 8;
      view.setUint16(off, len, true);
      view.setUint8(off + 3, nh.weight - 1);
      view.setInt32(off + 4, nh.dev ?? 0, true);
      if (nh.gw) {
        view.setUint16(off + 8, 8, true);
        view.setUint16(off + 10, RTA.GATEWAY, true);
        all.set(ipv4Bytes(nh.gw), off + 12);
      }
      off += len;
    }
    b.attr(RTA.MULTIPATH, all.subarray(0, off));
  }
  await session.call(b.finish());
}

async function get(session: Session, words: Words, out: Output): Promise<void> {
  const target = words.next();
  if (target === undefined) throw new IpError('Error: an address is required.');
  const { address } = parsePrefix(target === 'to' ? words.value() : target);
  const b = session.builder(RTM.GETROUTE, 0);
  b.bytes(encodeRtMsg({ family: AF.INET, dstLen: 32 }));
  b.ipv4(RTA.DST, address);
  const [reply] = await session.call(b.finish());
  if (reply) printRouteAnswer(out, reply, await session.links());
}
