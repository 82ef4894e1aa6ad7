/**
 * Valid requests, built with NlMsgBuilder from the spec-generated attribute numbers, aimed at
 * what exists (device indexes and names, assigned addresses, routes in the tables) so that many
 * succeed and build state, and the rest fail the way a confused `ip` user would.
 */
import {
  AF,
  encodeIfAddrMsg,
  encodeIfInfoMsg,
  encodeRtMsg,
  IFA,
  IFA_F,
  IFF,
  IFLA,
  IFLA_INFO,
  NLM_F,
  NlMsgBuilder,
  RTA,
  RTM,
  RTN,
} from '@rtnlkit/core';
import { RT_SCOPE, RT_TABLE, RTPROT, VETH_INFO_PEER } from '@rtnlkit/subsystems';
import type { FuzzRandom } from './random';
import type { WorldView } from './world';

/** The request types fuzzed, with the length of each one's family header. */
export const FUZZED_TYPES = {
  [RTM.NEWLINK]: 16,
  [RTM.SETLINK]: 16,
  [RTM.DELLINK]: 16,
  [RTM.GETLINK]: 16,
  [RTM.NEWADDR]: 8,
  [RTM.DELADDR]: 8,
  [RTM.GETADDR]: 8,
  [RTM.NEWROUTE]: 12,
  [RTM.DELROUTE]: 12,
  [RTM.GETROUTE]: 12,
} as const satisfies Record<number, number>;

/** The family header length of message type `type` (rtgenmsg's 1 for types not fuzzed). */
export function familyHeaderLength(type: number): number {
  return (FUZZED_TYPES as Record<number, number>)[type] ?? 1;
}

export interface GenContext {
  readonly random: FuzzRandom;
  readonly view: WorldView;
  /** The next sequence number. */
  seq(): number;
}

const ACK = NLM_F.REQUEST | NLM_F.ACK;
/** Few names, so that creations collide, renames hit used names and deletions find something. */
const NAMES = ['fz0', 'fz1', 'fz2', 'fz3', 'fz4', 'fz5', 'fz6', 'fz7', 'br0', 'br1', 'vp0', 'vp1'];
const KINDS = ['dummy', 'ifb', 'bridge', 'veth', 'macvlan', 'vxlan'];
const ipv4 = (n: number): string => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

function someDevice(ctx: GenContext): { ifindex: number; name: string; kind: string | undefined } {
  const devices = ctx.view.devices();
  const { random } = ctx;
  if (devices.length === 0 || random.chance(0.05))
    return {
      ifindex: random.chance(0.5) ? random.between(1, 40) : random.int(0x7fffffff),
      name: random.pick(NAMES),
      kind: undefined,
    };
  return random.pick(devices);
}

/**
 * An address already assigned, or one from a small pool: 10.A.B.H with A < 8, B < 2, H < 4, so
 * that the tables stay small (a fuzz run is a million requests) while requests still collide.
 */
function someAddress(ctx: GenContext): { local: number; prefixlen: number } {
  const { random } = ctx;
  if (random.chance(0.3)) {
    const assigned = ctx.view.addresses();
    if (assigned.length > 0) return random.pick(assigned);
  }
  const local = ((10 << 24) | (random.int(8) << 16) | (random.int(2) << 8) | random.between(1, 3)) >>> 0;
  return { local, prefixlen: random.pick([8, 16, 24, 24, 24, 30, 32]) };
}

function somePrefix(ctx: GenContext): { dst: number; dstLen: number } {
  const { random } = ctx;
  if (random.chance(0.3)) {
    const existing = ctx.view.routes();
    if (existing.length > 0) return random.pick(existing);
  }
  switch (random.int(4)) {
    case 0:
      return { dst: 0, dstLen: 0 };
    case 1:
      return { dst: ((172 << 24) | (16 << 16) | (random.int(8) << 8)) >>> 0, dstLen: 24 };
    case 2:
      return { dst: ((192 << 24) | (168 << 16) | (random.int(4) << 8) | random.int(4)) >>> 0, dstLen: 32 };
    default:
      return { dst: ((10 << 24) | (random.int(4) << 16)) >>> 0, dstLen: 16 };
  }
}

