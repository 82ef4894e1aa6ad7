/**
 * `netlink_policy_dump_write_attr()` (net/netlink/policy.c): one attribute's policy as the nest
 * of `NL_POLICY_TYPE_ATTR_*` the kernel puts in NLMSGERR_ATTR_POLICY when an attribute failed
 * validation, so a tool can say what would have been accepted ("expected u8 in 0..3").
 */
import type { AttrSpec } from './attr-types';
import type { NlMsgBuilder } from './builder';

/** `enum netlink_attribute_type`. */
export const NL_ATTR_TYPE = {
  INVALID: 0,
  FLAG: 1,
  U8: 2,
  U16: 3,
  U32: 4,
  U64: 5,
  S8: 6,
  S16: 7,
  S32: 8,
  S64: 9,
  BINARY: 10,
  STRING: 11,
  NUL_STRING: 12,
  NESTED: 13,
  NESTED_ARRAY: 14,
  BITFIELD32: 15,
  SINT: 16,
  UINT: 17,
} as const;

/** `enum netlink_policy_type_attr`. */
export const NL_POLICY_TYPE_ATTR = {
  UNSPEC: 0,
  TYPE: 1,
  MIN_VALUE_S: 2,
  MAX_VALUE_S: 3,
  MIN_VALUE_U: 4,
  MAX_VALUE_U: 5,
  MIN_LENGTH: 6,
  MAX_LENGTH: 7,
  POLICY_IDX: 8,
  POLICY_MAXTYPE: 9,
  BITFIELD32_MASK: 10,
  PAD: 11,
  MASK: 12,
} as const;

const U16_MAX = 0xffff;

/** Unsigned types: their attribute type and the full range `nla_get_range_unsigned()` starts from. */
const UNSIGNED: Partial<Record<AttrSpec['nla'], [number, bigint]>> = {
  u8: [NL_ATTR_TYPE.U8, 0xffn],
  u16: [NL_ATTR_TYPE.U16, 0xffffn],
  u32: [NL_ATTR_TYPE.U32, 0xffffffffn],
  u64: [NL_ATTR_TYPE.U64, 0xffffffffffffffffn],
  uint: [NL_ATTR_TYPE.UINT, 0xffffffffffffffffn],
};
/** Signed types: their attribute type and bit width (`nla_get_range_signed()`). */
const SIGNED: Partial<Record<AttrSpec['nla'], [number, bigint]>> = {
  s8: [NL_ATTR_TYPE.S8, 8n],
  s16: [NL_ATTR_TYPE.S16, 16n],
  s32: [NL_ATTR_TYPE.S32, 32n],
  s64: [NL_ATTR_TYPE.S64, 64n],
  sint: [NL_ATTR_TYPE.SINT, 64n],
};

/** `nla_put_s64()`: a signed 64-bit value in host (little-endian) order. */
function putS64(b: NlMsgBuilder, type: number, value: bigint): void {
  b.u64(type, BigInt.asUintN(64, value));
}

/**
 * Whether the kernel describes this policy at all: not NLA_UNSPEC or NLA_REJECT ("use NLA_MIN_LEN
 * to advertise such"), nor a binary with only a minimum length, which is the kernel's NLA_UNSPEC
 * with `.len` (how struct-carrying attributes such as IFA_CACHEINFO are declared).
 */
export function describesPolicy(spec: AttrSpec): boolean {
  if (spec.nla === 'unspec' || spec.nla === 'reject') return false;
  return !(spec.nla === 'binary' && spec.minLen !== undefined && spec.len === undefined);
}

/**
 * Writes the policy of `spec` as a nest of type `nestType`; returns false and writes nothing for
 * a policy the kernel does not describe ({@link describesPolicy}). Order of the inner attributes
 * as the kernel's: the limits, then the type.
 */
export function writePolicyAttr(b: NlMsgBuilder, spec: AttrSpec, nestType: number): boolean {
  const unsigned = UNSIGNED[spec.nla];
  const signed = SIGNED[spec.nla];
  let type: number;
  if (!describesPolicy(spec)) return false;
  b.beginNest(nestType);
  if (unsigned) {
    type = unsigned[0];
    b.u64(NL_POLICY_TYPE_ATTR.MIN_VALUE_U, BigInt(spec.min ?? 0));
    b.u64(NL_POLICY_TYPE_ATTR.MAX_VALUE_U, spec.max !== undefined ? BigInt(spec.max) : unsigned[1]);
  } else if (signed) {
    type = signed[0];
    const bits = signed[1];
    putS64(b, NL_POLICY_TYPE_ATTR.MIN_VALUE_S, spec.min !== undefined ? BigInt(spec.min) : -(1n << (bits - 1n)));
    putS64(b, NL_POLICY_TYPE_ATTR.MAX_VALUE_S, spec.max !== undefined ? BigInt(spec.max) : (1n << (bits - 1n)) - 1n);
  } else {
    switch (spec.nla) {
      case 'nested':
        type = NL_ATTR_TYPE.NESTED;
        break;
      case 'nested-array':
        type = NL_ATTR_TYPE.NESTED_ARRAY;
        break;
      case 'bitfield32':
        type = NL_ATTR_TYPE.BITFIELD32;
        b.u32(NL_POLICY_TYPE_ATTR.BITFIELD32_MASK, spec.bitfield32Valid ?? 0);
        break;
      case 'flag':
        type = NL_ATTR_TYPE.FLAG;
        break;
      default: {
        type =
          spec.nla === 'string'
            ? NL_ATTR_TYPE.STRING
            : spec.nla === 'nul-string'
              ? NL_ATTR_TYPE.NUL_STRING
              : NL_ATTR_TYPE.BINARY;
        if (spec.minLen !== undefined) {
          // NLA_POLICY_RANGE on a length (NLA_POLICY_EXACT_LEN and friends).
          if (spec.minLen) b.u32(NL_POLICY_TYPE_ATTR.MIN_LENGTH, spec.minLen);
          if (spec.len !== undefined && spec.len < U16_MAX) b.u32(NL_POLICY_TYPE_ATTR.MAX_LENGTH, spec.len);
        } else if (spec.len) {
          b.u32(NL_POLICY_TYPE_ATTR.MAX_LENGTH, spec.len);
        }
      }
    }
  }
  b.u32(NL_POLICY_TYPE_ATTR.TYPE, type);
  b.endNest();
  return true;
}
