/**
 * A route as `ip route show`, `ip route get` and `ip monitor` print it: iproute2 6.1's
 * `print_route()` without `-details` or `-stats`, in text and in `-json`, and the default part of
 * `filter_nlmsg()` that decides which routes `ip route show [table T]` lists.
 */
import { type Nlattr, nla } from '../wire/attrs';
import { AF, NLMSG_HDRLEN, RT_SCOPE, RT_TABLE, RTPROT } from '../wire/constants';
import { RTM } from '../wire/generated';
import { RTA, RTAX, RTN } from '../wire/generated/rt-route';
import { decodeRtMsg, RTMSG_LEN, type RtMsg } from '../wire/headers';
import { readHeader, viewOf } from '../wire/nlmsg';
import { type AttrTable, assertLength, attrTable, messageAttrs, u8, u32 } from './attrs';
import { formatAddress, hostBits } from './format';
import type { LinkNames } from './link-names';
import { dsfieldName, familyName, protocolName, realmName, routeTypeName, scopeName, tableName } from './names';
import { IpOutput, type JsonObject } from './output';

/** rtm_flags and rtnh_flags bits print_route() names. */
export const RTM_F = {
  NOTIFY: 0x100,
  CLONED: 0x200,
  OFFLOAD: 0x4000,
  TRAP: 0x8000,
  OFFLOAD_FAILED: 0x20000000,
} as const;
export const RTNH_F = {
  DEAD: 1,
  PERVASIVE: 2,
  ONLINK: 4,
  OFFLOAD: 8,
  LINKDOWN: 16,
  UNRESOLVED: 32,
  TRAP: 64,
} as const;

/**
 * Which routes a command lists and how: `table` is the table of `ip route show table T`
 * (RT_TABLE.MAIN by default, as plain `ip route show`; 0 for `table all`, `ip route get` and
 * `ip monitor`, which then print `table T` for every route outside main); `family` the address
 * family asked for (IPv4 unless `table` is 0, as iproute2's default).
 */
export interface RouteFilter {
  readonly table?: number;
  readonly family?: number;
}

const AF_MPLS = 28;
const ICMPV6_ROUTER_PREF = { LOW: 3, MEDIUM: 0, HIGH: 1 } as const;

/** `rtm_get_table()`: RTA_TABLE when present, else rtm_table. */
export function routeTable(message: Uint8Array): number {
  const r = routeHeader(message);
  const table = messageAttrs(message, RTMSG_LEN)[RTA.TABLE];
  return table ? u32(table) : r.table;
}

/**
 * Whether `ip route show` with `filter` lists the route: the family it dumps, no cloned routes
 * (RTM_F_CLONED), and the table (unless `table` is 0).
 */
export function routeShown(message: Uint8Array, filter: RouteFilter = {}): boolean {
  const r = routeHeader(message);
  const tableFilter = filter.table ?? RT_TABLE.MAIN;
  const family = filter.family ?? (tableFilter ? AF.INET : AF.UNSPEC);
  if (family !== AF.UNSPEC && r.family !== family) return false;
  if (r.flags & RTM_F.CLONED) return false;
  return !(tableFilter > 0 && tableFilter !== routeTable(message));
}

/** One route line (with its `nexthop` lines) as `ip route show` (with `filter`) prints it. */
export function printRoute(message: Uint8Array, links: LinkNames, filter: RouteFilter = {}): string {
  return formatRoute(message, links, filter, false).toString();
}

/** The object `ip -json route show` (with `filter`) prints for one route. */
export function routeJson(message: Uint8Array, links: LinkNames, filter: RouteFilter = {}): JsonObject {
  return formatRoute(message, links, filter, true).root;
}

/** `ip route show [table T]`: the routes `filter` lists, in order. */
export function printRouteShow(messages: Iterable<Uint8Array>, links: LinkNames, filter: RouteFilter = {}): string {
  let text = '';
  for (const message of routeMessages(messages)) {
    if (routeShown(message, filter)) text += printRoute(message, links, filter);
  }
  return text;
}

/** `ip -json route show [table T]`. */
export function routeShowJson(
  messages: Iterable<Uint8Array>,
  links: LinkNames,
  filter: RouteFilter = {},
): JsonObject[] {
  const out: JsonObject[] = [];
  for (const message of routeMessages(messages)) {
    if (routeShown(message, filter)) out.push(routeJson(message, links, filter));
  }
  return out;
}

