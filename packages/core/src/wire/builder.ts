/**
 * Building netlink messages: a header, a fixed family header, then attributes, nests included,
 * each padded to 4 bytes. The length fields are filled in when a nest or the message ends, like
 * nlmsg_put()/nla_nest_start()/nla_nest_end()/nlmsg_end().
 */
import { NLA_F_NESTED, NLA_HDRLEN, NLMSG_HDRLEN, nlaAlign } from './constants';

const encoder = new TextEncoder();

export class NlMsgBuilder {
  private buf: Uint8Array;
  private view: DataView;
  private len = NLMSG_HDRLEN;
  private readonly nests: number[] = [];

  constructor(
    readonly type: number,
    readonly flags: number,
    readonly seq: number,
    readonly pid: number,
    capacity = 256,
  ) {
    this.buf = new Uint8Array(Math.max(capacity, 64));
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far, header included. */
  get length(): number {
    return this.len;
  }

  /** Appends raw bytes (a fixed header such as ifinfomsg), padded to 4 bytes. */
  bytes(data: Uint8Array): this {
    const at = this.reserve(nlaAlign(data.length));
    this.buf.set(data, at);
    return this;
  }

  /** Appends `size` zeroed bytes, padded to 4, and returns a view to fill them in place. */
  space(size: number): DataView {
    const at = this.reserve(nlaAlign(size));
    return new DataView(this.buf.buffer, at, size);
  }

  attr(type: number, payload: Uint8Array): this {
    const at = this.attrHeader(type, payload.length);
    this.buf.set(payload, at + NLA_HDRLEN);
    return this;
  }

  u8(type: number, value: number): this {
    const at = this.attrHeader(type, 1);
    this.view.setUint8(at + NLA_HDRLEN, value);
    return this;
  }

  u16(type: number, value: number): this {
    const at = this.attrHeader(type, 2);
    this.view.setUint16(at + NLA_HDRLEN, value, true);
    return this;
  }

  u32(type: number, value: number): this {
    const at = this.attrHeader(type, 4);
    this.view.setUint32(at + NLA_HDRLEN, value >>> 0, true);
    return this;
  }

  s32(type: number, value: number): this {
    const at = this.attrHeader(type, 4);
    this.view.setInt32(at + NLA_HDRLEN, value, true);
    return this;
  }

  u64(type: number, value: bigint | number): this {
    const at = this.attrHeader(type, 8);
    this.view.setBigUint64(at + NLA_HDRLEN, BigInt(value), true);
    return this;
  }

  be16(type: number, value: number): this {
    const at = this.attrHeader(type, 2);
    this.view.setUint16(at + NLA_HDRLEN, value, false);
    return this;
  }

  be32(type: number, value: number): this {
    const at = this.attrHeader(type, 4);
    this.view.setUint32(at + NLA_HDRLEN, value >>> 0, false);
    return this;
  }

  /** A NUL-terminated string (nla_put_string). */
  string(type: number, value: string): this {
    const encoded = encoder.encode(value);
    const at = this.attrHeader(type, encoded.length + 1);
    this.buf.set(encoded, at + NLA_HDRLEN);
    return this;
  }

  flag(type: number): this {
    this.attrHeader(type, 0);
    return this;
  }

  /** Four address bytes from a dotted quad. */
  ipv4(type: number, address: string | Uint8Array): this {
    return this.attr(type, typeof address === 'string' ? ipv4Bytes(address) : address);
  }

  /**
   * nla_nest_start(): later attributes go inside until {@link endNest}. `flagged: false` is
   * nla_nest_start_noflag(), which older kernel code still uses (no NLA_F_NESTED on the wire).
   */
  beginNest(type: number, flagged = true): this {
    const at = this.attrHeader(flagged ? type | NLA_F_NESTED : type, 0);
    this.nests.push(at);
    return this;
  }

  /** nla_nest_end(): fixes the nest's length. */
  endNest(): this {
    const at = this.nests.pop();
    if (at === undefined) throw new Error('endNest() without beginNest()');
    this.view.setUint16(at, this.len - at, true);
    return this;
  }

  /**
   * nla_nest_cancel(): drops the innermost open nest and everything written inside it, as if it
   * had never been started (a fill that finds it has nothing to report, e.g. ENODATA).
   */
  cancelNest(): this {
    const at = this.nests.pop();
    if (at === undefined) throw new Error('cancelNest() without beginNest()');
    this.len = at;
    return this;
  }

  nest(type: number, fill: (b: this) => void): this {
    this.beginNest(type);
    fill(this);
    return this.endNest();
  }

  /** nlmsg_end(): the finished message, `length` bytes. */
  finish(): Uint8Array {
    if (this.nests.length > 0) throw new Error('finish() with an open nest');
    const v = this.view;
    v.setUint32(0, this.len, true);
    v.setUint16(4, this.type, true);
    v.setUint16(6, this.flags, true);
    v.setUint32(8, this.seq >>> 0, true);
    v.setUint32(12, this.pid >>> 0, true);
    return this.buf.subarray(0, this.len);
  }

  private attrHeader(type: number, payloadLength: number): number {
    const total = NLA_HDRLEN + payloadLength;
    const at = this.reserve(nlaAlign(total));
    this.view.setUint16(at, total, true);
    this.view.setUint16(at + 2, type, true);
    return at;
  }

  /** Grows the buffer if needed and returns where the next `size` bytes go (zeroed). */
  private reserve(size: number): number {
    const at = this.len;
    const needed = at + size;
    if (needed > this.buf.length) {
      const bigger = new Uint8Array(Math.max(needed, this.buf.length * 2));
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
      this.view = new DataView(bigger.buffer);
    }
    this.buf.fill(0, at, needed);
    this.len = needed;
    return at;
  }
}

/** "192.0.2.1" → its four bytes; throws a TypeError for anything else. */
export function ipv4Bytes(address: string): Uint8Array {
  const parts = address.split('.');
  const bytes = new Uint8Array(4);
  if (parts.length !== 4) throw new TypeError(`not an IPv4 address: ${address}`);
  parts.forEach((part, i) => {
    const n = /^\d{1,3}$/.test(part) ? Number(part) : Number.NaN;
    if (!(n >= 0 && n <= 255)) throw new TypeError(`not an IPv4 address: ${address}`);
    bytes[i] = n;
  });
  return bytes;
}
