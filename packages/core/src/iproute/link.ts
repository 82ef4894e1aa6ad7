/**
 * A link as `ip link show`, `ip address show` and `ip monitor` print it: iproute2 6.1's
 * `print_linkinfo()` without `-details`, `-stats` or `-brief`, in text and in `-json`.
 */
import { type Nlattr, nla, walkAttrs } from '../wire/attrs';
import { NLA_F_NESTED, NLMSG_HDRLEN } from '../wire/constants';
import { RTM } from '../wire/generated';
import { IFF, IFLA } from '../wire/generated/rt-link';
import { decodeIfInfoMsg, IFINFOMSG_LEN, type IfInfoMsg } from '../wire/headers';
import { readHeader } from '../wire/nlmsg';
import { type AttrTable, assertLength, attrTable, messageAttrs, plainType, str, u8, u32 } from './attrs';
import { formatLinkAddress } from './format';
import type { LinkNames } from './link-names';
import { groupName, LINK_FLAG_ORDER, LINKMODE_NAMES, linkTypeName, OPERSTATE_NAMES } from './names';
import { IpOutput, type JsonObject } from './output';

/** What the command prints beyond the common fields (iproute2's `do_link` and `filter.showqueue`). */
export interface LinkView {
  /**
   * `ip link` (iproute2's `do_link`) prints IFLA_LINKMODE (`mode DEFAULT`) and IFLA_IFALIAS
   * (`alias ...`); `ip address` and `ip monitor` do not.
   */
  readonly ipLink: boolean;
  /** `qlen N`: `ip link` and `ip address` print IFLA_TXQLEN (when not 0), `ip monitor` does not. */
  readonly qlen: boolean;
  /** The `    link/ether ...` line: left out by `ip -4|-6 address` (a family filter). */
  readonly linkLayer: boolean;
}

/** `ip link show`. */
export const LINK_SHOW: LinkView = { ipLink: true, qlen: true, linkLayer: true };
/** The link lines of `ip address show`. */
export const ADDRESS_SHOW_LINK: LinkView = { ipLink: false, qlen: true, linkLayer: true };
/** A link notification in `ip monitor`. */
export const MONITOR_LINK: LinkView = { ipLink: false, qlen: false, linkLayer: true };

// IFLA_PROTO_DOWN_REASON_VALUE inside IFLA_PROTO_DOWN_REASON.
const IFLA_PROTO_DOWN_REASON_VALUE = 2;

/**
 * `ip link show` for one RTM_NEWLINK (or RTM_DELLINK, with `Deleted `) message: its two lines,
 * each ending in a newline. `links` names the ifindexes of IFLA_LINK and IFLA_MASTER.
 */
export function printLink(message: Uint8Array, links: LinkNames): string {
  return formatLink(message, links, LINK_SHOW, false).toString();
}

/** The object `ip -json link show` prints for one link message. */
export function linkJson(message: Uint8Array, links: LinkNames): JsonObject {
  return formatLink(message, links, LINK_SHOW, true).root;
}

/** `print_linkinfo()` into a new output, for the command `view` describes. */
export function formatLink(message: Uint8Array, links: LinkNames, view: LinkView, json: boolean): IpOutput {
  const out = new IpOutput(json);
  writeLink(out, message, links, view);
  return out;
}

/** The ifinfomsg of a link message (throws on anything else). */
export function linkHeader(message: Uint8Array): IfInfoMsg {
  const { type } = readHeader(message);
  if (type !== RTM.NEWLINK && type !== RTM.DELLINK) throw new TypeError(`not a link message (type ${type})`);
  assertLength(message, IFINFOMSG_LEN, 'link');
  return decodeIfInfoMsg(message, NLMSG_HDRLEN);
}