/** `ip route get ADDRESS`: the kernel's RTM_NEWROUTE answer to an RTM_GETROUTE. */
export function printRouteGet(message: Uint8Array, links: LinkNames): string {
  return printRoute(message, links, { table: 0 });
}

/** `ip -json route get ADDRESS`. */
export function routeGetJson(message: Uint8Array, links: LinkNames): JsonObject {
  return routeJson(message, links, { table: 0 });
}

function* routeMessages(messages: Iterable<Uint8Array>): Generator<Uint8Array> {
  for (const message of messages) {
    const { type } = readHeader(message);
    if (type === RTM.NEWROUTE) yield message;
  }
}

/** The rtmsg of a route message (throws on anything else). */
export function routeHeader(message: Uint8Array): RtMsg {
  const { type } = readHeader(message);
  if (type !== RTM.NEWROUTE && type !== RTM.DELROUTE) throw new TypeError(`not a route message (type ${type})`);
  assertLength(message, RTMSG_LEN, 'route');
  return decodeRtMsg(message, NLMSG_HDRLEN);
}

export function formatRoute(message: Uint8Array, links: LinkNames, filter: RouteFilter, json: boolean): IpOutput {
  const out = new IpOutput(json);
  writeRoute(out, message, links, filter);
  return out;
}

/** `print_route()` into `out` (the filter only decides whether `table` is printed). */
export function writeRoute(out: IpOutput, message: Uint8Array, links: LinkNames, filter: RouteFilter = {}): void {
  const r = routeHeader(message);
  const tb = messageAttrs(message, RTMSG_LEN);
  const tableFilter = filter.table ?? RT_TABLE.MAIN;
  const bits = hostBits(r.family);
  const table = tb[RTA.TABLE] ? u32(tb[RTA.TABLE]) : r.table;
  const addr = (attr: Nlattr | undefined) => (attr ? formatAddress(r.family, attr.data) : '');

  if (readHeader(message).type === RTM.DELROUTE) out.any('deleted', 'Deleted ', true);
  if (r.type !== RTN.UNICAST) out.any('type', `${routeTypeName(r.type)} `, routeTypeName(r.type));

  let dst: string;
  if (tb[RTA.DST]) dst = r.dstLen !== bits ? `${addr(tb[RTA.DST])}/${r.dstLen}` : addr(tb[RTA.DST]);
  else if (r.dstLen) dst = `0/${r.dstLen} `;
  else dst = 'default';
  out.any('dst', `${dst} `, dst);

  if (tb[RTA.SRC]) {
    const src = r.srcLen !== bits ? `${addr(tb[RTA.SRC])}/${r.srcLen}` : addr(tb[RTA.SRC]);
    out.any('from', `from ${src} `, src);
  } else if (r.srcLen) {
    out.any('src', `from 0/${r.srcLen} `, `0/${r.srcLen}`);
  }
  if (tb[RTA.NH_ID]) out.any('nhid', `nhid ${u32(tb[RTA.NH_ID])} `, u32(tb[RTA.NH_ID]));
  if (tb[RTA.NEWDST]) writeNewdst(out, addr(tb[RTA.NEWDST]));
  // RTA_ENCAP (lightweight tunnels) is not printed: see the README.
  if (r.tos) out.any('tos', `tos ${dsfieldName(r.tos)} `, dsfieldName(r.tos));
  if (tb[RTA.GATEWAY]) writeGateway(out, addr(tb[RTA.GATEWAY]));
  if (tb[RTA.VIA]) writeVia(out, tb[RTA.VIA]);
  if (tb[RTA.OIF]) writeIfindex(out, 'dev', links.name(u32(tb[RTA.OIF])));
  if (table && table !== RT_TABLE.MAIN && !tableFilter)
    out.any('table', `table ${tableName(table)} `, tableName(table));

  if (!(r.flags & RTM_F.CLONED)) {
    if (r.protocol !== RTPROT.BOOT) out.any('protocol', `proto ${protocolName(r.protocol)} `, protocolName(r.protocol));
    if (r.scope !== RT_SCOPE.UNIVERSE) out.any('scope', `scope ${scopeName(r.scope)} `, scopeName(r.scope));
  }
  if (tb[RTA.PREFSRC]) {
    const prefsrc = addr(tb[RTA.PREFSRC]);
    if (out.json) out.field('prefsrc', prefsrc);
    else out.fp(`src ${prefsrc} `);
  }
  if (tb[RTA.PRIORITY]) out.any('metric', `metric ${u32(tb[RTA.PRIORITY])} `, u32(tb[RTA.PRIORITY]));
  writeRouteFlags(out, r.flags);

  if (tb[RTA.MARK]) {
    const mark = u32(tb[RTA.MARK]);
    if (mark) {
      if (out.json) out.field('mark', mark);
      else out.fp(mark >= 16 ? `mark 0x${mark.toString(16)} ` : `mark ${mark} `);
    }
  }
  if (tb[RTA.FLOW]) writeFlow(out, tb[RTA.FLOW]);
  if (tb[RTA.UID]) out.any('uid', `uid ${u32(tb[RTA.UID])} `, u32(tb[RTA.UID]));

  if (r.family === AF.INET && r.flags & RTM_F.CLONED) writeCacheFlags(out, r.flags);
  if ((r.family === AF.INET || r.family === AF.INET6) && tb[RTA.CACHEINFO]) writeCacheinfo(out, tb[RTA.CACHEINFO]);
  if (tb[RTA.METRICS]) writeMetrics(out, tb[RTA.METRICS]);
  if (tb[RTA.IIF]) writeIfindex(out, 'iif', links.name(u32(tb[RTA.IIF])));
  if (tb[RTA.PREF]) writePref(out, u8(tb[RTA.PREF]));
  if (tb[RTA.TTL_PROPAGATE]) {
    const propagate = u8(tb[RTA.TTL_PROPAGATE]) !== 0;
    if (out.json) out.field('ttl-propogate', propagate);
    else out.fp(`ttl-propogate ${propagate ? 'enabled' : 'disabled'}`);
  }
  if (tb[RTA.MULTIPATH]) writeMultipath(out, r, tb[RTA.MULTIPATH], links);
  out.fp('\n');
}

