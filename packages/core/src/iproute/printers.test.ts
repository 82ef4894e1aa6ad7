/**
 * The printers without a kernel: (1) messages and `ip` outputs recorded by scripts/capture-iproute-fixture.ts on
 * Linux 6.18 with iproute2 6.1 (the same setup as iproute.test.ts), replayed; (2) hand-made
 * messages for what that setup does not reach (IPv6, lifetimes, peers, unknown values, metrics).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AF, RT_SCOPE, RT_TABLE, RTPROT } from '../wire/constants';
import { RTM } from '../wire/generated';
import { IFA, IFA_F } from '../wire/generated/rt-addr';
import { IFF, IFLA } from '../wire/generated/rt-link';
import { RTA, RTAX, RTN } from '../wire/generated/rt-route';
import { addrJson, addrShowJson, printAddr, printAddrShow } from './addr';
import { ShortMessageError } from './attrs';
import { formatIpv6, formatLinkAddress } from './format';
import { addr, bytesOf, cacheinfo, link, route, v6 } from './handmade';
import { SHOW_COMMANDS, SHOW_COMMANDS6 } from './kernel-netns';
import { linkJson, printLink } from './link';
import { LinkNames } from './link-names';
import { IpMonitor, printMonitor } from './monitor';
import {
  ARPHRD,
  groupNumber,
  protocolName,
  protocolNumber,
  routeTypeName,
  routeTypeNumber,
  scopeName,
  scopeNumber,
  tableName,
  tableNumber,
} from './names';
import { type Dump, replay } from './replay';
import { printRoute, printRouteGet, printRouteShow, routeGetJson, routeJson } from './route';

interface RecordedNamespace {
  links: string[];
  links6: string[];
  addrs: string[];
  routes: string[];
  gets: Record<string, string>;
  outputs: Record<string, { text: string; json: unknown }>;
}

interface Fixture {
  namespaces: { ipv4: RecordedNamespace; ipv6: RecordedNamespace };
  monitor: { links: string[]; notifications: string[]; output: string };
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/kernel-iproute.json', import.meta.url), 'utf8')) as Fixture;
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));

function dumpOf(recorded: RecordedNamespace): Dump {
  return {
    links: recorded.links.map(bytes),
    links6: recorded.links6.map(bytes),
    addrs: recorded.addrs.map(bytes),
    routes: recorded.routes.map(bytes),
    gets: new Map(Object.entries(recorded.gets).map(([a, m]) => [a, bytes(m)])),
  };
}

const recorded = Object.entries(fixture.namespaces).flatMap(([name, ns]) =>
  Object.entries(ns.outputs).map(([command, output]) => [name, command, dumpOf(ns), output] as const),
);

describe('recorded kernel messages give what the recorded ip printed', () => {
  it('the recording covers every command of both namespaces', () => {
    expect(Object.keys(fixture.namespaces.ipv4.outputs)).toEqual(SHOW_COMMANDS);
    expect(Object.keys(fixture.namespaces.ipv6.outputs)).toEqual(SHOW_COMMANDS6);
  });

  it.each(recorded)('%s: ip %s', (_name, command, dump, output) => {
    const printed = replay(dump, command);
    expect(printed.text.split('\n')).toEqual(output.text.split('\n'));
    expect(printed.json).toEqual(output.json);
  });

  it('ip monitor link address route', () => {
    const monitor = new IpMonitor(LinkNames.fromMessages(fixture.monitor.links.map(bytes)));
    const printed = fixture.monitor.notifications.map((n) => monitor.print(bytes(n))).join('');
    expect(fixture.monitor.notifications.length).toBeGreaterThan(15);
    expect(printed.split('\n')).toEqual(fixture.monitor.output.split('\n'));
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-made messages.

const known = LinkNames.fromNames([
  [2, 'eth0'],
  [3, 'eth1'],
  [5, 'dev5'],
]);

describe('links', () => {
  it('IFLA_LINK 0 is @NONE (null in JSON), and only present attributes are printed', () => {
    const m = link((b) => b.string(IFLA.IFNAME, 'veth9').u32(IFLA.LINK, 0).u32(IFLA.MTU, 1500), {
      flags: IFF.BROADCAST | IFF.MULTICAST,
    });
    expect(printLink(m, known)).toBe('5: veth9@NONE: <BROADCAST,MULTICAST> mtu 1500 \n    link/ether \n');
    expect(linkJson(m, known)).toEqual({
      ifindex: 5,
      link: null,
      ifname: 'veth9',
      flags: ['BROADCAST', 'MULTICAST'],
      mtu: 1500,
      link_type: 'ether',
    });
  });

  it('NO-CARRIER, unknown flag bits in hex, M-DOWN for a peer that is down, the peer named from the cache', () => {
    const peers = new LinkNames();
    peers.set(3, { name: 'peer0', flags: 0 });
    const m = link((b) => b.string(IFLA.IFNAME, 'x0').u32(IFLA.LINK, 3).u8(IFLA.OPERSTATE, 2).u32(IFLA.TXQLEN, 0), {
      flags: IFF.UP | IFF.BROADCAST | 0x100000,
    });
    expect(printLink(m, peers)).toBe(
      '5: x0@peer0: <NO-CARRIER,BROADCAST,UP,100000,M-DOWN> state DOWN \n    link/ether \n',
    );
    expect(linkJson(m, peers).flags).toEqual(['NO-CARRIER', 'BROADCAST', 'UP', '100000', 'M-DOWN']);
  });

  it('a peer in another namespace is @ifN, with link-netnsid; unknown operstate and linkmode are numbers', () => {
    const m = link((b) =>
      b
        .string(IFLA.IFNAME, 'v1')
        .u32(IFLA.LINK, 7)
        .s32(IFLA.LINK_NETNSID, 0)
        .u8(IFLA.OPERSTATE, 9)
        .u8(IFLA.LINKMODE, 4),
    );
    expect(printLink(m, known)).toBe('5: v1@if7: <> state 0x9mode 4 \n    link/ether  link-netnsid 0\n');
    expect(linkJson(m, known)).toEqual({
      ifindex: 5,
      link_index: 7,
      ifname: 'v1',
      flags: [],
      operstate_index: 9,
      linkmode_index: 4,
      link_type: 'ether',
      link_netnsid: 0,
    });
  });

  it('point-to-point links print `peer`, tunnels IP addresses, permaddr only when it differs, altnames and alias', () => {
    const m = link(
      (b) =>
        b
          .string(IFLA.IFNAME, 'tun0')
          .attr(IFLA.ADDRESS, bytesOf(10, 0, 0, 1))
          .attr(IFLA.BROADCAST, bytesOf(10, 0, 0, 2))
          .attr(IFLA.PERM_ADDRESS, bytesOf(10, 0, 0, 3))
          .string(IFLA.IFALIAS, 'my tunnel')
          .nest(IFLA.PROP_LIST, (p) => p.string(IFLA.ALT_IFNAME, 'longname0').string(IFLA.ALT_IFNAME, 'longname1')),
      { type: ARPHRD.TUNNEL, flags: IFF.POINT_TO_POINT | IFF.NO_ARP },
    );
    expect(printLink(m, known)).toBe(
      '5: tun0: <POINTOPOINT,NOARP> \n    link/ipip 10.0.0.1 peer 10.0.0.2 permaddr 10.0.0.3\n    alias my tunnel\n    altname longname0\n    altname longname1\n',
    );
    expect(linkJson(m, known)).toMatchObject({
      link_type: 'ipip',
      address: '10.0.0.1',
      link_pointtopoint: true,
      broadcast: '10.0.0.2',
      permaddr: '10.0.0.3',
      ifalias: 'my tunnel',
      altnames: ['longname0', 'longname1'],
    });
  });

  it('RTM_DELLINK starts with Deleted; ip monitor prints neither mode nor qlen', () => {
    const m = link(
      (b) => b.string(IFLA.IFNAME, 'ifb7').u32(IFLA.TXQLEN, 32).u8(IFLA.LINKMODE, 0).u32(IFLA.GROUP, 3),
      { flags: IFF.BROADCAST | IFF.NO_ARP },
      RTM.DELLINK,
    );
    expect(printMonitor(m, known)).toBe('Deleted 5: ifb7: <BROADCAST,NOARP> group 3 \n    link/ether \n');
    expect(printLink(m, known)).toBe(
      'Deleted 5: ifb7: <BROADCAST,NOARP> mode DEFAULT group 3 qlen 32\n    link/ether \n',
    );
    expect(linkJson(m, known).deleted).toBe(true);
  });

  it('refuses what is not a link message, and a message too short for its header', () => {
    expect(() =>
      printLink(
        route({}, () => {}),
        known,
      ),
    ).toThrow(TypeError);
    const short = link(() => {}).slice(0, 20);
    new DataView(short.buffer).setUint32(0, 20, true);
    expect(() => printLink(short, known)).toThrow(ShortMessageError);
  });
});

describe('addresses', () => {
  it('IPv6 with lifetimes, nodad and a deprecated preferred lifetime; the secondary flag is `temporary`', () => {
    const m = addr({ family: AF.INET6, prefixlen: 64 }, (b) =>
      b
        .attr(IFA.ADDRESS, v6('2001:db8::1'))
        .attr(IFA.CACHEINFO, cacheinfo(0, 3600))
        .u32(IFA.FLAGS, IFA_F.NODAD | IFA_F.DEPRECATED | IFA_F.SECONDARY | IFA_F.NOPREFIXROUTE),
    );
    expect(printAddr(m, known)).toBe(
      '    inet6 2001:db8::1/64 scope global temporary nodad deprecated dynamic noprefixroute \n       valid_lft 3600sec preferred_lft 0sec\n',
    );
    expect(addrJson(m, known)).toEqual({
      family: 'inet6',
      local: '2001:db8::1',
      prefixlen: 64,
      scope: 'global',
      temporary: true,
      dynamic: true,
      nodad: true,
      deprecated: true,
      noprefixroute: true,
      valid_life_time: 3600,
      preferred_life_time: 0,
    });
  });

  it('a peer, anycast, a metric and flags without a name', () => {
    const m = addr({ family: AF.INET, prefixlen: 32, scope: RT_SCOPE.LINK }, (b) =>
      b
        .ipv4(IFA.LOCAL, '10.1.0.1')
        .ipv4(IFA.ADDRESS, '10.1.0.2')
        .ipv4(IFA.ANYCAST, '10.1.0.3')
        .u32(IFA.RT_PRIORITY, 7)
        .u32(IFA.FLAGS, IFA_F.PERMANENT | 0x4000)
        .string(IFA.LABEL, 'dev5'),
    );
    expect(printAddr(m, known)).toBe(
      '    inet 10.1.0.1 peer 10.1.0.2/32 metric 7 any 10.1.0.3 scope link flags 4000 dev5\n',
    );
    expect(addrJson(m, known)).toEqual({
      family: 'inet',
      local: '10.1.0.1',
      address: '10.1.0.2',
      prefixlen: 32,
      metric: 7,
      anycast: '10.1.0.3',
      scope: 'link',
      ifa_flags: '4000',
      label: 'dev5',
    });
  });

  it('ip monitor prefixes the device and marks deletions', () => {
    const m = addr(
      { family: AF.INET, prefixlen: 24, flags: IFA_F.PERMANENT },
      (b) =>
        b
          .ipv4(IFA.LOCAL, '10.0.0.1')
          .ipv4(IFA.ADDRESS, '10.0.0.1')
          .string(IFA.LABEL, 'dev5')
          .attr(IFA.CACHEINFO, cacheinfo(0xffffffff, 0xffffffff)),
      RTM.DELADDR,
    );
    expect(printMonitor(m, known)).toBe(
      'Deleted 5: dev5    inet 10.0.0.1/24 scope global dev5\n       valid_lft forever preferred_lft forever\n',
    );
  });

  it('ip address show lists every link with its addresses, an empty addr_info for a link without', () => {
    const l5 = link((b) => b.string(IFLA.IFNAME, 'dev5'), { index: 5 });
    const l6 = link((b) => b.string(IFLA.IFNAME, 'dev6'), { index: 6 });
    const a5 = addr({ family: AF.INET, prefixlen: 8, flags: IFA_F.PERMANENT, scope: RT_SCOPE.HOST }, (b) =>
      b.ipv4(IFA.LOCAL, '127.0.0.1'),
    );
    expect(printAddrShow([l5, l6], [a5])).toBe(
      '5: dev5: <> \n    link/ether \n    inet 127.0.0.1/8 scope host \n6: dev6: <> \n    link/ether \n',
    );
    expect(addrShowJson([l5, l6], [a5]).map((o) => o.addr_info)).toEqual([
      [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host' }],
      [],
    ]);
  });
});

describe('routes', () => {
  it('IPv6: compressed addresses, metric, pref without a trailing space, expires', () => {
    const ci = new Uint8Array(20);
    new DataView(ci.buffer).setUint32(8, 30000, true);
    const m = route({ family: AF.INET6, dstLen: 64, protocol: RTPROT.KERNEL }, (b) =>
      b
        .attr(RTA.DST, v6('fe80::'))
        .u32(RTA.OIF, 2)
        .attr(RTA.GATEWAY, v6('fe80::1:0:0:1'))
        .u32(RTA.PRIORITY, 256)
        .attr(RTA.CACHEINFO, ci)
        .u8(RTA.PREF, 0),
    );
    expect(printRoute(m, known)).toBe(
      'fe80::/64 via fe80::1:0:0:1 dev eth0 proto kernel metric 256 expires 300sec pref medium\n',
    );
    expect(routeJson(m, known)).toEqual({
      dst: 'fe80::/64',
      gateway: 'fe80::1:0:0:1',
      dev: 'eth0',
      protocol: 'kernel',
      metric: 256,
      flags: [],
      expires: 300,
      pref: 'medium',
    });
  });

  it('metrics: locks, rtt in ms and s, ecn, congctl, hoplimit -1 left out', () => {
    const m = route({ dstLen: 8 }, (b) =>
      // Nested as the kernel nests it: without NLA_F_NESTED.
      b
        .ipv4(RTA.DST, '10.0.0.0')
        .beginNest(RTA.METRICS, false)
        .u32(RTAX.LOCK, 1 << RTAX.MTU)
        .u32(RTAX.MTU, 1400)
        .u32(RTAX.RTT, 8 * 300)
        .u32(RTAX.RTTVAR, 4 * 1500)
        .u32(RTAX.HOPLIMIT, 0xffffffff)
        .u32(RTAX.FEATURES, 1)
        .string(RTAX.CC_ALGO, 'bbr')
        .endNest(),
    );
    expect(printRoute(m, known)).toBe('10.0.0.0/8 mtu lock 1400 rtt 300ms rttvar 1.5s features ecn congctl bbr \n');
    expect(routeJson(m, known).metrics).toEqual([{ mtu: 1400, rtt: 300, rttvar: 1500, ecn: null, congestion: 'bbr' }]);
  });

  it('an attribute flagged NLA_F_NESTED is not the attribute iproute2 knows (the kernel never flags RTA_METRICS)', () => {
    const m = route({ dstLen: 8 }, (b) => b.ipv4(RTA.DST, '10.0.0.0').nest(RTA.METRICS, (x) => x.u32(RTAX.MTU, 1400)));
    expect(printRoute(m, known)).toBe('10.0.0.0/8 \n');
  });

  it('a table outside main is printed unless the command filtered on a table; mark, realms, iif, flags', () => {
    const m = route({ dstLen: 32, table: 100, scope: RT_SCOPE.LINK, flags: 4 | 16 }, (b) =>
      b
        .ipv4(RTA.DST, '10.9.0.1')
        .u32(RTA.TABLE, 100)
        .u32(RTA.MARK, 17)
        .u32(RTA.FLOW, (1 << 16) | 2)
        .u32(RTA.IIF, 3),
    );
    expect(printRoute(m, known, { table: 0 })).toBe(
      '10.9.0.1 table 100 scope link onlink linkdown mark 0x11 realms 1/2 iif eth1 \n',
    );
    expect(printRoute(m, known, { table: 100 })).toBe(
      '10.9.0.1 scope link onlink linkdown mark 0x11 realms 1/2 iif eth1 \n',
    );
    expect(routeJson(m, known, { table: 0 })).toEqual({
      dst: '10.9.0.1',
      table: '100',
      scope: 'link',
      flags: ['onlink', 'linkdown'],
      mark: 17,
      flow: { from: '1', to: '2' },
      iif: 'eth1',
    });
  });

  it('a prefix length without RTA_DST, RTA_VIA, an unknown ifindex, Deleted', () => {
    const via = new Uint8Array([AF.INET, 0, 192, 0, 2, 1]);
    const m = route({ dstLen: 8, protocol: 200 }, (b) => b.attr(RTA.VIA, via).u32(RTA.OIF, 42), RTM.DELROUTE);
    expect(printRoute(m, known)).toBe('Deleted 0/8  via inet 192.0.2.1 dev if42 proto 200 \n');
    expect(routeJson(m, known)).toMatchObject({
      deleted: true,
      dst: '0/8 ',
      via: { family: 'inet', host: '192.0.2.1' },
    });
  });

  it('ip route show leaves out other tables and cloned routes; ip monitor prints nothing for a cloned route', () => {
    const main = route({}, (b) => b.u32(RTA.TABLE, RT_TABLE.MAIN).u32(RTA.OIF, 2));
    const local = route({ table: RT_TABLE.LOCAL, type: RTN.LOCAL }, (b) => b.u32(RTA.TABLE, RT_TABLE.LOCAL));
    const cloned = route({ flags: 0x200 }, (b) => b.u32(RTA.OIF, 2));
    expect(printRouteShow([main, local, cloned], known)).toBe('default dev eth0 \n');
    expect(printMonitor(cloned, known)).toBe('');
    expect(printRouteGet(cloned, known)).toBe('default dev eth0 \n    cache \n');
    expect(routeGetJson(cloned, known)).toEqual({ dst: 'default', dev: 'eth0', flags: [], cache: [] });
  });
});

describe('formats and names', () => {
  it.each([
    ['::', '::'],
    ['::1', '::1'],
    ['2001:db8::1', '2001:db8::1'],
    ['1:0:0:1::1', '1:0:0:1::1'],
    ['1::1:0:0:1', '1::1:0:0:1'],
    ['fe80::', 'fe80::'],
    ['1:0:1:0:1:0:1:0', '1:0:1:0:1:0:1:0'],
    ['::ffff:c000:201', '::ffff:192.0.2.1'],
    ['::c000:201', '::192.0.2.1'],
  ])('inet_ntop(%s) is %s', (input, expected) => {
    expect(formatIpv6(v6(input))).toBe(expected);
  });

  it('names read back as ip reads its arguments: names, abbreviations, C numbers, ranges', () => {
    expect([protocolNumber('static'), protocolNumber('openr'), protocolNumber('0x10'), protocolNumber('256')]).toEqual([
      4,
      99,
      16,
      undefined,
    ]);
    expect([scopeNumber('link'), scopeNumber('host'), scopeNumber('010'), scopeNumber('wide')]).toEqual([
      253,
      254,
      8,
      undefined,
    ]);
    expect([tableNumber('local'), tableNumber('main'), tableNumber('100'), tableNumber('all')]).toEqual([
      255,
      254,
      100,
      undefined,
    ]);
    expect([routeTypeNumber('blackhole'), routeTypeNumber('brd'), routeTypeNumber('b'), routeTypeNumber('un')]).toEqual(
      [6, 3, 3, 7],
    );
    expect([groupNumber('default'), groupNumber('7'), groupNumber('x')]).toEqual([0, 7, undefined]);
    for (let n = 0; n < 256; n++) {
      expect(protocolNumber(protocolName(n))).toBe(n);
      expect(scopeNumber(scopeName(n))).toBe(n);
      expect(tableNumber(tableName(n))).toBe(n);
      if (n !== 0) expect(routeTypeNumber(routeTypeName(n))).toBe(n);
    }
  });

  it('link-layer addresses are hex with colons', () => {
    expect(formatLinkAddress(bytesOf(0xaa, 0xb, 0, 1, 2, 0xff), ARPHRD.ETHER)).toBe('aa:0b:00:01:02:ff');
  });

  it('the link cache: * for 0, if<N> for an unknown index, forgets a deleted link', () => {
    const cache = LinkNames.fromMessages([link((b) => b.string(IFLA.IFNAME, 'eth9'), { index: 9 })]);
    expect([cache.name(0), cache.name(9), cache.name(10)]).toEqual(['*', 'eth9', 'if10']);
    cache.remember(link(() => {}, { index: 9 }, RTM.DELLINK));
    expect(cache.name(9)).toBe('if9');
  });

  it('ip monitor keeps its cache current from link notifications', () => {
    const monitor = new IpMonitor(new LinkNames());
    const up = link((b) => b.string(IFLA.IFNAME, 'new0'), { index: 9 });
    const r = route({}, (b) => b.u32(RTA.OIF, 9));
    expect(monitor.print(up)).toBe('9: new0: <> \n    link/ether \n');
    expect(monitor.print(r)).toBe('default dev new0 \n');
  });
});
