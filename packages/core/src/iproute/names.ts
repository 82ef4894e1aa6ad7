/**
 * The names iproute2 6.1 gives numbers: link flags (print_link_flags), operational states and
 * link modes, ARPHRD types (ll_type_n2a), route types (rtnl_rtntype_n2a), protocols, scopes,
 * tables and groups (rt_names.c, with the entries of Debian's default /etc/iproute2 files),
 * address families (family_name). A number without a name is printed as a number, as `ip` does.
 */
import { AF } from '../wire/constants';
import { IFF } from '../wire/generated/rt-link';

/** ARPHRD_* device types (include/uapi/linux/if_arp.h). */
export const ARPHRD = {
  NETROM: 0,
  ETHER: 1,
  EETHER: 2,
  AX25: 3,
  PRONET: 4,
  CHAOS: 5,
  IEEE802: 6,
  ARCNET: 7,
  APPLETLK: 8,
  DLCI: 15,
  ATM: 19,
  METRICOM: 23,
  IEEE1394: 24,
  EUI64: 27,
  INFINIBAND: 32,
  SLIP: 256,
  CSLIP: 257,
  SLIP6: 258,
  CSLIP6: 259,
  RSRVD: 260,
  ADAPT: 264,
  ROSE: 270,
  X25: 271,
  HWX25: 272,
  CAN: 280,
  MCTP: 290,
  PPP: 512,
  HDLC: 513,
  LAPB: 516,
  DDCMP: 517,
  RAWHDLC: 518,
  RAWIP: 519,
  TUNNEL: 768,
  TUNNEL6: 769,
  FRAD: 770,
  SKIP: 771,
  LOOPBACK: 772,
  LOCALTLK: 773,
  FDDI: 774,
  BIF: 775,
  SIT: 776,
  IPDDP: 777,
  IPGRE: 778,
  PIMREG: 779,
  HIPPI: 780,
  ASH: 781,
  ECONET: 782,
  IRDA: 783,
  FCPP: 784,
  FCAL: 785,
  FCPL: 786,
  FCFABRIC: 787,
  IEEE802_TR: 800,
  IEEE80211: 801,
  IEEE80211_PRISM: 802,
  IEEE80211_RADIOTAP: 803,
  IEEE802154: 804,
  IEEE802154_MONITOR: 805,
  PHONET: 820,
  PHONET_PIPE: 821,
  CAIF: 822,
  IP6GRE: 823,
  NETLINK: 824,
  '6LOWPAN': 825,
  VSOCKMON: 826,
  VOID: 0xffff,
  NONE: 0xfffe,
} as const;