function newlink(ctx: GenContext): Uint8Array {
  const { random } = ctx;
  const create = random.chance(0.75);
  const flags = create ? ACK | NLM_F.CREATE | (random.chance(0.7) ? NLM_F.EXCL : 0) : ACK;
  const up = random.chance(0.4);
  const b = new NlMsgBuilder(RTM.NEWLINK, flags, ctx.seq(), 0).bytes(
    encodeIfInfoMsg({ family: AF.UNSPEC, flags: up ? IFF.UP : 0, change: up ? IFF.UP : 0 }),
  );
  const name = create ? random.pick(NAMES) : someDevice(ctx).name;
  b.string(IFLA.IFNAME, name);
  if (random.chance(0.2)) b.u32(IFLA.MTU, random.pick([68, 576, 1280, 1500, 9000, 65535, 67, 0]));
  if (random.chance(0.1)) b.u32(IFLA.TXQLEN, random.int(2000));
  if (random.chance(0.1)) {
    const bridge = ctx.view.devices().find((d) => d.kind === 'bridge');
    if (bridge) b.u32(IFLA.MASTER, bridge.ifindex);
  }
  if (!create && random.chance(0.5)) return b.finish();
  const kind = random.pick(KINDS);
  if (kind === 'macvlan') b.u32(IFLA.LINK, someDevice(ctx).ifindex);
  b.nest(IFLA.LINKINFO, (info) => {
    info.string(IFLA_INFO.KIND, kind);
    if (kind === 'veth' && random.chance(0.8))
      info.nest(IFLA_INFO.DATA, (data) =>
        data.nest(VETH_INFO_PEER, (peer) => {
          peer.bytes(encodeIfInfoMsg({ family: AF.UNSPEC }));
          peer.string(IFLA.IFNAME, random.pick(NAMES));
        }),
      );
  });
  return b.finish();
}

function setlink(ctx: GenContext): Uint8Array {
  const { random } = ctx;
  const dev = someDevice(ctx);
  const byName = random.chance(0.3);
  const up = random.chance(0.5);
  const touchFlags = random.chance(0.5);
  const b = new NlMsgBuilder(RTM.SETLINK, ACK, ctx.seq(), 0).bytes(
    encodeIfInfoMsg({
      family: AF.UNSPEC,
      index: byName ? 0 : dev.ifindex,
      flags: touchFlags && up ? IFF.UP : 0,
      change: touchFlags ? IFF.UP : 0,
    }),
  );
  if (byName) b.string(IFLA.IFNAME, dev.name);
  else if (random.chance(0.15)) b.string(IFLA.IFNAME, random.pick(NAMES));
  if (random.chance(0.25)) b.u32(IFLA.MTU, random.pick([68, 1280, 1500, 9000, 65535, 1]));
  if (random.chance(0.15)) b.string(IFLA.IFALIAS, random.pick(['uplink', '', 'x'.repeat(40)]));
  if (random.chance(0.1)) b.u32(IFLA.TXQLEN, random.int(5000));
  if (random.chance(0.15)) {
    const bridge = ctx.view.devices().find((d) => d.kind === 'bridge');
    b.u32(IFLA.MASTER, random.chance(0.3) || !bridge ? 0 : bridge.ifindex);
  }
  if (random.chance(0.1)) b.attr(IFLA.ADDRESS, Uint8Array.of(2, 0, 0, 0, random.int(256), random.between(1, 255)));
  return b.finish();
}

function dellink(ctx: GenContext): Uint8Array {
  const { random } = ctx;
  const dev = someDevice(ctx);
  const byName = random.chance(0.3);
  const b = new NlMsgBuilder(RTM.DELLINK, ACK, ctx.seq(), 0).bytes(
    encodeIfInfoMsg({ family: AF.UNSPEC, index: byName ? 0 : dev.ifindex }),
  );
  if (byName) b.string(IFLA.IFNAME, dev.name);
  return b.finish();
}

function getlink(ctx: GenContext): Uint8Array {
  const { random } = ctx;
  if (random.chance(0.3)) {
    const b = new NlMsgBuilder(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, ctx.seq(), 0).bytes(
      encodeIfInfoMsg({ family: random.pick([AF.UNSPEC, AF.INET]) }),
    );
    if (random.chance(0.2)) b.u32(IFLA.EXT_MASK, 1);
    return b.finish();
  }
  const dev = someDevice(ctx);
  const byName = random.chance(0.3);
  const b = new NlMsgBuilder(RTM.GETLINK, random.chance(0.5) ? ACK : NLM_F.REQUEST, ctx.seq(), 0).bytes(
    encodeIfInfoMsg({ family: AF.UNSPEC, index: byName ? 0 : dev.ifindex }),
  );
  if (byName) b.string(IFLA.IFNAME, dev.name);
  return b.finish();
}