function writeNewdst(out: IpOutput, newdst: string): void {
  if (out.json) out.field('to', newdst);
  else out.fp(`as to ${newdst} `);
}

function writeGateway(out: IpOutput, gateway: string): void {
  if (out.json) out.field('gateway', gateway);
  else out.fp(`via ${gateway} `);
}

/** `print_rta_via()`: struct rtvia is a u16 family and the address. */
function writeVia(out: IpOutput, attr: Nlattr | undefined): void {
  if (!attr) return;
  const family = attr.data.length >= 2 ? viewOf(attr.data).getUint16(0, true) : 0;
  const host = formatAddress(family, attr.data.subarray(2));
  if (out.json) {
    out.openObject('via');
    out.field('family', familyName(family));
    out.field('host', host);
    out.closeObject();
  } else {
    out.fp(`via ${familyName(family)} ${host} `);
  }
}

function writeIfindex(out: IpOutput, prefix: string, name: string): void {
  if (out.json) out.field(prefix, name);
  else out.fp(`${prefix} ${name} `);
}

/** `print_rt_flags()`: in JSON always a `flags` array, possibly empty. */
function writeRouteFlags(out: IpOutput, flags: number): void {
  out.openArray('flags');
  const names: [number, string][] = [
    [RTNH_F.DEAD, 'dead'],
    [RTNH_F.ONLINK, 'onlink'],
    [RTNH_F.PERVASIVE, 'pervasive'],
    [RTNH_F.OFFLOAD, 'offload'],
    [RTNH_F.TRAP, 'trap'],
    [RTM_F.NOTIFY, 'notify'],
    [RTNH_F.LINKDOWN, 'linkdown'],
    [RTNH_F.UNRESOLVED, 'unresolved'],
    [RTM_F.OFFLOAD, 'rt_offload'],
    [RTM_F.TRAP, 'rt_trap'],
    [RTM_F.OFFLOAD_FAILED, 'rt_offload_failed'],
  ];
  for (const [bit, flagName] of names) if (flags & bit) out.any(null, `${flagName} `, flagName);
  out.closeArray();
}

/** `print_rta_flow()`: realms. */
function writeFlow(out: IpOutput, attr: Nlattr | undefined): void {
  if (!attr) return;
  const value = nla.u32(attr);
  const from = value >>> 16;
  const to = value & 0xffff;
  if (out.json) {
    out.openObject('flow');
    if (from) out.field('from', realmName(from));
    out.field('to', realmName(to));
    out.closeObject();
  } else {
    out.fp(`realm${from ? 's' : ''} `);
    if (from) out.fp(`${realmName(from)}/`);
    out.fp(`${realmName(to)} `);
  }
}