const ARPHRD_NAMES = new Map<number, string>([
  [ARPHRD.NETROM, 'netrom'],
  [ARPHRD.ETHER, 'ether'],
  [ARPHRD.EETHER, 'eether'],
  [ARPHRD.AX25, 'ax25'],
  [ARPHRD.PRONET, 'pronet'],
  [ARPHRD.CHAOS, 'chaos'],
  [ARPHRD.IEEE802, 'ieee802'],
  [ARPHRD.ARCNET, 'arcnet'],
  [ARPHRD.APPLETLK, 'atalk'],
  [ARPHRD.DLCI, 'dlci'],
  [ARPHRD.ATM, 'atm'],
  [ARPHRD.METRICOM, 'metricom'],
  [ARPHRD.IEEE1394, 'ieee1394'],
  [ARPHRD.INFINIBAND, 'infiniband'],
  [ARPHRD.SLIP, 'slip'],
  [ARPHRD.CSLIP, 'cslip'],
  [ARPHRD.SLIP6, 'slip6'],
  [ARPHRD.CSLIP6, 'cslip6'],
  [ARPHRD.RSRVD, 'rsrvd'],
  [ARPHRD.ADAPT, 'adapt'],
  [ARPHRD.ROSE, 'rose'],
  [ARPHRD.X25, 'x25'],
  [ARPHRD.HWX25, 'hwx25'],
  [ARPHRD.CAN, 'can'],
  [ARPHRD.PPP, 'ppp'],
  [ARPHRD.HDLC, 'hdlc'],
  [ARPHRD.LAPB, 'lapb'],
  [ARPHRD.DDCMP, 'ddcmp'],
  [ARPHRD.RAWHDLC, 'rawhdlc'],
  [ARPHRD.TUNNEL, 'ipip'],
  [ARPHRD.TUNNEL6, 'tunnel6'],
  [ARPHRD.FRAD, 'frad'],
  [ARPHRD.SKIP, 'skip'],
  [ARPHRD.LOOPBACK, 'loopback'],
  [ARPHRD.LOCALTLK, 'ltalk'],
  [ARPHRD.FDDI, 'fddi'],
  [ARPHRD.BIF, 'bif'],
  [ARPHRD.SIT, 'sit'],
  [ARPHRD.IPDDP, 'ip/ddp'],
  [ARPHRD.IPGRE, 'gre'],
  [ARPHRD.PIMREG, 'pimreg'],
  [ARPHRD.HIPPI, 'hippi'],
  [ARPHRD.ASH, 'ash'],
  [ARPHRD.ECONET, 'econet'],
  [ARPHRD.IRDA, 'irda'],
  [ARPHRD.FCPP, 'fcpp'],
  [ARPHRD.FCAL, 'fcal'],
  [ARPHRD.FCPL, 'fcpl'],
  ...Array.from({ length: 13 }, (_, i) => [ARPHRD.FCFABRIC + i, `fcfb${i}`] as [number, string]),
  [ARPHRD.IEEE802_TR, 'tr'],
  [ARPHRD.IEEE80211, 'ieee802.11'],
  [ARPHRD.IEEE80211_PRISM, 'ieee802.11/prism'],
  [ARPHRD.IEEE80211_RADIOTAP, 'ieee802.11/radiotap'],
  [ARPHRD.IEEE802154, 'ieee802.15.4'],
  [ARPHRD.IEEE802154_MONITOR, 'ieee802.15.4/monitor'],
  [ARPHRD.PHONET, 'phonet'],
  [ARPHRD.PHONET_PIPE, 'phonet_pipe'],
  [ARPHRD.CAIF, 'caif'],
  [ARPHRD.IP6GRE, 'gre6'],
  [ARPHRD.NETLINK, 'netlink'],
  [ARPHRD['6LOWPAN'], '6lowpan'],
  [ARPHRD.NONE, 'none'],
  [ARPHRD.VOID, 'void'],
]);

/** `ll_type_n2a()`: `ether`, `loopback`, ... or `[N]`. */
export function linkTypeName(type: number): string {
  return ARPHRD_NAMES.get(type) ?? `[${type}]`;
}

/** The flags `print_link_flags()` names, in the order it prints them. */
export const LINK_FLAG_ORDER: readonly (readonly [string, number])[] = [
  ['LOOPBACK', IFF.LOOPBACK],
  ['BROADCAST', IFF.BROADCAST],
  ['POINTOPOINT', IFF.POINT_TO_POINT],
  ['MULTICAST', IFF.MULTICAST],
  ['NOARP', IFF.NO_ARP],
  ['ALLMULTI', IFF.ALL_MULTI],
  ['PROMISC', IFF.PROMISC],
  ['MASTER', IFF.MASTER],
  ['SLAVE', IFF.SLAVE],
  ['DEBUG', IFF.DEBUG],
  ['DYNAMIC', IFF.DYNAMIC],
  ['AUTOMEDIA', IFF.AUTO_MEDIA],
  ['PORTSEL', IFF.PORTSEL],
  ['NOTRAILERS', IFF.NO_TRAILERS],
  ['UP', IFF.UP],
  ['LOWER_UP', IFF.LOWER_UP],
  ['DORMANT', IFF.DORMANT],
  ['ECHO', IFF.ECHO],
];