function newaddr(ctx: GenContext): Uint8Array {
  const { random } = ctx;
  const { local, prefixlen } = someAddress(ctx);
  const dev = someDevice(ctx);
  const flags = ACK | NLM_F.CREATE | random.pick([NLM_F.EXCL, NLM_F.REPLACE, 0]);
  const b = new NlMsgBuilder(RTM.NEWADDR, flags, ctx.seq(), 0).bytes(
    encodeIfAddrMsg({
      family: AF.INET,
      prefixlen,
      index: dev.ifindex,
      scope: random.chance(0.9) ? RT_SCOPE.UNIVERSE : RT_SCOPE.HOST,
    }),
  );
  b.ipv4(IFA.LOCAL, ipv4(local));
  if (random.chance(0.8)) b.ipv4(IFA.ADDRESS, ipv4(local));
  if (random.chance(0.2) && prefixlen < 31) b.ipv4(IFA.BROADCAST, ipv4((local | (0xffffffff >>> prefixlen)) >>> 0));
  if (random.chance(0.2)) b.string(IFA.LABEL, random.chance(0.7) ? dev.name : `${dev.name}:1`);
  if (random.chance(0.15)) b.u32(IFA.FLAGS, random.pick([IFA_F.NOPREFIXROUTE, IFA_F.NODAD, IFA_F.PERMANENT]));
  if (random.chance(0.1)) b.u32(IFA.RT_PRIORITY, random.int(1000));
  if (random.chance(0.1)) {
    const lifetimes = new Uint8Array(16);
    const view = new DataView(lifetimes.buffer);
    view.setUint32(0, random.pick([0, 30, 0xffffffff]), true);
    view.setUint32(4, random.pick([60, 0xffffffff]), true);
    b.attr(IFA.CACHEINFO, lifetimes);
  }
  return b.finish();
}

function deladdr(ctx: GenContext): Uint8Array {
  const { random } = ctx;
  const assigned = ctx.view.addresses();
  const target =
    assigned.length > 0 && random.chance(0.7)
      ? random.pick(assigned)
      : { ...someAddress(ctx), ifindex: someDevice(ctx).ifindex };
  const b = new NlMsgBuilder(RTM.DELADDR, ACK, ctx.seq(), 0).bytes(
    encodeIfAddrMsg({ family: AF.INET, prefixlen: target.prefixlen, index: target.ifindex }),
  );
  if (random.chance(0.9)) b.ipv4(IFA.LOCAL, ipv4(target.local));
  return b.finish();
}

function getaddr(ctx: GenContext): Uint8Array {
  const { random } = ctx;
  return new NlMsgBuilder(RTM.GETADDR, NLM_F.REQUEST | NLM_F.DUMP, ctx.seq(), 0)
    .bytes(
      encodeIfAddrMsg({
        family: random.pick([AF.INET, AF.UNSPEC]),
        index: random.chance(0.2) ? someDevice(ctx).ifindex : 0,
      }),
    )
    .finish();
}

/** A gateway inside an assigned subnet (so it resolves), or any pool address. */
function someGateway(ctx: GenContext): number {
  const assigned = ctx.view.addresses().filter((a) => a.prefixlen < 31);
  if (assigned.length > 0 && ctx.random.chance(0.8)) {
    const a = ctx.random.pick(assigned);
    // The subnet's address with the host byte after the local one's: mostly on-link, so it resolves.
    const network = a.local & ~(0xffffffff >>> a.prefixlen);
    return (network | ((a.local + 1) & 0xff) || 1) >>> 0;
  }
  return someAddress(ctx).local;
}