/** `print_linkinfo()` (not brief, no details, no stats) into `out`. */
export function writeLink(out: IpOutput, message: Uint8Array, links: LinkNames, view: LinkView): void {
  const ifi = linkHeader(message);
  // print_linkinfo() parses with parse_rtattr_flags(..., NLA_F_NESTED).
  const tb = messageAttrs(message, IFINFOMSG_LEN, NLA_F_NESTED);
  const name = tb[IFLA.IFNAME] ? str(tb[IFLA.IFNAME]) : `if${ifi.index >>> 0}`;

  if (readHeader(message).type === RTM.DELLINK) out.any('deleted', 'Deleted ', true);
  out.any('ifindex', `${ifi.index}: `, ifi.index);
  const mDown = writeNameAndLink(out, name, tb, links);
  writeLinkFlags(out, ifi.flags, mDown);

  if (tb[IFLA.MTU]) out.any('mtu', `mtu ${u32(tb[IFLA.MTU])} `, s32(tb[IFLA.MTU]));
  // An attached XDP program (IFLA_XDP_ATTACHED other than XDP_ATTACHED_NONE) is not printed: see the README.
  if (tb[IFLA.QDISC]) out.any('qdisc', `qdisc ${str(tb[IFLA.QDISC])} `, str(tb[IFLA.QDISC]));
  if (tb[IFLA.MASTER]) {
    const master = links.name(u32(tb[IFLA.MASTER]));
    out.any('master', `master ${master} `, master);
  }
  if (tb[IFLA.OPERSTATE]) writeOperstate(out, u8(tb[IFLA.OPERSTATE]));
  if (view.ipLink && tb[IFLA.LINKMODE]) {
    const mode = u8(tb[IFLA.LINKMODE]);
    const modeName = LINKMODE_NAMES[mode];
    if (modeName === undefined) out.any('linkmode_index', `mode ${mode} `, mode);
    else out.any('linkmode', `mode ${modeName} `, modeName);
  }
  if (tb[IFLA.GROUP]) {
    const group = groupName(u32(tb[IFLA.GROUP]));
    out.any('group', `group ${group} `, group);
  }
  if (view.qlen) {
    // Without IFLA_TXQLEN (IPv6 link messages) iproute2 asks the kernel with SIOCGIFTXQLEN; the
    // printers ask `links`, which knows it from an ordinary link message.
    const qlen = tb[IFLA.TXQLEN] ? s32(tb[IFLA.TXQLEN]) : (links.txqlen(ifi.index) ?? 0) | 0;
    if (qlen) out.any('txqlen', `qlen ${qlen}`, qlen);
  }
  if (tb[IFLA.EVENT]) writeLinkEvent(out, u32(tb[IFLA.EVENT]));

  if (view.linkLayer) {
    out.nl();
    const linkType = linkTypeName(ifi.type);
    out.any('link_type', `    link/${linkType} `, linkType);
    const address = tb[IFLA.ADDRESS];
    if (address) {
      const text = formatLinkAddress(address.data, ifi.type);
      out.any('address', text, text);
    }
    if (tb[IFLA.BROADCAST]) {
      if (ifi.flags & IFF.POINT_TO_POINT) {
        out.fp(' peer ');
        out.field('link_pointtopoint', true);
      } else {
        out.fp(' brd ');
      }
      const text = formatLinkAddress((tb[IFLA.BROADCAST] as Nlattr).data, ifi.type);
      out.any('broadcast', text, text);
    }
    const perm = tb[IFLA.PERM_ADDRESS];
    if (perm && (!address || !sameBytes(address.data, perm.data))) {
      out.fp(' permaddr ');
      const text = formatLinkAddress(perm.data, ifi.type);
      out.any('permaddr', text, text);
    }
  }

  if (tb[IFLA.LINK_NETNSID]) {
    const id = s32(tb[IFLA.LINK_NETNSID]);
    // iproute2 names the namespace when /run/netns has one with that id; a message cannot say.
    if (out.json) out.field('link_netnsid', id);
    else out.fp(id >= 0 ? ` link-netnsid ${id}` : ' link-netnsid unknown');
  }
  if (tb[IFLA.NEW_NETNSID]) out.fp(` new-netnsid ${s32(tb[IFLA.NEW_NETNSID])}`);
  if (tb[IFLA.NEW_IFINDEX]) out.fp(` new-ifindex ${s32(tb[IFLA.NEW_IFINDEX])}`);
  if (tb[IFLA.PROTO_DOWN]) writeProtoDown(out, tb);

  if (view.ipLink && tb[IFLA.IFALIAS]) {
    out.fp('\n    ');
    const alias = str(tb[IFLA.IFALIAS]);
    out.any('ifalias', `alias ${alias}`, alias);
  }

  const props = tb[IFLA.PROP_LIST];
  if (props) {
    out.openArray('altnames');
    for (const attr of attrList(props)) {
      if (attr.type !== IFLA.ALT_IFNAME || !plainType(attr)) continue;
      out.fp('\n    altname ');
      const alt = nla.string(attr);
      out.any(null, alt, alt);
    }
    out.closeArray();
  }
  out.fp('\n');
}

