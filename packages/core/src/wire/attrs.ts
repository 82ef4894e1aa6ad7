/**
 * Reading attributes (`struct nlattr`: u16 len, u16 type, payload, padded to 4 bytes) and the
 * typed accessors handlers use on them, like the kernel's nla_get_*().
 */
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK, nlaAlign } from './constants';
import { viewOf } from './nlmsg';

/** One attribute as found in a message. */
export interface Nlattr {
  /** Type without the NESTED / NET_BYTEORDER bits. */
  readonly type: number;
  readonly nested: boolean;
  readonly netByteOrder: boolean;
  /** Payload (without header or padding), sharing memory with the message. */
  readonly data: Uint8Array;
  /** Where the attribute header starts, counted from the start of the netlink message. */
  readonly offset: number;
}

/**
 * The attributes in `buf[start, end)`, stopping where the kernel's `nla_for_each_attr` stops:
 * at a header that does not fit or claims a length below 4 or past the end. `base` is the
 * offset of `buf[0]` in the message, so each attribute knows its message offset.
 * Returns the attributes and how many bytes were left over unparsed.
 */
export function walkAttrs(
  buf: Uint8Array,
  start: number,
  end: number,
  base = 0,
): { attrs: Nlattr[]; leftover: number } {
  const attrs: Nlattr[] = [];
  const view = viewOf(buf);
  let pos = start;
  while (end - pos >= NLA_HDRLEN) {
    const len = view.getUint16(pos, true);
    const rawType = view.getUint16(pos + 2, true);
    if (len < NLA_HDRLEN || len > end - pos) break;
    attrs.push({
      type: rawType & NLA_TYPE_MASK,
      nested: (rawType & NLA_F_NESTED) !== 0,
      netByteOrder: (rawType & NLA_F_NET_BYTEORDER) !== 0,
      data: buf.subarray(pos + NLA_HDRLEN, pos + len),
      offset: base + pos,
    });
    pos += nlaAlign(len);
  }
  return { attrs, leftover: Math.max(0, end - pos) };
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export const nla = {
  u8: (a: Nlattr): number => a.data[0] ?? 0,
  u16: (a: Nlattr): number => viewOf(a.data).getUint16(0, !a.netByteOrder),
  u32: (a: Nlattr): number => viewOf(a.data).getUint32(0, !a.netByteOrder),
  u64: (a: Nlattr): bigint => viewOf(a.data).getBigUint64(0, true),
  s8: (a: Nlattr): number => viewOf(a.data).getInt8(0),
  s16: (a: Nlattr): number => viewOf(a.data).getInt16(0, true),
  s32: (a: Nlattr): number => viewOf(a.data).getInt32(0, true),
  s64: (a: Nlattr): bigint => viewOf(a.data).getBigInt64(0, true),
  be16: (a: Nlattr): number => viewOf(a.data).getUint16(0, false),
  be32: (a: Nlattr): number => viewOf(a.data).getUint32(0, false),
  /** NLA_UINT: 4 or 8 bytes. */
  uint: (a: Nlattr): bigint =>
    a.data.length >= 8 ? viewOf(a.data).getBigUint64(0, true) : BigInt(viewOf(a.data).getUint32(0, true)),
  /** The string up to its first NUL (or the whole payload if it has none). */
  string: (a: Nlattr): string => {
    const nul = a.data.indexOf(0);
    return decoder.decode(nul === -1 ? a.data : a.data.subarray(0, nul));
  },
  flag: (_a: Nlattr): boolean => true,
  bytes: (a: Nlattr): Uint8Array => a.data,
  /** An IPv4 address in the payload's first four bytes, dotted. */
  ipv4: (a: Nlattr): string => `${a.data[0]}.${a.data[1]}.${a.data[2]}.${a.data[3]}`,
};