/** IF_OPER_* names (`oper_states[]`), indexed by IFLA_OPERSTATE. */
export const OPERSTATE_NAMES: readonly string[] = [
  'UNKNOWN',
  'NOTPRESENT',
  'DOWN',
  'LOWERLAYERDOWN',
  'TESTING',
  'DORMANT',
  'UP',
];

/** IF_LINK_MODE_* names (`link_modes[]`), indexed by IFLA_LINKMODE. */
export const LINKMODE_NAMES: readonly string[] = ['DEFAULT', 'DORMANT'];

const RTN_NAMES: readonly string[] = [
  'none',
  'unicast',
  'local',
  'broadcast',
  'anycast',
  'multicast',
  'blackhole',
  'unreachable',
  'prohibit',
  'throw',
  'nat',
  'xresolve',
];

/** `rtnl_rtntype_n2a()`: `unicast`, `local`, `broadcast`, ... or the number. */
export function routeTypeName(type: number): string {
  return RTN_NAMES[type] ?? String(type);
}

// rtnl_rtprot_tab[] plus Debian's /etc/iproute2/rt_protos (which adds openr and moves nothing).
const PROTOCOL_NAMES = new Map<number, string>([
  [0, 'unspec'],
  [1, 'redirect'],
  [2, 'kernel'],
  [3, 'boot'],
  [4, 'static'],
  [8, 'gated'],
  [9, 'ra'],
  [10, 'mrt'],
  [11, 'zebra'],
  [12, 'bird'],
  [13, 'dnrouted'],
  [14, 'xorp'],
  [15, 'ntk'],
  [16, 'dhcp'],
  [18, 'keepalived'],
  [42, 'babel'],
  [99, 'openr'],
  [186, 'bgp'],
  [187, 'isis'],
  [188, 'ospf'],
  [189, 'rip'],
  [192, 'eigrp'],
]);

/** `rtnl_rtprot_n2a()`: `kernel`, `static`, `boot`, ... or the number. */
export function protocolName(protocol: number): string {
  return PROTOCOL_NAMES.get(protocol) ?? String(protocol);
}

const SCOPE_NAMES = new Map<number, string>([
  [0, 'global'],
  [200, 'site'],
  [253, 'link'],
  [254, 'host'],
  [255, 'nowhere'],
]);

/** `rtnl_rtscope_n2a()`: `global`, `link`, `host`, ... or the number. */
export function scopeName(scope: number): string {
  return SCOPE_NAMES.get(scope) ?? String(scope);
}

const TABLE_NAMES = new Map<number, string>([
  [0, 'unspec'],
  [253, 'default'],
  [254, 'main'],
  [255, 'local'],
]);

/** `rtnl_rttable_n2a()`: `main`, `local`, `default`, ... or the number. */
export function tableName(table: number): string {
  return TABLE_NAMES.get(table) ?? String(table);
}

/** `rtnl_group_n2a()`: group 0 is `default` (/etc/iproute2/group), the rest are numbers. */
export function groupName(group: number): string {
  return group === 0 ? 'default' : String(group | 0);
}

/** `family_name()`: `inet`, `inet6`, `link`, `mpls`, `bridge` or "???". */
export function familyName(family: number): string {
  switch (family) {
    case AF.INET:
      return 'inet';
    case AF.INET6:
      return 'inet6';
    case AF.PACKET:
      return 'link';
    case 28:
      return 'mpls';
    case AF.BRIDGE:
      return 'bridge';
    default:
      return '???';
  }
}

