/**
 * Attribute validation and parsing like the kernel's `__nla_validate_parse` / `validate_nla`
 * (lib/nlattr.c): the same checks, in the same order, with the same errno and extack messages,
 * selected by the same NL_VALIDATE_* bits. Errors are thrown as {@link ErrnoError}s carrying the
 * offending attribute's offset from the start of the message (NLMSGERR_ATTR_OFFS).
 */
import { Errno, ErrnoError } from '../errno';
import type { AttrSet, AttrSpec, NlaType } from './attr-types';
import { type Nlattr, walkAttrs } from './attrs';
import { NLA_HDRLEN, NLMSG_HDRLEN, nlmsgAlign } from './constants';
import { readHeader, viewOf } from './nlmsg';

/** `enum netlink_validation`. */
export const NL_VALIDATE = {
  LIBERAL: 0,
  TRAILING: 1 << 0,
  MAXTYPE: 1 << 1,
  UNSPEC: 1 << 2,
  STRICT_ATTRS: 1 << 3,
  NESTED: 1 << 4,
  /** nla_parse_deprecated_strict(): what old dump-request validation uses. */
  DEPRECATED_STRICT: (1 << 0) | (1 << 1),
  /** nla_parse() / nlmsg_parse(): everything. */
  STRICT: (1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4),
} as const;

export const MAX_POLICY_RECURSION_DEPTH = 10;

/** nla_attr_len[]: integer types whose length must be exact. */
const EXACT_LEN: Partial<Record<NlaType, number>> = { u8: 1, u16: 2, u32: 4, u64: 8, s8: 1, s16: 2, s32: 4, s64: 8 };
/** nla_attr_minlen[]. */
const MIN_LEN: Partial<Record<NlaType, number>> = { ...EXACT_LEN, uint: 4, sint: 4, bitfield32: 8 };

const UNSPEC: AttrSpec = { name: 'unspec', type: 0, nla: 'unspec' };

/** The parsed attributes of one set: `tb[type]` like the kernel (last one wins), plus every one seen. */
export class ParsedAttrs {
  /** Indexed by type; the last occurrence of each known type. */
  readonly tb: (Nlattr | undefined)[] = [];
  /** Every attribute in order, known or not (unknown ones are the raw TLVs kept in liberal mode). */
  readonly all: Nlattr[] = [];
  /** A non-fatal extack message (e.g. "bytes leftover after parsing attributes" in liberal mode). */
  warning: string | undefined;

  constructor(readonly set: AttrSet) {}

