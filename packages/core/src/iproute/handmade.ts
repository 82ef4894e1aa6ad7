/**
 * Hand-made rtnetlink messages for the printers' tests: what the recorded kernel state does not
 * reach (IPv6, lifetimes, peers, tunnels, unknown values, metrics, realms, ...). printers.test.ts
 * checks them against expected text; iproute.test.ts feeds {@link handmadeNotifications} to the
 * real `ip monitor file` and compares.
 */
import { NlMsgBuilder } from '../wire/builder';
import { AF, RT_SCOPE, RT_TABLE, RTPROT } from '../wire/constants';
import { RTM } from '../wire/generated';
import { IFA, IFA_F } from '../wire/generated/rt-addr';
import { IFF, IFLA } from '../wire/generated/rt-link';
import { RTA, RTAX, RTN } from '../wire/generated/rt-route';
import { encodeIfAddrMsg, encodeIfInfoMsg, encodeRtMsg, type RtMsg } from '../wire/headers';
import { ARPHRD } from './names';

export const bytesOf = (...b: number[]): Uint8Array => new Uint8Array(b);

export interface LinkHeader {
  type?: number;
  index?: number;
  flags?: number;
}

export function link(fill: (b: NlMsgBuilder) => void, header: LinkHeader = {}, msgType: number = RTM.NEWLINK) {
  const b = new NlMsgBuilder(msgType, 0, 0, 0).bytes(
    encodeIfInfoMsg({
      family: AF.UNSPEC,
      type: header.type ?? ARPHRD.ETHER,
      index: header.index ?? 5,
      flags: header.flags ?? 0,
    }),
  );
  fill(b);
  return b.finish();
}

export function addr(
  header: { family: number; prefixlen: number; flags?: number; scope?: number; index?: number },
  fill: (b: NlMsgBuilder) => void,
  msgType: number = RTM.NEWADDR,
) {
  const b = new NlMsgBuilder(msgType, 0, 0, 0).bytes(
    encodeIfAddrMsg({ flags: 0, scope: RT_SCOPE.UNIVERSE, index: 5, ...header }),
  );
  fill(b);
  return b.finish();
}

export function route(r: Partial<RtMsg>, fill: (b: NlMsgBuilder) => void, msgType: number = RTM.NEWROUTE) {
  const b = new NlMsgBuilder(msgType, 0, 0, 0).bytes(
    encodeRtMsg({ family: AF.INET, table: RT_TABLE.MAIN, protocol: RTPROT.BOOT, type: RTN.UNICAST, ...r }),
  );
  fill(b);
  return b.finish();
}

/** struct ifa_cacheinfo with the two lifetimes (seconds; 0xffffffff is forever). */
export function cacheinfo(preferred: number, valid: number): Uint8Array {
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  v.setUint32(0, preferred, true);
  v.setUint32(4, valid, true);
  return out;
}

/** struct rta_cacheinfo (32 bytes, as the kernel sends it) with rta_expires (USER_HZ ticks). */
export function rtaCacheinfo(expires: number): Uint8Array {
  const out = new Uint8Array(32);
  new DataView(out.buffer).setUint32(8, expires, true);
  return out;
}

/** An IPv6 address from text with at most one `::` and no dotted quad. */
export function v6(text: string): Uint8Array {
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t].map((g) => Number.parseInt(g, 16));
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/**
 * Notifications as `ip monitor` would get them, for links 3 and 4 (which exist in the test
 * namespace) and 42 and 77 (which do not).
 */