const RTCF: readonly (readonly [number, string])[] = [
  [0x80000000, 'local'],
  [0x40000000, 'reject'],
  [0x20000000, 'mc'],
  [0x10000000, 'brd'],
  [0x08000000, 'dst-nat'],
  [0x00800000, 'src-nat'],
  [0x00400000, 'masq'],
  [0x00020000, 'dst-direct'],
  [0x04000000, 'src-direct'],
  [0x00040000, 'redirected'],
  [0x01000000, 'redirect'],
  [0x00200000, 'fastroute'],
  [0x00010000, 'notify'],
  [0x00080000, 'proxy'],
];

/** `print_cache_flags()`: the `cache <...>` line of a cloned IPv4 route (`ip route get`). */
function writeCacheFlags(out: IpOutput, rtmFlags: number): void {
  let flags = (rtmFlags & ~0xffff) >>> 0;
  if (out.json) out.openArray('cache');
  else {
    out.fp('\n    cache ');
    if (flags === 0) return;
    out.fp('<');
  }
  for (const [bit, flagName] of RTCF) {
    if (!(flags & bit)) continue;
    flags = (flags & ~bit) >>> 0;
    if (out.json) out.field(null, flagName);
    else out.fp(`${flagName}${flags ? ',' : '> '}`);
  }
  if (flags) out.any('flags', `${flags.toString(16)}>`, flags.toString(16));
  if (out.json) out.closeArray();
}

/** `print_rta_cacheinfo()` (struct rta_cacheinfo; USER_HZ 100), without `-stats`. */
function writeCacheinfo(out: IpOutput, attr: Nlattr | undefined): void {
  if (!attr) return;
  const v = viewOf(attr.data);
  const word = (i: number) => (attr.data.length >= (i + 1) * 4 ? v.getUint32(i * 4, true) : 0);
  const expires = word(2) | 0;
  const error = word(3);
  const id = word(5);
  const ts = word(6);
  const tsage = word(7);
  if (expires !== 0) {
    const sec = Math.trunc(expires / 100);
    out.any('expires', `expires ${sec}sec `, sec);
  }
  if (error !== 0) out.any('error', `error ${error} `, error);
  if (id) out.any('ipid', `ipid 0x${id.toString(16).padStart(4, '0')} `, `0x${id.toString(16)}`);
  if (ts || tsage) {
    out.any('ts', `ts 0x${ts.toString(16)}`, `0x${ts.toString(16)}`);
    out.any('tsage', `tsage ${tsage}sec `, tsage);
  }
}

const METRIC_NAMES: Record<number, string> = {
  [RTAX.MTU]: 'mtu',
  [RTAX.WINDOW]: 'window',
  [RTAX.RTT]: 'rtt',
  [RTAX.RTTVAR]: 'rttvar',
  [RTAX.SSTHRESH]: 'ssthresh',
  [RTAX.CWND]: 'cwnd',
  [RTAX.ADVMSS]: 'advmss',
  [RTAX.REORDERING]: 'reordering',
  [RTAX.HOPLIMIT]: 'hoplimit',
  [RTAX.INITCWND]: 'initcwnd',
  [RTAX.FEATURES]: 'features',
  [RTAX.RTO_MIN]: 'rto_min',
  [RTAX.INITRWND]: 'initrwnd',
  [RTAX.QUICKACK]: 'quickack',
  [RTAX.CC_ALGO]: 'congctl',
  [RTAX.FASTOPEN_NO_COOKIE]: 'fastopen_no_cookie',
};
const RTAX_MAX = RTAX.FASTOPEN_NO_COOKIE;
const RTAX_FEATURE_ECN = 1;

