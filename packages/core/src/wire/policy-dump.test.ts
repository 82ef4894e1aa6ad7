import { describe, expect, it } from 'vitest';
import type { AttrSpec } from './attr-types';
import { walkAttrs } from './attrs';
import { NlMsgBuilder } from './builder';
import { NL_ATTR_TYPE, NL_POLICY_TYPE_ATTR as P, writePolicyAttr } from './policy-dump';

/** The policy nest written for `spec`, as [type, value] pairs (u32 or u64 as bigint). */
function policyOf(spec: AttrSpec): [number, bigint][] | undefined {
  const b = new NlMsgBuilder(2, 0, 0, 0);
  if (!writePolicyAttr(b, spec, 4)) return undefined;
  const msg = b.finish();
  const [nest] = walkAttrs(msg, 16, msg.length, 0).attrs;
  if (!nest) throw new Error('no nest');
  expect(nest.nested).toBe(true);
  return walkAttrs(nest.data, 0, nest.data.length, 0).attrs.map((a) => {
    const v = new DataView(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    return [a.type, a.data.length === 8 ? v.getBigUint64(0, true) : BigInt(v.getUint32(0, true))];
  });
}

describe('writePolicyAttr (netlink_policy_dump_write_attr)', () => {
  it('describes integers by their full range unless the policy narrows it, the type last', () => {
    expect(policyOf({ name: 'mtu', type: 4, nla: 'u32' })).toEqual([
      [P.MIN_VALUE_U, 0n],
      [P.MAX_VALUE_U, 0xffffffffn],
      [P.TYPE, BigInt(NL_ATTR_TYPE.U32)],
    ]);
    expect(policyOf({ name: 'mode', type: 1, nla: 'u8', max: 3 })).toEqual([
      [P.MIN_VALUE_U, 0n],
      [P.MAX_VALUE_U, 3n],
      [P.TYPE, BigInt(NL_ATTR_TYPE.U8)],
    ]);
    // signed bounds travel as two's complement s64
    expect(policyOf({ name: 'x', type: 1, nla: 's16' })).toEqual([
      [P.MIN_VALUE_S, BigInt.asUintN(64, -32768n)],
      [P.MAX_VALUE_S, 32767n],
      [P.TYPE, BigInt(NL_ATTR_TYPE.S16)],
    ]);
  });

  it('describes strings and binaries by length, nests and flags by type alone', () => {
    expect(policyOf({ name: 'ifname', type: 3, nla: 'string', len: 15 })).toEqual([
      [P.MAX_LENGTH, 15n],
      [P.TYPE, BigInt(NL_ATTR_TYPE.STRING)],
    ]);
    expect(policyOf({ name: 'addr', type: 1, nla: 'binary', minLen: 6, len: 6 })).toEqual([
      [P.MIN_LENGTH, 6n],
      [P.MAX_LENGTH, 6n],
      [P.TYPE, BigInt(NL_ATTR_TYPE.BINARY)],
    ]);
    expect(policyOf({ name: 'linkinfo', type: 18, nla: 'nested', len: 5 })).toEqual([
      [P.TYPE, BigInt(NL_ATTR_TYPE.NESTED)],
    ]);
    expect(policyOf({ name: 'f', type: 1, nla: 'flag' })).toEqual([[P.TYPE, BigInt(NL_ATTR_TYPE.FLAG)]]);
  });

  it('writes nothing for the policies the kernel does not describe', () => {
    expect(policyOf({ name: 'u', type: 1, nla: 'unspec', len: 16 })).toBeUndefined();
    expect(policyOf({ name: 'r', type: 1, nla: 'reject' })).toBeUndefined();
    expect(policyOf({ name: 'cacheinfo', type: 6, nla: 'binary', minLen: 16 })).toBeUndefined();
  });
});
