import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Errno, ErrnoError } from '../errno';
import { type AttrSpec, defineAttrSet } from './attr-types';
import { nla } from './attrs';
import { NlMsgBuilder } from './builder';
import { NLA_F_NESTED, NLMSG_HDRLEN } from './constants';
import { MAX_POLICY_RECURSION_DEPTH, NL_VALIDATE, nlaParse, nlaParseNested, nlmsgParse } from './parse';

const inner = defineAttrSet('inner', [
  { name: 'kind', type: 1, nla: 'string', len: 15 },
  { name: 'value', type: 2, nla: 'u32', min: 1, max: 100 },
]);
const set = defineAttrSet('outer', [
  { name: 'ifname', type: 1, nla: 'string', len: 15 },
  { name: 'mtu', type: 2, nla: 'u32' },
  { name: 'flag', type: 3, nla: 'flag' },
  { name: 'info', type: 4, nla: 'nested', nested: () => inner },
  { name: 'addr', type: 5, nla: 'binary', len: 6 },
  { name: 'gone', type: 6, nla: 'reject', rejectMessage: 'attribute is gone' },
  { name: 'label', type: 7, nla: 'nul-string', len: 15 },
  { name: 'blob', type: 8, nla: 'binary', minLen: 4 },
  { name: 'small', type: 9, nla: 'u8' },
  // type 10 left out: a hole in the policy, NLA_UNSPEC
  { name: 'last', type: 11, nla: 'u16' },
]);

const HDR = 4; // a 4-byte fixed header after nlmsghdr in these messages
function message(fill: (b: NlMsgBuilder) => void) {
  const b = new NlMsgBuilder(16, 1, 1, 0).bytes(new Uint8Array(HDR));
  fill(b);
  return b.finish();
}
const ATTRS = NLMSG_HDRLEN + HDR;

function errorOf(fn: () => unknown): ErrnoError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ErrnoError) return error;
    throw error;
  }
  throw new Error('expected an ErrnoError');
}