function newroute(ctx: GenContext): Uint8Array {
  const { random } = ctx;
  const { dst, dstLen } = somePrefix(ctx);
  const type = random.pick([RTN.UNICAST, RTN.UNICAST, RTN.UNICAST, RTN.BLACKHOLE, RTN.UNREACHABLE, RTN.PROHIBIT]);
  const table = random.pick([RT_TABLE.MAIN, RT_TABLE.MAIN, RT_TABLE.MAIN, 100]);
  const viaGateway = random.chance(0.5);
  const flags = ACK | NLM_F.CREATE | random.pick([NLM_F.EXCL, NLM_F.REPLACE, NLM_F.APPEND, 0]);
  const b = new NlMsgBuilder(RTM.NEWROUTE, flags, ctx.seq(), 0).bytes(
    encodeRtMsg({
      family: AF.INET,
      dstLen,
      table,
      protocol: RTPROT.STATIC,
      scope: type !== RTN.UNICAST || viaGateway ? RT_SCOPE.UNIVERSE : RT_SCOPE.LINK,
      type,
    }),
  );
  if (dstLen > 0) b.ipv4(RTA.DST, ipv4(dst));
  if (random.chance(0.2)) b.u32(RTA.PRIORITY, random.int(10));
  if (type === RTN.UNICAST) {
    if (random.chance(0.15)) {
      // Two nexthops, each a struct rtnexthop (len, flags, hops, ifindex) then its RTA_GATEWAY.
      const hops = new Uint8Array(32);
      const view = new DataView(hops.buffer);
      for (let at = 0; at < 32; at += 16) {
        view.setUint16(at, 16, true);
        view.setUint8(at + 3, random.int(3));
        view.setInt32(at + 4, someDevice(ctx).ifindex, true);
        view.setUint16(at + 8, 8, true);
        view.setUint16(at + 10, RTA.GATEWAY, true);
        view.setUint32(at + 12, someGateway(ctx), false);
      }
      b.attr(RTA.MULTIPATH, hops);
    } else {
      if (viaGateway) b.ipv4(RTA.GATEWAY, ipv4(someGateway(ctx)));
      if (!viaGateway || random.chance(0.3)) b.u32(RTA.OIF, someDevice(ctx).ifindex);
    }
    if (random.chance(0.1)) {
      const assigned = ctx.view.addresses();
      if (assigned.length > 0) b.ipv4(RTA.PREFSRC, ipv4(random.pick(assigned).local));
    }
  }
  return b.finish();
}

function delroute(ctx: GenContext): Uint8Array {
  const { random } = ctx;
  const { dst, dstLen } = somePrefix(ctx);
  const b = new NlMsgBuilder(RTM.DELROUTE, ACK, ctx.seq(), 0).bytes(
    encodeRtMsg({
      family: AF.INET,
      dstLen,
      table: random.chance(0.8) ? RT_TABLE.MAIN : 100,
      scope: RT_SCOPE.NOWHERE,
    }),
  );
  if (dstLen > 0) b.ipv4(RTA.DST, ipv4(dst));
  if (random.chance(0.2)) b.u32(RTA.OIF, someDevice(ctx).ifindex);
  return b.finish();
}

function getroute(ctx: GenContext): Uint8Array {
  const { random } = ctx;
  if (random.chance(0.4)) {
    const b = new NlMsgBuilder(RTM.GETROUTE, NLM_F.REQUEST | NLM_F.DUMP, ctx.seq(), 0).bytes(
      encodeRtMsg({ family: AF.INET, table: random.pick([0, RT_TABLE.MAIN, 100]) }),
    );
    return b.finish();
  }
  const b = new NlMsgBuilder(RTM.GETROUTE, ACK, ctx.seq(), 0).bytes(encodeRtMsg({ family: AF.INET, dstLen: 32 }));
  b.ipv4(RTA.DST, ipv4(random.chance(0.7) ? somePrefix(ctx).dst + random.int(4) : someAddress(ctx).local));
  if (random.chance(0.2)) b.u32(RTA.OIF, someDevice(ctx).ifindex);
  return b.finish();
}

/** Weighted: creations more often than deletions, so state builds up. */
const GENERATORS: readonly [number, (ctx: GenContext) => Uint8Array][] = [
  [4, newlink],
  [3, setlink],
  [1, dellink],
  [2, getlink],
  [5, newaddr],
  [2, deladdr],
  [1, getaddr],
  [5, newroute],
  [2, delroute],
  [2, getroute],
];
const TOTAL_WEIGHT = GENERATORS.reduce((n, [w]) => n + w, 0);

/** One valid request of a random type. */
export function validRequest(ctx: GenContext): Uint8Array {
  let roll = ctx.random.int(TOTAL_WEIGHT);
  for (const [weight, generate] of GENERATORS) {
    if (roll < weight) return generate(ctx);
    roll -= weight;
  }
  throw new Error('unreachable');
}
