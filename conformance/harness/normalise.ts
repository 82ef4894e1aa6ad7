/**
 * From raw reply datagrams to comparable views: every message becomes an ordered list of named
 * fields with readable values (`errno: EPERM`, `attr ifname: "lo"`), after the rules of
 * `rules.ts`. Both sides go through the same code; the rules are the only place where what
 * differs by nature is hidden.
 */
import { Buffer } from 'node:buffer';
import {
  type AttrNode,
  type AttrSet,
  type AttrSpec,
  addrAttrs,
  decodeIfAddrMsg,
  decodeIfInfoMsg,
  decodeMessage,
  decodeRtMsg,
  errnoName,
  IFF,
  linkAttrs,
  messagesOf,
  NLM_F,
  NLMSG,
  NLMSG_HDRLEN,
  NLMSGERR_ATTR,
  type NlMsgHeader,
  nlmsgAlign,
  RTM,
  readHeader,
  routeAttrs,
  rtLink,
  walkAttrs,
} from '@rtnlkit/core';
import { type ExchangeRecord, headersOf } from './client';
import { type Plan, STATE_SEQ } from './plan';
import {
  type AttrPath,
  type Coverage,
  continuesDump,
  hasCoveredInside,
  isCovered,
  MAC_ATTRIBUTES,
  type MessageFamily,
  MODEL_COVERAGE,
  macPlaceholder,
  maskStatistics,
  maskTimestamps,
  portPlaceholder,
  STATISTICS_ATTRIBUTES,
  seqPlaceholder,
  TIMESTAMP_ATTRIBUTES,
} from './rules';
import { STATE_KINDS } from './types';

export type Side = 'kernel' | 'rtnlkit';

/** One reply message, normalised: its fields in order, and a one-line summary for listings. */
export interface ReplyView {
  fields: [string, string][];
  summary: string;
}

/** Placeholders are per side and per scenario run: the same MAC is the same `<mac #n>` everywhere in it. */
export interface ViewContext {
  side: Side;
  seqs: ReadonlyMap<number, string>;
  ports: Map<number, string>;
  macs: Map<string, string>;
  coverage: Coverage;
}

export function newContext(
  side: Side,
  seqs: ReadonlyMap<number, string>,
  coverage: Coverage = MODEL_COVERAGE,
): ViewContext {
  return { side, seqs, ports: new Map(), macs: new Map(), coverage };
}

/** Names for every sequence number a plan's requests carry (rule 2), first carrier wins. */
export function seqNames(plan: Pick<Plan, 'setup' | 'steps'>): Map<number, string> {
  const names = new Map<number, string>();
  const add = (prefix: string, datagrams: readonly string[]) => {
    for (const [i, hex] of datagrams.entries()) {
      for (const [j, h] of headersOf(Buffer.from(hex, 'hex')).entries()) {
        if (!names.has(h.seq)) names.set(h.seq, `${prefix} ${i + 1} msg ${j + 1}`);
      }
    }
  };
  add('setup', plan.setup);
  add('step', plan.steps);
  for (const kind of STATE_KINDS) names.set(STATE_SEQ[kind], `state ${kind}`);
  return names;
}

const NLMSG_NAMES: Record<number, string> = { 1: 'NLMSG_NOOP', 2: 'NLMSG_ERROR', 3: 'NLMSG_DONE', 4: 'NLMSG_OVERRUN' };
const RTM_NAMES = new Map<number, string>(Object.entries(RTM).map(([name, value]) => [value, `RTM_${name}`]));

export function typeName(type: number): string {
  return NLMSG_NAMES[type] ?? RTM_NAMES.get(type) ?? `type ${type}`;
}

const LOW_FLAGS: [number, string][] = [
  [NLM_F.REQUEST, 'REQUEST'],
  [NLM_F.MULTI, 'MULTI'],
  [NLM_F.ACK, 'ACK'],
  [NLM_F.ECHO, 'ECHO'],
  [NLM_F.DUMP_INTR, 'DUMP_INTR'],
  [NLM_F.DUMP_FILTERED, 'DUMP_FILTERED'],
];