describe('nlmsgParse', () => {
  it('indexes attributes by type and reads them with the nla accessors', () => {
    const msg = message((b) =>
      b
        .string(1, 'eth0')
        .u32(2, 1500)
        .flag(3)
        .nest(4, (n) => n.string(1, 'veth').u32(2, 7)),
    );
    const attrs = nlmsgParse(msg, HDR, set, NL_VALIDATE.STRICT);
    expect(nla.string(attrs.get('ifname') as never)).toBe('eth0');
    expect(nla.u32(attrs.get('mtu') as never)).toBe(1500);
    expect(attrs.has('flag')).toBe(true);
    const info = nlaParseNested(attrs.get('info') as never, inner, NL_VALIDATE.STRICT);
    expect(nla.string(info.get('kind') as never)).toBe('veth');
    expect(info.get('value')?.offset).toBe(ATTRS + 12 + 8 + 4 + 4 + 12);
  });

  it('rejects a message shorter than its fixed header', () => {
    const msg = new NlMsgBuilder(16, 1, 1, 0).finish();
    expect(errorOf(() => nlmsgParse(msg, HDR, set, 0))).toMatchObject({
      errno: Errno.EINVAL,
      extack: 'Invalid header length',
    });
  });

  const cases: [string, (b: NlMsgBuilder) => void, number, number, string, number | undefined][] = [
    ['unknown type (strict)', (b) => b.u32(12, 1), NL_VALIDATE.STRICT, Errno.EINVAL, 'Unknown attribute type', ATTRS],
    ['type 0 (strict)', (b) => b.u32(0, 1), NL_VALIDATE.STRICT, Errno.EINVAL, 'Unknown attribute type', ATTRS],
    [
      'u32 of 2 bytes (strict)',
      (b) => b.u16(2, 1),
      NL_VALIDATE.STRICT,
      Errno.EINVAL,
      'invalid attribute length',
      ATTRS,
    ],
    ['u32 of 2 bytes (liberal)', (b) => b.u16(2, 1), 0, Errno.ERANGE, 'Attribute failed policy validation', ATTRS],
    [
      'string too long',
      (b) => b.string(1, 'x'.repeat(16)),
      0,
      Errno.ERANGE,
      'Attribute failed policy validation',
      ATTRS,
    ],
    ['empty string', (b) => b.attr(1, new Uint8Array(0)), 0, Errno.ERANGE, 'Attribute failed policy validation', ATTRS],
    ['flag with payload', (b) => b.u8(3, 1), 0, Errno.ERANGE, 'Attribute failed policy validation', ATTRS],
    [
      'binary too long',
      (b) => b.attr(5, new Uint8Array(7)),
      0,
      Errno.ERANGE,
      'Attribute failed policy validation',
      ATTRS,
    ],
    ['rejected attribute', (b) => b.u32(6, 1), 0, Errno.EINVAL, 'attribute is gone', ATTRS],
    [
      'nul-string without NUL',
      (b) => b.attr(7, new TextEncoder().encode('abc')),
      0,
      Errno.EINVAL,
      'Attribute failed policy validation',
      ATTRS,
    ],
    [
      'binary shorter than its minimum',
      (b) => b.attr(8, new Uint8Array(3)),
      0,
      Errno.ERANGE,
      'binary attribute size out of range',
      ATTRS,
    ],
    [
      'u8 of 0 bytes',
      (b) => b.attr(9, new Uint8Array(0)),
      0,
      Errno.ERANGE,
      'Attribute failed policy validation',
      ATTRS,
    ],
    ['policy hole (strict)', (b) => b.u32(10, 1), NL_VALIDATE.STRICT, Errno.EINVAL, 'Unsupported attribute', ATTRS],
    [
      'nest without NLA_F_NESTED (strict)',
      (b) => b.attr(4, new Uint8Array(0)),
      NL_VALIDATE.STRICT,
      Errno.EINVAL,
      'NLA_F_NESTED is missing',
      ATTRS,
    ],
    [
      'NLA_F_NESTED on a u32 (strict)',
      (b) => b.u32(2 | NLA_F_NESTED, 1),
      NL_VALIDATE.STRICT,
      Errno.EINVAL,
      'NLA_F_NESTED not expected',
      ATTRS,
    ],
    [
      'integer out of range in a nest',
      (b) => b.u32(2, 5).nest(4, (n) => n.u32(2, 101)),
      0,
      Errno.ERANGE,
      'integer out of range',
      ATTRS + 8 + 4,
    ],
    [
      'unknown type in a nest (strict)',
      (b) => b.nest(4, (n) => n.u32(9, 1)),
      NL_VALIDATE.STRICT,
      Errno.EINVAL,
      'Unknown attribute type',
      ATTRS + 4,
    ],
  ];

  it.each(cases)('%s: errno, extack and offset as the kernel', (_name, fill, validate, errno, extack, offset) => {
    const error = errorOf(() => nlmsgParse(message(fill), HDR, set, validate));
    expect({ errno: error.errno, extack: error.extack, offset: error.offset }).toEqual({ errno, extack, offset });
  });

  it('keeps unknown attributes as raw TLVs in liberal mode', () => {
    const attrs = nlmsgParse(
      message((b) => b.u32(42, 7).u32(2, 9)),
      HDR,
      set,
      NL_VALIDATE.LIBERAL,
    );
    expect(attrs.unknown().map((a) => [a.type, nla.u32(a)])).toEqual([[42, 7]]);
    expect(nla.u32(attrs.get('mtu') as never)).toBe(9);
  });

  it('warns about trailing bytes in liberal mode and fails in strict mode', () => {
    const msg = message((b) => b.u32(2, 1));
    const padded = new Uint8Array(msg.length + 3);
    padded.set(msg);
    new DataView(padded.buffer).setUint32(0, padded.length, true);
    expect(nlmsgParse(padded, HDR, set, 0).warning).toBe('bytes leftover after parsing attributes');
    expect(errorOf(() => nlmsgParse(padded, HDR, set, NL_VALIDATE.STRICT)).extack).toBe(
      'bytes leftover after parsing attributes',
    );
  });

  it('keeps the last of repeated attributes in tb and all of them in getAll', () => {
    const attrs = nlmsgParse(
      message((b) => b.u32(2, 1).u32(2, 2)),
      HDR,
      set,
      0,
    );
    expect(nla.u32(attrs.get('mtu') as never)).toBe(2);
    expect(attrs.getAll('mtu').map(nla.u32)).toEqual([1, 2]);
  });

  it('stops at the recursion limit for deeply nested policies', () => {
    const deep: AttrSpec[] = [];
    const self = defineAttrSet('self', [{ name: 'nest', type: 1, nla: 'nested', nested: () => self }]);
    void deep;
    const build = (b: NlMsgBuilder, depth: number): NlMsgBuilder =>
      depth === 0 ? b : b.nest(1, (n) => build(n, depth - 1));
    const ok = message((b) => build(b, MAX_POLICY_RECURSION_DEPTH - 1));
    expect(() => nlmsgParse(ok, HDR, self, NL_VALIDATE.STRICT)).not.toThrow();
    const tooDeep = message((b) => build(b, 20));
    expect(errorOf(() => nlmsgParse(tooDeep, HDR, self, NL_VALIDATE.STRICT))).toMatchObject({
      errno: Errno.EINVAL,
      extack: 'allowed policy recursion depth exceeded',
    });
  });

  test.prop([fc.uint8Array({ maxLength: 200 }), fc.constantFrom(0, NL_VALIDATE.DEPRECATED_STRICT, NL_VALIDATE.STRICT)])(
    'never throws anything but an ErrnoError, whatever the bytes',
    (bytes, validate) => {
      try {
        nlaParse(bytes, 0, bytes.length, set, validate);
      } catch (error) {
        expect(error).toBeInstanceOf(ErrnoError);
      }
    },
  );
});