export function handmadeNotifications(): Uint8Array[] {
  return [
    // Links: @NONE, unknown flag bits, unknown operstate and link mode, a p2p tunnel with
    // altnames and a permanent address, an event, a deletion.
    link((b) => b.string(IFLA.IFNAME, 'hm0').u32(IFLA.LINK, 0).u32(IFLA.MTU, 1500).u32(IFLA.GROUP, 3), {
      index: 77,
      flags: IFF.BROADCAST | IFF.MULTICAST | IFF.UP | 0x100000,
    }),
    link((b) => b.string(IFLA.IFNAME, 'hm1').u32(IFLA.LINK, 4).u8(IFLA.OPERSTATE, 9).u8(IFLA.LINKMODE, 4), {
      index: 78,
      flags: IFF.UP | IFF.RUNNING | IFF.PROMISC | IFF.ALL_MULTI,
    }),
    link(
      (b) =>
        b
          .string(IFLA.IFNAME, 'tun9')
          .attr(IFLA.ADDRESS, bytesOf(10, 0, 0, 1))
          .attr(IFLA.BROADCAST, bytesOf(10, 0, 0, 2))
          .attr(IFLA.PERM_ADDRESS, bytesOf(10, 0, 0, 3))
          .u32(IFLA.EVENT, 2)
          .nest(IFLA.PROP_LIST, (p) => p.string(IFLA.ALT_IFNAME, 'longname0').string(IFLA.ALT_IFNAME, 'longname1')),
      { index: 79, type: ARPHRD.TUNNEL, flags: IFF.POINT_TO_POINT | IFF.NO_ARP },
    ),
    link((b) => b.string(IFLA.IFNAME, 'hm0').u32(IFLA.LINK, 0), { index: 77 }, RTM.DELLINK),
    // Addresses: IPv6 with lifetimes and flags, a peer with anycast and metric, unknown flags.
    addr({ family: AF.INET6, prefixlen: 64, index: 4 }, (b) =>
      b
        .attr(IFA.ADDRESS, v6('2001:db8::1'))
        .attr(IFA.CACHEINFO, cacheinfo(0, 3600))
        .u32(IFA.FLAGS, IFA_F.NODAD | IFA_F.DEPRECATED | IFA_F.SECONDARY | IFA_F.NOPREFIXROUTE),
    ),
    addr({ family: AF.INET6, prefixlen: 128, flags: IFA_F.PERMANENT, scope: RT_SCOPE.HOST, index: 3 }, (b) =>
      b.attr(IFA.ADDRESS, v6('::1')).attr(IFA.CACHEINFO, cacheinfo(0xffffffff, 0xffffffff)),
    ),
    addr({ family: AF.INET, prefixlen: 32, scope: RT_SCOPE.LINK, index: 42 }, (b) =>
      b
        .ipv4(IFA.LOCAL, '10.1.0.1')
        .ipv4(IFA.ADDRESS, '10.1.0.2')
        .ipv4(IFA.ANYCAST, '10.1.0.3')
        .u32(IFA.RT_PRIORITY, 7)
        .u32(IFA.FLAGS, IFA_F.PERMANENT | 0x4000)
        .string(IFA.LABEL, 'if42')
        .attr(IFA.CACHEINFO, cacheinfo(100, 200)),
    ),
    addr(
      { family: AF.INET, prefixlen: 24, flags: IFA_F.PERMANENT, index: 4 },
      (b) => b.ipv4(IFA.LOCAL, '10.0.0.7').ipv4(IFA.BROADCAST, '10.0.0.255').string(IFA.LABEL, 'veth0'),
      RTM.DELADDR,
    ),
    // Routes: IPv6 with pref and expires, metrics, table/mark/realms/iif/flags, a prefix length
    // without RTA_DST, RTA_VIA, an unknown ifindex, multipath with realms, a deletion.
    route({ family: AF.INET6, dstLen: 64, protocol: RTPROT.KERNEL }, (b) =>
      b
        .attr(RTA.DST, v6('fe80::'))
        .u32(RTA.OIF, 4)
        .attr(RTA.GATEWAY, v6('fe80::1:0:0:1'))
        .u32(RTA.PRIORITY, 256)
        .attr(RTA.CACHEINFO, rtaCacheinfo(30000))
        .u8(RTA.PREF, 0),
    ),
    route({ dstLen: 8 }, (b) =>
      b.ipv4(RTA.DST, '10.0.0.0').nest(RTA.METRICS, (x) =>
        x
          .u32(RTAX.LOCK, 1 << RTAX.MTU)
          .u32(RTAX.MTU, 1400)
          .u32(RTAX.RTT, 8 * 300)
          .u32(RTAX.RTTVAR, 4 * 1500)
          .u32(RTAX.HOPLIMIT, 0xffffffff)
          .u32(RTAX.FEATURES, 1)
          .string(RTAX.CC_ALGO, 'bbr'),
      ),
    ),
    route({ dstLen: 32, table: 100, scope: RT_SCOPE.LINK, flags: 4 | 16, tos: 0xb8 }, (b) =>
      b
        .ipv4(RTA.DST, '10.9.0.1')
        .u32(RTA.TABLE, 100)
        .u32(RTA.MARK, 17)
        .u32(RTA.FLOW, (1 << 16) | 2)
        .u32(RTA.IIF, 3)
        .u32(RTA.UID, 1000),
    ),
    route({ dstLen: 8, protocol: 200 }, (b) => b.attr(RTA.VIA, bytesOf(AF.INET, 0, 192, 0, 2, 1)).u32(RTA.OIF, 42)),
    route({ dstLen: 16, srcLen: 8, protocol: RTPROT.STATIC }, (b) => {
      b.ipv4(RTA.DST, '10.70.0.0').ipv4(RTA.SRC, '10.0.0.0');
      const nexthops = new NlMsgBuilder(0, 0, 0, 0);
      // struct rtnexthop (len, flags, hops, ifindex) + RTA_GATEWAY + RTA_FLOW, twice.
      for (const [gw, ifindex, hops, flags] of [
        ['10.0.0.253', 4, 0, 0],
        ['10.9.9.2', 3, 4, 1],
      ] as const) {
        const nh = new Uint8Array(8 + 8 + 8);
        const v = new DataView(nh.buffer);
        v.setUint16(0, nh.length, true);
        nh[2] = flags;
        nh[3] = hops;
        v.setInt32(4, ifindex, true);
        v.setUint16(8, 8, true);
        v.setUint16(10, RTA.GATEWAY, true);
        nh.set(gw.split('.').map(Number), 12);
        v.setUint16(16, 8, true);
        v.setUint16(18, RTA.FLOW, true);
        v.setUint32(20, 5, true);
        nexthops.bytes(nh);
      }
      b.attr(RTA.MULTIPATH, nexthops.finish().subarray(16));
    }),
    route(
      { type: RTN.BLACKHOLE, dstLen: 24, table: RT_TABLE.LOCAL, scope: RT_SCOPE.HOST },
      (b) => b.ipv4(RTA.DST, '192.0.2.0').u32(RTA.TABLE, RT_TABLE.LOCAL).u32(RTA.PRIORITY, 5),
      RTM.DELROUTE,
    ),
  ];
}