/** The high flag bits mean different things per message kind. */
function highFlags(type: number): [number, string][] {
  if (type === NLMSG.ERROR) {
    return [
      [NLM_F.CAPPED, 'CAPPED'],
      [NLM_F.ACK_TLVS, 'ACK_TLVS'],
    ];
  }
  if (type === NLMSG.DONE) return [[NLM_F.ACK_TLVS, 'ACK_TLVS']];
  if (type < 16) return [];
  switch ((type - 16) & 3) {
    case 0:
      return [
        [NLM_F.REPLACE, 'REPLACE'],
        [NLM_F.EXCL, 'EXCL'],
        [NLM_F.CREATE, 'CREATE'],
        [NLM_F.APPEND, 'APPEND'],
      ];
    case 1:
      return [
        [NLM_F.NONREC, 'NONREC'],
        [NLM_F.BULK, 'BULK'],
      ];
    case 2:
      return [
        [NLM_F.ROOT, 'ROOT'],
        [NLM_F.MATCH, 'MATCH'],
        [NLM_F.ATOMIC, 'ATOMIC'],
      ];
    default:
      return [];
  }
}

export function flagNames(type: number, flags: number): string {
  if (flags === 0) return '0';
  const names: string[] = [];
  let rest = flags;
  for (const [bit, name] of [...LOW_FLAGS, ...highFlags(type)]) {
    if (rest & bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest) names.push(`0x${rest.toString(16)}`);
  return names.join('|');
}

/** `EPERM` for a negative errno as carried in an NLMSG_ERROR or NLMSG_DONE; `0` for success. */
export function errnoText(code: number): string {
  if (code === 0) return '0';
  if (code > 0) return `+${code} (not a negative errno)`;
  return errnoName(-code) ?? `errno ${-code}`;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function headerText(h: NlMsgHeader): string {
  return `len=${h.len} type=${typeName(h.type)} flags=${flagNames(h.type, h.flags)} seq=${h.seq} pid=${h.pid}`;
}

/** The views of every message of a record's datagrams, in order. */
export function viewRecord(record: ExchangeRecord, ctx: ViewContext): ReplyView[] {
  const views: ReplyView[] = [];
  let previous: NlMsgHeader | undefined;
  for (const datagramHex of record.datagrams) {
    const datagram = Buffer.from(datagramHex, 'hex');
    let first = true;
    let consumed = 0;
    for (const msg of messagesOf(datagram)) {
      const { header } = msg;
      const starts = first && !continuesDump(previous, header);
      views.push(viewMessage(msg.bytes, header, starts, record.port, ctx));
      consumed = msg.offset + Math.min(nlmsgAlign(header.len), datagram.length - msg.offset);
      previous = header;
      first = false;
    }
    if (consumed < datagram.length) {
      views.push({
        fields: [['malformed datagram tail', hex(datagram.subarray(consumed))]],
        summary: `${datagram.length - consumed} bytes that are no netlink message`,
      });
    }
  }
  return views;
}

function viewMessage(bytes: Uint8Array, header: NlMsgHeader, starts: boolean, ownPort: number, ctx: ViewContext) {
  const fields: [string, string][] = [
    ['datagram', starts ? 'new' : 'same'],
    ['type', typeName(header.type)],
    ['flags', flagNames(header.type, header.flags)],
    ['seq', seqPlaceholder(header.seq, ctx.seqs)],
    ['pid', portPlaceholder(header.pid, ownPort, ctx.ports)],
  ];
  const flags = header.flags ? ` flags=${flagNames(header.type, header.flags)}` : '';
  const seq = ` seq=${seqPlaceholder(header.seq, ctx.seqs)}`;
  let summary = `${typeName(header.type)}${flags}${seq}`;
  const payload = bytes.subarray(NLMSG_HDRLEN, header.len);
  if (header.type === NLMSG.ERROR && payload.length >= 4) {
    const code = Buffer.from(payload).readInt32LE(0);
    summary = `${typeName(header.type)} errno=${errnoText(code)}${flags}${seq}`;
    fields.push(['errno', errnoText(code)], ...errorFields(bytes, header));
  } else if (header.type === NLMSG.DONE && payload.length >= 4) {
    const code = Buffer.from(payload).readInt32LE(0);
    summary = `${typeName(header.type)} errno=${errnoText(code)}${flags}${seq}`;
    fields.push(['errno', errnoText(code)]);
    const rest = bytes.subarray(NLMSG_HDRLEN + 4, header.len);
    if (header.flags & NLM_F.ACK_TLVS) fields.push(...tlvFields(rest));
    else if (rest.length > 0) fields.push(['trailing bytes', hex(rest)]);
  } else {
    const family = familyOf(header.type);
    const layout = family && fixedHeader(family, bytes);
    if (family && layout) fields.push(...layout, ...attributeFields(family, bytes, ctx));
    else if (payload.length > 0) fields.push(['payload', hex(payload)]);
  }
  return { fields, summary };
}

/** What follows the errno of an NLMSG_ERROR: the echoed request, then extack TLVs if flagged. */
function errorFields(bytes: Uint8Array, header: NlMsgHeader): [string, string][] {
  const at = NLMSG_HDRLEN + 4;
  if (header.len < at + NLMSG_HDRLEN) return [['echoed request', hex(bytes.subarray(at, header.len))]];
  const echoed = readHeader(bytes, at);
  const fields: [string, string][] = [['echoed header', headerText(echoed)]];
  const echoLen = header.flags & NLM_F.CAPPED ? NLMSG_HDRLEN : Math.min(echoed.len, header.len - at);
  if (echoLen > NLMSG_HDRLEN) fields.push(['echoed payload', hex(bytes.subarray(at + NLMSG_HDRLEN, at + echoLen))]);
  const rest = bytes.subarray(Math.min(at + nlmsgAlign(echoLen), header.len), header.len);
  if (header.flags & NLM_F.ACK_TLVS) fields.push(...tlvFields(rest));
  else if (rest.length > 0) fields.push(['trailing bytes', hex(rest)]);
  return fields;
}

function tlvFields(buf: Uint8Array): [string, string][] {
  const fields: [string, string][] = [];
  const { attrs, leftover } = walkAttrs(buf, 0, buf.length);
  for (const attr of attrs) {
    if (attr.type === NLMSGERR_ATTR.MSG) fields.push(['extack', stringValue(attr.data)]);
    else if (attr.type === NLMSGERR_ATTR.OFFS && attr.data.length === 4) {
      fields.push(['extack offset', String(Buffer.from(attr.data).readUInt32LE(0))]);
    } else fields.push([`extack tlv ${attr.type}`, hex(attr.data)]);
  }
  if (leftover > 0) fields.push(['trailing bytes', hex(buf.subarray(buf.length - leftover))]);
  return fields;
}

function familyOf(type: number): MessageFamily | undefined {
  if (type >= RTM.NEWLINK && type <= RTM.SETLINK) return 'link';
  if (type >= RTM.NEWADDR && type <= RTM.GETADDR) return 'address';
  if (type >= RTM.NEWROUTE && type <= RTM.GETROUTE) return 'route';
  return undefined;
}

const SETS: Record<MessageFamily, AttrSet> = { link: linkAttrs, address: addrAttrs, route: routeAttrs };
const HEADER_LEN: Record<MessageFamily, number> = { link: 16, address: 8, route: 12 };

function iffNames(flags: number): string {
  const names = Object.entries(IFF)
    .filter(([, bit]) => flags & bit)
    .map(([name]) => name);
  return `0x${flags.toString(16)}${names.length ? ` (${names.join('|')})` : ''}`;
}

/** The fixed family header's fields, or undefined when the message is too short to hold it. */
function fixedHeader(family: MessageFamily, bytes: Uint8Array): [string, string][] | undefined {
  if (bytes.length < NLMSG_HDRLEN + HEADER_LEN[family]) return undefined;
  switch (family) {
    case 'link': {
      const m = decodeIfInfoMsg(bytes, NLMSG_HDRLEN);
      return [
        ['ifinfomsg family', String(m.family)],
        ['ifinfomsg type', String(m.type)],
        ['ifinfomsg index', String(m.index)],
        ['ifinfomsg flags', iffNames(m.flags)],
        ['ifinfomsg change', `0x${m.change.toString(16)}`],
      ];
    }
    case 'address': {
      const m = decodeIfAddrMsg(bytes, NLMSG_HDRLEN);
      return [
        ['ifaddrmsg family', String(m.family)],
        ['ifaddrmsg prefixlen', String(m.prefixlen)],
        ['ifaddrmsg flags', `0x${m.flags.toString(16)}`],
        ['ifaddrmsg scope', String(m.scope)],
        ['ifaddrmsg index', String(m.index)],
      ];
    }
    case 'route': {
      const m = decodeRtMsg(bytes, NLMSG_HDRLEN);
      return [
        ['rtmsg family', String(m.family)],
        ['rtmsg dst_len', String(m.dstLen)],
        ['rtmsg src_len', String(m.srcLen)],
        ['rtmsg tos', String(m.tos)],
        ['rtmsg table', String(m.table)],
        ['rtmsg protocol', String(m.protocol)],
        ['rtmsg scope', String(m.scope)],
        ['rtmsg type', String(m.type)],
        ['rtmsg flags', `0x${m.flags.toString(16)}`],
      ];
    }
  }
}

function attributeFields(family: MessageFamily, bytes: Uint8Array, ctx: ViewContext): [string, string][] {
  const message = decodeMessage(bytes);
  const fields: [string, string][] = [];
  const headerEnd = NLMSG_HDRLEN + nlmsgAlign(HEADER_LEN[family]);
  if (message.fixed.length > headerEnd - NLMSG_HDRLEN) {
    // The attributes did not parse as a whole run: compare the bytes.
    fields.push(['unparsed attributes', hex(message.fixed.subarray(headerEnd - NLMSG_HDRLEN))]);
    return fields;
  }
  const order: string[] = [];
  walkNodes(family, message.attrs, SETS[family], '', ctx, fields, order);
  if (order.length > 1) fields.push(['attr order', order.join(', ')]);
  return fields;
}

/** The set a nest's children belong to: the spec's nested set, or the sub-message chosen by `kind`. */
function childSet(spec: AttrSpec | undefined, kind: string | undefined): AttrSet | undefined {
  if (!spec) return undefined;
  if (spec.nested) return spec.nested();
  if (spec.subMessage && kind) {
    return rtLink.rtLinkSubMessages[spec.subMessage]?.[kind];
  }
  return undefined;
}

function walkNodes(
  family: MessageFamily,
  nodes: readonly AttrNode[],
  set: AttrSet | undefined,
  prefix: string,
  ctx: ViewContext,
  fields: [string, string][],
  order: string[],
): void {
  const coverage = ctx.coverage[family];
  const seen = new Map<string, number>();
  const kindNode = nodes.find((n) => set?.byType[n.type]?.name === 'kind' && n.data);
  const kind = kindNode?.data ? stringText(kindNode.data) : undefined;
  for (const node of nodes) {
    const spec = set?.byType[node.type];
    const path = `${prefix}${spec?.name ?? `#${node.type}`}`;
    const count = (seen.get(path) ?? 0) + 1;
    seen.set(path, count);
    const key = `attr ${path}${count > 1 ? `[${count}]` : ''}`;
    const covered = node.children ? hasCoveredInside(path, coverage) : isCovered(path, coverage);
    if (!covered) {
      // Rule 7: Linux's uncovered attributes are dropped; rtnlkit sending one is a difference.
      if (ctx.side === 'rtnlkit') {
        fields.push([
          key,
          'sent by rtnlkit but not covered (add it to MODEL_COVERAGE in conformance/harness/rules.ts)',
        ]);
        order.push(key.slice(5));
      }
      continue;
    }
    order.push(key.slice(5));
    if (node.children) {
      fields.push([key, node.nestedFlag ? 'nest' : 'nest without NLA_F_NESTED']);
      walkNodes(family, node.children, childSet(spec, kind), `${path}.`, ctx, fields, order);
      continue;
    }
    fields.push([key, leafValue(family, path, node, spec, ctx)]);
  }
}

function leafValue(
  family: MessageFamily,
  path: AttrPath,
  node: AttrNode,
  spec: AttrSpec | undefined,
  ctx: ViewContext,
): string {
  const data = node.data ?? new Uint8Array(0);
  // Rules 4 to 6 replace values that differ by nature.
  if (MAC_ATTRIBUTES[family]?.includes(path)) {
    const placeholder = macPlaceholder(data, ctx.macs);
    if (placeholder) return placeholder;
  }
  if (STATISTICS_ATTRIBUTES[family]?.includes(path)) return maskStatistics(data);
  if (TIMESTAMP_ATTRIBUTES[family]?.includes(path)) return maskTimestamps(family, data);
  const text = renderValue(data, spec, node.netByteOrder);
  const flagged = [node.nestedFlag ? 'NLA_F_NESTED' : '', node.netByteOrder ? 'NLA_F_NET_BYTEORDER' : ''].filter(
    Boolean,
  );
  return flagged.length ? `${text} (${flagged.join(', ')})` : text;
}

const decoder = new TextDecoder();

function stringText(data: Uint8Array): string {
  const nul = data.indexOf(0);
  return decoder.decode(nul === -1 ? data : data.subarray(0, nul));
}

/** A string attribute: its text, and whether the NUL the kernel puts at the end is there. */
function stringValue(data: Uint8Array): string {
  const terminated = data.length > 0 && data[data.length - 1] === 0;
  const text = JSON.stringify(decoder.decode(terminated ? data.subarray(0, -1) : data));
  return terminated ? text : `${text} (no NUL)`;
}

const INT_SIZES: Partial<Record<string, number>> = { u8: 1, u16: 2, u32: 4, u64: 8, s8: 1, s16: 2, s32: 4, s64: 8 };

function renderValue(data: Uint8Array, spec: AttrSpec | undefined, netByteOrder: boolean): string {
  if (!spec) return data.length ? hex(data) : '(empty)';
  const buf = Buffer.from(data);
  const bigEndian = netByteOrder || spec.bigEndian === true;
  const signed = spec.nla.startsWith('s');
  const size = INT_SIZES[spec.nla] ?? (spec.nla === 'uint' || spec.nla === 'sint' ? data.length : undefined);
  if (size !== undefined && data.length === size && [1, 2, 4, 8].includes(size)) {
    if (size === 8) {
      const n = signed
        ? bigEndian
          ? buf.readBigInt64BE(0)
          : buf.readBigInt64LE(0)
        : bigEndian
          ? buf.readBigUInt64BE(0)
          : buf.readBigUInt64LE(0);
      return String(n);
    }
    const n = signed
      ? bigEndian
        ? buf.readIntBE(0, size)
        : buf.readIntLE(0, size)
      : bigEndian
        ? buf.readUIntBE(0, size)
        : buf.readUIntLE(0, size);
    return String(n);
  }
  if (spec.nla === 'string' || spec.nla === 'nul-string') return stringValue(data);
  if (spec.nla === 'flag' && data.length === 0) return 'flag';
  if (spec.displayHint === 'ipv4' && data.length === 4) return [...data].join('.');
  if (spec.displayHint === 'mac') return [...data].map((b) => b.toString(16).padStart(2, '0')).join(':');
  return data.length ? hex(data) : '(empty)';
}