/** `print_name_and_link()`: `name@peer` (or `@NONE`); returns whether to print `M-DOWN`. */
function writeNameAndLink(out: IpOutput, name: string, tb: AttrTable, links: LinkNames): boolean {
  let shown = name;
  let mDown = false;
  if (tb[IFLA.LINK]) {
    const iflink = u32(tb[IFLA.LINK]);
    if (iflink) {
      if (tb[IFLA.LINK_NETNSID]) {
        // The peer lives in another namespace: its ifindex means nothing here.
        if (out.json) out.field('link_index', iflink | 0);
        else shown = `${name}@if${iflink}`;
      } else {
        const link = links.name(iflink);
        if (out.json) out.field('link', link);
        else shown = `${name}@${link}`;
        mDown = !(links.flags(iflink) & IFF.UP);
      }
    } else if (out.json) {
      out.field('link', null);
    } else {
      shown = `${name}@NONE`;
    }
  }
  out.any('ifname', `${shown}: `, name);
  return mDown;
}

/** `print_link_flags()`: `<NO-CARRIER,BROADCAST,...,UP,LOWER_UP,M-DOWN> `. */
function writeLinkFlags(out: IpOutput, ifiFlags: number, mDown: boolean): void {
  let flags = ifiFlags >>> 0;
  out.openArray('flags', '<');
  if (flags & IFF.UP && !(flags & IFF.RUNNING)) out.any(null, flags ? 'NO-CARRIER,' : 'NO-CARRIER', 'NO-CARRIER');
  flags &= ~IFF.RUNNING;
  for (const [flagName, bit] of LINK_FLAG_ORDER) {
    if (!(flags & bit)) continue;
    flags &= ~bit;
    out.any(null, flags ? `${flagName},` : flagName, flagName);
  }
  if (flags) out.any(null, (flags >>> 0).toString(16), (flags >>> 0).toString(16));
  if (mDown) out.any(null, ',M-DOWN', 'M-DOWN');
  out.closeArray('> ');
}

/** `print_operstate()`. */
function writeOperstate(out: IpOutput, state: number): void {
  const stateName = OPERSTATE_NAMES[state];
  if (stateName === undefined) {
    if (out.json) out.field('operstate_index', state);
    else out.fp(`state 0x${state.toString(16)}`);
  } else {
    out.any('operstate', `state ${stateName} `, stateName);
  }
}

const LINK_EVENTS = [
  'NONE',
  'REBOOT',
  'FEATURE CHANGE',
  'BONDING FAILOVER',
  'NOTIFY PEERS',
  'RESEND IGMP',
  'BONDING OPTION',
];

/** `print_link_event()`. */
function writeLinkEvent(out: IpOutput, event: number): void {
  const eventName = LINK_EVENTS[event];
  if (eventName === undefined) out.any('event', `event ${event | 0} `, event | 0);
  else if (event) out.any('event', `event ${eventName} `, eventName);
}

/** `print_proto_down()`, without reason names (iproute2 reads them from /etc/iproute2/protodown_reasons.d). */
function writeProtoDown(out: IpOutput, tb: AttrTable): void {
  if (tb[IFLA.PROTO_DOWN] && u8(tb[IFLA.PROTO_DOWN])) out.any('proto_down', ' protodown on ', true);
  const reasons = tb[IFLA.PROTO_DOWN_REASON];
  if (!reasons) return;
  const value = attrTable(reasons.data)[IFLA_PROTO_DOWN_REASON_VALUE];
  let reason = value ? u32(value) : 0;
  if (!reason) return;
  out.openArray('proto_down_reason', 'protodown_reason <');
  let first = true;
  for (let bit = 0; reason; bit++, reason >>>= 1) {
    if (!(reason & 1)) continue;
    out.any(null, first ? `${bit}` : `,${bit}`, String(bit));
    first = false;
  }
  out.closeArray('>');
}

function attrList(nest: Nlattr): Nlattr[] {
  return walkAttrs(nest.data, 0, nest.data.length).attrs;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function s32(attr: Nlattr | undefined): number {
  return u32(attr) | 0;
}