  /** The attribute called `name` in the set, if present. */
  get(name: string): Nlattr | undefined {
    const spec = this.set.byName[name];
    return spec ? this.tb[spec.type] : undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Every occurrence of a multi-attr. */
  getAll(name: string): Nlattr[] {
    const spec = this.set.byName[name];
    return spec ? this.all.filter((a) => a.type === spec.type) : [];
  }

  /** Attributes the set does not know (type 0 or above its maxtype), kept as raw TLVs. */
  unknown(): Nlattr[] {
    return this.all.filter((a) => a.type === 0 || a.type > this.set.maxType);
  }
}

function fail(errno: number, message: string, attr?: Nlattr): never {
  throw new ErrnoError(errno, message, attr ? { offset: attr.offset } : {});
}

/** `NL_SET_ERR_MSG_ATTR_POL()`: the attribute and the policy it failed, for NLMSGERR_ATTR_POLICY. */
function failPolicy(errno: number, message: string, attr: Nlattr, policy: AttrSpec): never {
  throw new ErrnoError(errno, message, { offset: attr.offset, policy });
}

/**
 * `__nla_parse`: validates and indexes the attributes in `buf[start, end)` against `set`.
 * `base` is the offset of `buf[0]` from the start of the netlink message.
 */
export function nlaParse(
  buf: Uint8Array,
  start: number,
  end: number,
  set: AttrSet,
  validate: number,
  base = 0,
  depth = 0,
): ParsedAttrs {
  if (depth >= MAX_POLICY_RECURSION_DEPTH) fail(Errno.EINVAL, 'allowed policy recursion depth exceeded');
  const parsed = new ParsedAttrs(set);
  const { attrs, leftover } = walkAttrs(buf, start, end, base);
  for (const attr of attrs) {
    parsed.all.push(attr);
    if (attr.type === 0 || attr.type > set.maxType) {
      if (validate & NL_VALIDATE.MAXTYPE) fail(Errno.EINVAL, 'Unknown attribute type', attr);
      continue;
    }
    validateAttr(buf, attr, set.byType[attr.type] ?? UNSPEC, validate, base, depth);
    parsed.tb[attr.type] = attr;
  }
  if (leftover > 0) {
    parsed.warning = 'bytes leftover after parsing attributes';
    if (validate & NL_VALIDATE.TRAILING) fail(Errno.EINVAL, parsed.warning);
  }
  return parsed;
}

/**
 * `__nlmsg_parse`: the attributes after a message's fixed header of `hdrlen` bytes.
 * `msg` is the whole message, header included.
 */
export function nlmsgParse(msg: Uint8Array, hdrlen: number, set: AttrSet, validate: number): ParsedAttrs {
  const { len } = readHeader(msg, 0);
  if (len < NLMSG_HDRLEN + hdrlen) fail(Errno.EINVAL, 'Invalid header length');
  return nlaParse(msg, NLMSG_HDRLEN + nlmsgAlign(hdrlen), len, set, validate);
}

/** The nested attributes of `attr` (its payload) parsed against `set`. */
export function nlaParseNested(attr: Nlattr, set: AttrSet, validate: number): ParsedAttrs {
  return nlaParse(attr.data, 0, attr.data.length, set, validate, attr.offset + NLA_HDRLEN);
}

function validateAttr(
  buf: Uint8Array,
  attr: Nlattr,
  spec: AttrSpec,
  validate: number,
  base: number,
  depth: number,
): void {
  const attrlen = attr.data.length;
  const exact = EXACT_LEN[spec.nla];
  if (exact !== undefined && attrlen !== exact && validate & NL_VALIDATE.STRICT_ATTRS) {
    failPolicy(Errno.EINVAL, 'invalid attribute length', attr, spec);
  }
  const nestType = spec.nla === 'nested' || spec.nla === 'nested-array';
  if (validate & NL_VALIDATE.NESTED) {
    if (nestType && !attr.nested) failPolicy(Errno.EINVAL, 'NLA_F_NESTED is missing', attr, spec);
    if (!nestType && spec.nla !== 'unspec' && attr.nested)
      failPolicy(Errno.EINVAL, 'NLA_F_NESTED not expected', attr, spec);
  }
  const policyFailure = (errno: number = Errno.ERANGE): never =>
    failPolicy(errno, 'Attribute failed policy validation', attr, spec);
  switch (spec.nla) {
    case 'reject':
      if (spec.rejectMessage) fail(Errno.EINVAL, spec.rejectMessage, attr);
      policyFailure(Errno.EINVAL);
      break;
    case 'flag':
      if (attrlen > 0) policyFailure();
      break;
    case 'nul-string': {
      const minlen = spec.len ? Math.min(attrlen, spec.len + 1) : attrlen;
      if (!minlen || attr.data.subarray(0, minlen).indexOf(0) === -1) policyFailure(Errno.EINVAL);
      break;
    }
    case 'string': {
      if (attrlen < 1) policyFailure();
      if (spec.len) {
        const length = attr.data[attrlen - 1] === 0 ? attrlen - 1 : attrlen;
        if (length > spec.len) policyFailure();
      }
      break;
    }
    case 'binary':
      if (spec.len && attrlen > spec.len) policyFailure();
      break;
    case 'nested':
    case 'nested-array': {
      if (attrlen === 0) break;
      if (attrlen < NLA_HDRLEN) policyFailure();
      const nested = spec.nested?.();
      if (!nested) break;
      const start = attr.offset + NLA_HDRLEN - base;
      if (spec.nla === 'nested') {
        nlaParse(buf, start, start + attrlen, nested, validate, base, depth + 1);
      } else {
        // nla_validate_array: each element is a nest of the policy's set.
        const { attrs } = walkAttrs(buf, start, start + attrlen, base);
        for (const element of attrs) {
          const at = element.offset + NLA_HDRLEN - base;
          nlaParse(buf, at, at + element.data.length, nested, validate, base, depth + 1);
        }
      }
      break;
    }
    case 'unspec':
      if (validate & NL_VALIDATE.UNSPEC) fail(Errno.EINVAL, 'Unsupported attribute', attr);
      if (spec.len !== undefined && attrlen < spec.len) policyFailure();
      break;
    case 'uint':
    case 'sint':
      if (attrlen !== 4 && attrlen !== 8) policyFailure();
      break;
    default: {
      const minlen = spec.len || (MIN_LEN[spec.nla] ?? 0);
      if (attrlen < minlen) policyFailure();
    }
  }
  checkRange(attr, spec);
}

/** NLA_POLICY_RANGE / MIN / MAX, and min/max lengths of binaries. */
function checkRange(attr: Nlattr, spec: AttrSpec): void {
  if (spec.nla === 'binary' || spec.nla === 'string') {
    if (spec.minLen !== undefined && attr.data.length < spec.minLen) {
      failPolicy(Errno.ERANGE, 'binary attribute size out of range', attr, spec);
    }
    return;
  }
  if (spec.min === undefined && spec.max === undefined) return;
  const value = integerValue(attr, spec.nla);
  if (value === undefined) return;
  if ((spec.min !== undefined && value < BigInt(spec.min)) || (spec.max !== undefined && value > BigInt(spec.max))) {
    failPolicy(Errno.ERANGE, 'integer out of range', attr, spec);
  }
}

function integerValue(attr: Nlattr, type: NlaType): bigint | undefined {
  const v = viewOf(attr.data);
  const be = attr.netByteOrder;
  switch (type) {
    case 'u8':
      return BigInt(v.getUint8(0));
    case 'u16':
      return BigInt(v.getUint16(0, !be));
    case 'u32':
      return BigInt(v.getUint32(0, !be));
    case 'u64':
      return v.getBigUint64(0, !be);
    case 's8':
      return BigInt(v.getInt8(0));
    case 's16':
      return BigInt(v.getInt16(0, !be));
    case 's32':
      return BigInt(v.getInt32(0, !be));
    case 's64':
      return v.getBigInt64(0, !be);
    case 'uint':
      return attr.data.length === 8 ? v.getBigUint64(0, true) : BigInt(v.getUint32(0, true));
    case 'sint':
      return attr.data.length === 8 ? v.getBigInt64(0, true) : BigInt(v.getInt32(0, true));
    default:
      return undefined;
  }
}