// Debian's /etc/iproute2/rt_dsfield.
const DSFIELD_NAMES = new Map<number, string>([
  [0x00, 'default'],
  [0x28, 'AF11'],
  [0x30, 'AF12'],
  [0x38, 'AF13'],
  [0x48, 'AF21'],
  [0x50, 'AF22'],
  [0x58, 'AF23'],
  [0x68, 'AF31'],
  [0x70, 'AF32'],
  [0x78, 'AF33'],
  [0x88, 'AF41'],
  [0x90, 'AF42'],
  [0x98, 'AF43'],
  [0x20, 'CS1'],
  [0x40, 'CS2'],
  [0x60, 'CS3'],
  [0x80, 'CS4'],
  [0xa0, 'CS5'],
  [0xc0, 'CS6'],
  [0xe0, 'CS7'],
  [0xb8, 'EF'],
]);

/** `rtnl_dsfield_n2a()`: a TOS / DS field, `CS1`, `EF`, ... or `0x%02x`. */
export function dsfieldName(tos: number): string {
  return DSFIELD_NAMES.get(tos) ?? `0x${tos.toString(16).padStart(2, '0')}`;
}

/** `rtnl_rtrealm_n2a()`: realm 0 is `cosmos` (Debian's /etc/iproute2/rt_realms), the rest numbers. */
export function realmName(realm: number): string {
  return realm === 0 ? 'cosmos' : String(realm);
}

// ---------------------------------------------------------------------------------------------
// The other way, as `ip` reads its arguments (rtnl_*_a2n): a name, or a number in C's strtoul()
// syntax (decimal, 0x hex, 0 octal) within range; undefined when it is neither.

function cNumber(text: string, max: number): number | undefined {
  const m = /^\s*\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) return undefined;
  const digits = m[1] as string;
  const value = /^0[xX]/.test(digits)
    ? Number.parseInt(digits.slice(2), 16)
    : digits.length > 1 && digits.startsWith('0')
      ? Number.parseInt(digits, 8)
      : Number(digits);
  return value <= max ? value : undefined;
}

function byName(names: ReadonlyMap<number, string>, name: string): number | undefined {
  for (const [number, n] of names) if (n === name) return number;
  return undefined;
}

/** iproute2's `matches(arg, word)`: `arg` is a non-empty prefix of `word`. */
function abbreviates(arg: string, word: string): boolean {
  return arg.length > 0 && word.startsWith(arg);
}

/** `rtnl_rtntype_a2n()`: `local`, `broadcast` (or `brd`), `blackhole`, `unicast`, ... (most may be abbreviated). */
export function routeTypeNumber(name: string): number | undefined {
  if (name === 'local') return 2;
  if (name === 'nat') return 10;
  if (abbreviates(name, 'broadcast') || name === 'brd') return 3;
  if (abbreviates(name, 'anycast')) return 4;
  if (abbreviates(name, 'multicast')) return 5;
  if (abbreviates(name, 'prohibit')) return 8;
  if (abbreviates(name, 'unreachable')) return 7;
  if (abbreviates(name, 'blackhole')) return 6;
  if (abbreviates(name, 'xresolve')) return 11;
  if (abbreviates(name, 'unicast')) return 1;
  if (name === 'throw') return 9;
  return cNumber(name, 255);
}

/** `rtnl_rtprot_a2n()`: `kernel`, `static`, `boot`, ... or 0–255. */
export function protocolNumber(name: string): number | undefined {
  return byName(PROTOCOL_NAMES, name) ?? cNumber(name, 255);
}

/** `rtnl_rtscope_a2n()`: `global`, `link`, `host`, `site`, `nowhere` or 0–255. */
export function scopeNumber(name: string): number | undefined {
  return byName(SCOPE_NAMES, name) ?? cNumber(name, 255);
}

/** `rtnl_rttable_a2n()`: `main`, `local`, `default`, `unspec` or 0–2^32-1. (`ip` reads `all` itself, as 0.) */
export function tableNumber(name: string): number | undefined {
  return byName(TABLE_NAMES, name) ?? cNumber(name, 0xffffffff);
}

/** `rtnl_group_a2n()`: `default` or a number. */
export function groupNumber(name: string): number | undefined {
  return name === 'default' ? 0 : cNumber(name, 0xffffffff);
}
