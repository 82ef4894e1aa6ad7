/**
 * Addresses as `ip address show` and `ip monitor` print them: iproute2 6.1's `print_addrinfo()`
 * (not brief) and the loop of `ipaddr_list_flush_or_save()` that prints each link followed by its
 * addresses, in text and in `-json` (`addr_info`).
 */
import type { Nlattr } from '../wire/attrs';
import { AF, NLMSG_HDRLEN } from '../wire/constants';
import { RTM } from '../wire/generated';
import { IFA, IFA_F } from '../wire/generated/rt-addr';
import { decodeIfAddrMsg, IFADDRMSG_LEN, type IfAddrMsg } from '../wire/headers';
import { readHeader, viewOf } from '../wire/nlmsg';
import { assertLength, messageAttrs, str, u32 } from './attrs';
import { formatAddress } from './format';
import { ADDRESS_SHOW_LINK, LINK_SHOW, linkHeader, writeLink } from './link';
import { LinkNames } from './link-names';
import { familyName, scopeName } from './names';
import { IpOutput, type JsonObject } from './output';

/** How an address line starts: `ip monitor` prefixes `3: veth0` (iproute2's `filter.oneline`). */
export interface AddrView {
  readonly withDevice: boolean;
}

const INFINITY_LIFE_TIME = 0xffffffff;

/** `ifa_flag_data[]`: the flags print_ifa_flags() names, in its order. */
const IFA_FLAG_DATA: readonly (readonly [string, number])[] = [
  ['secondary', IFA_F.SECONDARY],
  ['temporary', IFA_F.SECONDARY],
  ['nodad', IFA_F.NODAD],
  ['optimistic', IFA_F.OPTIMISTIC],
  ['dadfailed', IFA_F.DADFAILED],
  ['home', IFA_F.HOMEADDRESS],
  ['deprecated', IFA_F.DEPRECATED],
  ['tentative', IFA_F.TENTATIVE],
  ['permanent', IFA_F.PERMANENT],
  ['mngtmpaddr', IFA_F.MANAGETEMPADDR],
  ['noprefixroute', IFA_F.NOPREFIXROUTE],
  ['autojoin', IFA_F.MCAUTOJOIN],
  ['stable-privacy', IFA_F.STABLE_PRIVACY],
];

/** The ifaddrmsg of an address message (throws on anything else). */
export function addrHeader(message: Uint8Array): IfAddrMsg {
  const { type } = readHeader(message);
  if (type !== RTM.NEWADDR && type !== RTM.DELADDR) throw new TypeError(`not an address message (type ${type})`);
  assertLength(message, IFADDRMSG_LEN, 'address');
  return decodeIfAddrMsg(message, NLMSG_HDRLEN);
}

/**
 * One address as `ip address show` prints it under its link: `    inet 10.0.0.1/24 brd ... scope
 * global eth0` and `       valid_lft forever preferred_lft forever`, each ending in a newline.
 */
export function printAddr(message: Uint8Array, links: LinkNames): string {
  const out = new IpOutput(false);
  writeAddr(out, message, links, { withDevice: false });
  return out.toString();
}

/** The `addr_info` element `ip -json address show` prints for one address. */
export function addrJson(message: Uint8Array, links: LinkNames): JsonObject {
  const out = new IpOutput(true);
  writeAddr(out, message, links, { withDevice: false });
  return out.root;
}

/** What `ip address show` lists and knows. */
export interface AddrShowOptions {
  /** `-4` (AF.INET) or `-6` (AF.INET6); all families by default. */
  readonly family?: number;
  /**
   * What `ip` knows about links beyond `links` (by default the names made from `links`): for
   * `-6`, whose IPv6 link messages carry no IFLA_TXQLEN, names from an ordinary link dump give
   * the `qlen` iproute2 asks the kernel for.
   */
  readonly names?: LinkNames;
}

