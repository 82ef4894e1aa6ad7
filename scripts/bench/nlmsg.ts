/**
 * Just enough netlink framing to hand-encode requests and check reply datagrams in the scripts
 * that talk to the real kernel (fixture capture, kernel benchmark). Deliberately independent of
 * `@rtnlkit/core`'s codec: these scripts produce the reference bytes that codec is tested against,
 * so they must not share its bugs. Host byte order is little-endian on every machine we run on;
 * `assertLittleEndian` refuses the rest rather than writing wrong fixtures.
 */
import { endianness } from 'node:os';

export const NLMSG_HDRLEN = 16;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP = 0x300;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;

export const RTM_NEWLINK = 16;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_GETROUTE = 26;

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const RT_TABLE_MAIN = 254;
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const RTA_DST = 1;

/** A reply datagram that does not split into whole netlink messages. */
export class WireWalkError extends Error {
  override name = 'WireWalkError';
}

export interface NlmsgHeader {
  /** Offset of the header inside the datagram. */
  readonly offset: number;
  readonly len: number;
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
}

export function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('these scripts encode netlink in little-endian host order only');
}

export const align4 = (n: number): number => (n + 3) & ~3;

/** One netlink message; nlmsg_pid stays 0 as in iproute2 (the kernel addresses replies by socket). */
export function encodeNlmsg(type: number, flags: number, seq: number, payload: readonly Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const len = NLMSG_HDRLEN + body.length;
  const out = Buffer.alloc(align4(len));
  out.writeUInt32LE(len, 0);
  out.writeUInt16LE(type, 4);
  out.writeUInt16LE(flags, 6);
  out.writeUInt32LE(seq, 8);
  out.writeUInt32LE(0, 12);
  body.copy(out, NLMSG_HDRLEN);
  return out;
}

/** One rtattr, padded to 4 bytes (the padding is outside rta_len, as the kernel expects). */
export function encodeAttr(type: number, data: Buffer): Buffer {
  const out = Buffer.alloc(align4(4 + data.length));
  out.writeUInt16LE(4 + data.length, 0);
  out.writeUInt16LE(type, 2);
  data.copy(out, 4);
  return out;
}

/** `struct ifinfomsg` (16 bytes): family, pad, type, index, flags, change. */
export function ifinfomsg(family: number, index: number): Buffer {
  const out = Buffer.alloc(16);
  out.writeUInt8(family, 0);
  out.writeInt32LE(index, 4);
  return out;
}

/** `struct ifaddrmsg` (8 bytes): family, prefixlen, flags, scope, index. */
export function ifaddrmsg(family: number, prefixlen: number, index: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt8(family, 0);
  out.writeUInt8(prefixlen, 1);
  out.writeUInt32LE(index, 4);
  return out;
}

export interface RtmsgFields {
  family: number;
  dstLen?: number;
  table?: number;
}

/** `struct rtmsg` (12 bytes); fields left out are 0, which strict dump checking requires. */
export function rtmsg(fields: RtmsgFields): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt8(fields.family, 0);
  out.writeUInt8(fields.dstLen ?? 0, 1);
  out.writeUInt8(fields.table ?? 0, 4);
  return out;
}

export function ipv4(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${dotted}`);
  }
  return Buffer.from(parts);
}

/**
 * Splits a datagram into its messages by nlmsg_len, stepping by the 4-byte aligned length; the
 * walk must end exactly at the datagram's end, which is what a kernel datagram always does.
 */
export function walkDatagram(datagram: Buffer): NlmsgHeader[] {
  const headers: NlmsgHeader[] = [];
  let offset = 0;
  while (offset < datagram.length) {
    if (datagram.length - offset < NLMSG_HDRLEN) {
      throw new WireWalkError(`${datagram.length - offset} stray bytes at offset ${offset}`);
    }
    const len = datagram.readUInt32LE(offset);
    if (len < NLMSG_HDRLEN || offset + len > datagram.length) {
      throw new WireWalkError(`nlmsg_len ${len} at offset ${offset} does not fit a ${datagram.length}-byte datagram`);
    }
    headers.push({
      offset,
      len,
      type: datagram.readUInt16LE(offset + 4),
      flags: datagram.readUInt16LE(offset + 6),
      seq: datagram.readUInt32LE(offset + 8),
      pid: datagram.readUInt32LE(offset + 12),
    });
    offset += align4(len);
  }
  if (offset !== datagram.length) {
    throw new WireWalkError(`walk ended at ${offset}, datagram has ${datagram.length} bytes`);
  }
  return headers;
}

/** The signed `error` of an NLMSG_ERROR (0 for an ACK) or the int payload of NLMSG_DONE. */
export function leadingInt(datagram: Buffer, header: NlmsgHeader): number {
  if (header.len < NLMSG_HDRLEN + 4) throw new WireWalkError(`message type ${header.type} too short for an int`);
  return datagram.readInt32LE(header.offset + NLMSG_HDRLEN);
}