/** `print_rta_metrics()`: `mtu 1300 `, `lock`, `rtt 0.3s`, ...; in JSON a one-object array. */
function writeMetrics(out: IpOutput, attr: Nlattr | undefined): void {
  if (!attr) return;
  const mx = attrTable(attr.data);
  const lock = mx[RTAX.LOCK] ? nla.u32(mx[RTAX.LOCK] as Nlattr) : 0;
  out.openArray('metrics');
  out.openObject(null);
  for (let i = 2; i <= RTAX_MAX; i++) {
    const m = mx[i];
    if (!m && !(lock & (1 << i))) continue;
    let val = m && i !== RTAX.CC_ALGO ? nla.u32(m) : 0;
    if (i === RTAX.HOPLIMIT && (val | 0) === -1) continue;
    const name = METRIC_NAMES[i] ?? `metric ${i}`;
    if (!out.json) {
      out.fp(`${METRIC_NAMES[i] ?? `metric ${i}`} `);
      if (lock & (1 << i)) out.fp('lock ');
    }
    switch (i) {
      case RTAX.FEATURES: {
        let features = val;
        if (features & RTAX_FEATURE_ECN) {
          out.any('ecn', 'ecn ', null);
          features &= ~RTAX_FEATURE_ECN;
        }
        if (features) out.any('features', `0x${val.toString(16)} `, `0x${val.toString(16)}`);
        break;
      }
      case RTAX.RTT:
      case RTAX.RTTVAR:
      case RTAX.RTO_MIN:
        if (i === RTAX.RTT) val = Math.trunc(val / 8);
        else if (i === RTAX.RTTVAR) val = Math.trunc(val / 4);
        if (out.json) out.field(name, val);
        else out.fp(val >= 1000 ? `${formatG(val / 1e3)}s ` : `${val}ms `);
        break;
      case RTAX.CC_ALGO:
        out.any('congestion', `${m ? nla.string(m) : ''} `, m ? nla.string(m) : '');
        break;
      default:
        out.any(name, `${val} `, val);
    }
  }
  out.closeObject();
  out.closeArray();
}

/** printf's `%g` (6 significant digits, no trailing zeros) for the seconds of a metric. */
function formatG(value: number): string {
  const text = Number(value.toPrecision(6)).toString();
  return text.includes('e') ? value.toExponential() : text;
}

function writePref(out: IpOutput, pref: number): void {
  if (pref === ICMPV6_ROUTER_PREF.LOW) out.any('pref', 'pref low', 'low');
  else if (pref === ICMPV6_ROUTER_PREF.MEDIUM) out.any('pref', 'pref medium', 'medium');
  else if (pref === ICMPV6_ROUTER_PREF.HIGH) out.any('pref', 'pref high', 'high');
  else out.any('pref', `${pref}`, pref);
}

/** `print_rta_multipath()`: one `nexthop via ... dev ... weight N` line per struct rtnexthop. */
function writeMultipath(out: IpOutput, r: RtMsg, attr: Nlattr | undefined, links: LinkNames): void {
  if (!attr) return;
  const data = attr.data;
  const v = viewOf(data);
  const multicast = (r.flags & RTM_F.CLONED) !== 0 && r.type === RTN.MULTICAST;
  let pos = 0;
  let first = true;
  out.openArray('nexthops');
  while (data.length - pos >= 8) {
    const len = v.getUint16(pos, true);
    const flags = data[pos + 2] as number;
    const hops = data[pos + 3] as number;
    const ifindex = v.getInt32(pos + 4, true);
    if (len > data.length - pos) break;
    out.openObject(null);
    if (multicast) {
      out.fp(first ? 'Oifs: ' : ' ');
      first = false;
    } else {
      out.fp('\n\tnexthop ');
    }
    if (len > 8) {
      const tb: AttrTable = attrTable(data.subarray(pos + 8, pos + len));
      if (tb[RTA.NEWDST]) writeNewdst(out, formatAddress(r.family, (tb[RTA.NEWDST] as Nlattr).data));
      if (tb[RTA.GATEWAY]) writeGateway(out, formatAddress(r.family, (tb[RTA.GATEWAY] as Nlattr).data));
      if (tb[RTA.VIA]) writeVia(out, tb[RTA.VIA]);
      if (tb[RTA.FLOW]) writeFlow(out, tb[RTA.FLOW]);
    }
    const dev = links.name(ifindex >>> 0);
    if (multicast) {
      out.any('dev', dev, dev);
      if (hops !== 1) out.any('ttl', `(ttl>${hops})`, hops);
      out.fp(' ');
    } else {
      out.any('dev', `dev ${dev} `, dev);
      if (r.family !== AF_MPLS) out.any('weight', `weight ${hops + 1} `, hops + 1);
    }
    writeRouteFlags(out, flags);
    pos += (len + 3) & ~3;
    out.closeObject();
    if (len < 8) break;
  }
  out.closeArray();
}