/**
 * `ip address show`: every link of `links` (RTM_NEWLINK messages, e.g. a link dump) followed by
 * its addresses from `addrs` (RTM_NEWADDR messages, e.g. address dumps), in the given orders.
 * With a `family`, only its addresses, and only the links that have one (`ipaddr_filter()`),
 * without their link-layer line. `ip -6 address` reads `links` from an AF_INET6 link dump (the
 * kernel's IPv6 link messages, which carry neither qdisc nor group); `ip -4 address` from an
 * ordinary one.
 */
export function printAddrShow(
  links: readonly Uint8Array[],
  addrs: readonly Uint8Array[],
  options: AddrShowOptions = {},
): string {
  return addressShow(links, addrs, options, false)
    .map((out) => out.toString())
    .join('');
}

/** `ip -json address show`: one object per link, its addresses in `addr_info`. */
export function addrShowJson(
  links: readonly Uint8Array[],
  addrs: readonly Uint8Array[],
  options: AddrShowOptions = {},
): JsonObject[] {
  return addressShow(links, addrs, options, true).map((out) => out.root);
}

/** `ip link show`: every link of `links` (RTM_NEWLINK messages), named from the same messages. */
export function printLinkShow(links: readonly Uint8Array[]): string {
  return linkShow(links, false)
    .map((out) => out.toString())
    .join('');
}

/** `ip -json link show`. */
export function linkShowJson(links: readonly Uint8Array[]): JsonObject[] {
  return linkShow(links, true).map((out) => out.root);
}

function linkShow(links: readonly Uint8Array[], json: boolean): IpOutput[] {
  const names = LinkNames.fromMessages(links);
  return links
    .filter((m) => readHeader(m).type === RTM.NEWLINK)
    .map((link) => {
      const out = new IpOutput(json);
      writeLink(out, link, names, LINK_SHOW);
      return out;
    });
}

function addressShow(
  links: readonly Uint8Array[],
  addrs: readonly Uint8Array[],
  options: AddrShowOptions,
  json: boolean,
): IpOutput[] {
  const names = options.names ?? LinkNames.fromMessages(links);
  const family = options.family ?? AF.UNSPEC;
  const byIndex = new Map<number, Uint8Array[]>();
  const withAny = new Set<number>();
  for (const addr of addrs) {
    if (readHeader(addr).type !== RTM.NEWADDR) continue;
    const ifa = addrHeader(addr);
    withAny.add(ifa.index);
    if (family !== AF.UNSPEC && ifa.family !== family) continue;
    const list = byIndex.get(ifa.index) ?? [];
    list.push(addr);
    byIndex.set(ifa.index, list);
  }
  // ipaddr_filter(): a link stays when it has an address that passes, or (all families) none at all.
  const kept = (index: number) => byIndex.has(index) || (family === AF.UNSPEC && !withAny.has(index));
  return links
    .filter((m) => readHeader(m).type === RTM.NEWLINK && kept(linkHeader(m).index))
    .map((link) => {
      const out = new IpOutput(json);
      writeLink(
        out,
        link,
        names,
        family === AF.UNSPEC ? ADDRESS_SHOW_LINK : { ...ADDRESS_SHOW_LINK, linkLayer: false },
      );
      out.openArray('addr_info');
      for (const addr of byIndex.get(linkHeader(link).index) ?? []) {
        out.openObject(null);
        writeAddr(out, addr, names, { withDevice: false });
        out.closeObject();
      }
      out.closeArray();
      return out;
    });
}

/** `print_addrinfo()` into `out`. */
export function writeAddr(out: IpOutput, message: Uint8Array, links: LinkNames, view: AddrView): void {
  const ifa = addrHeader(message);
  const tb = messageAttrs(message, IFADDRMSG_LEN);
  const flags = tb[IFA.FLAGS] ? u32(tb[IFA.FLAGS]) : ifa.flags;
  const local = tb[IFA.LOCAL] ?? tb[IFA.ADDRESS];
  const address = tb[IFA.ADDRESS] ?? tb[IFA.LOCAL];
  const host = (attr: Nlattr | undefined) => (attr ? formatAddress(ifa.family, attr.data) : '');

  if (readHeader(message).type === RTM.DELADDR) out.any('deleted', 'Deleted ', true);
  if (view.withDevice) {
    const dev = links.name(ifa.index);
    if (out.json) {
      out.field('index', ifa.index | 0);
      out.field('dev', dev);
    } else {
      out.fp(`${ifa.index}: ${dev}`);
    }
  }
  const family = familyName(ifa.family);
  if (family !== '???') out.any('family', `    ${family} `, family);
  else out.any('family_index', `    family ${ifa.family} `, ifa.family);

  if (local) {
    out.any('local', host(local), host(local));
    const width = ifa.family === AF.INET ? 4 : 16;
    if (address && !sameBytes(address.data.subarray(0, width), local.data.subarray(0, width))) {
      out.fp(' peer ');
      out.any('address', host(address), host(address));
    }
    out.any('prefixlen', `/${ifa.prefixlen} `, ifa.prefixlen);
    if (tb[IFA.RT_PRIORITY]) {
      const metric = u32(tb[IFA.RT_PRIORITY]);
      out.any('metric', `metric ${metric} `, metric);
    }
  }
  if (tb[IFA.BROADCAST]) {
    out.fp('brd ');
    out.any('broadcast', `${host(tb[IFA.BROADCAST])} `, host(tb[IFA.BROADCAST]));
  }
  if (tb[IFA.ANYCAST]) {
    out.fp('any ');
    out.any('anycast', `${host(tb[IFA.ANYCAST])} `, host(tb[IFA.ANYCAST]));
  }
  out.any('scope', `scope ${scopeName(ifa.scope)} `, scopeName(ifa.scope));
  writeAddrFlags(out, ifa, flags);
  if (tb[IFA.LABEL]) out.any('label', str(tb[IFA.LABEL]), str(tb[IFA.LABEL]));

  const cacheinfo = tb[IFA.CACHEINFO];
  if (cacheinfo && cacheinfo.data.length >= 8) {
    const v = viewOf(cacheinfo.data);
    const preferred = v.getUint32(0, true);
    const valid = v.getUint32(4, true);
    out.nl();
    out.fp('       valid_lft ');
    if (valid === INFINITY_LIFE_TIME) {
      out.field('valid_life_time', INFINITY_LIFE_TIME);
      out.fp('forever');
    } else {
      out.any('valid_life_time', `${valid}sec`, valid);
    }
    out.fp(' preferred_lft ');
    if (preferred === INFINITY_LIFE_TIME) {
      out.field('preferred_life_time', INFINITY_LIFE_TIME);
      out.fp('forever');
    } else if (flags & IFA_F.DEPRECATED) {
      out.any('preferred_life_time', `${preferred | 0}sec`, preferred | 0);
    } else {
      out.any('preferred_life_time', `${preferred}sec`, preferred);
    }
  }
  out.fp('\n');
}

/** `print_ifa_flags()`: `secondary`, `dynamic`, `noprefixroute`, ... and `flags %02x` for the rest. */
function writeAddrFlags(out: IpOutput, ifa: IfAddrMsg, ifaFlags: number): void {
  let flags = ifaFlags >>> 0;
  for (const [flagName, mask] of IFA_FLAG_DATA) {
    if (mask === IFA_F.PERMANENT) {
      if (!(flags & mask)) out.any('dynamic', 'dynamic ', true);
    } else if (flags & mask) {
      if (mask === IFA_F.SECONDARY && ifa.family === AF.INET6) {
        out.any('temporary', 'temporary ', true);
      } else {
        out.fp(`${flagName} `);
        out.field(flagName, true);
      }
    }
    flags = (flags & ~mask) >>> 0;
  }
  if (flags) {
    const hex = flags.toString(16).padStart(2, '0');
    if (out.json) out.field('ifa_flags', hex);
    else out.fp(`flags ${hex} `);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
