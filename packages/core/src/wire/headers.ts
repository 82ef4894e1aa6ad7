/**
 * The fixed family headers that follow `nlmsghdr` in rtnetlink messages (rtgenmsg, ifinfomsg,
 * ifaddrmsg, rtmsg). Their layouts are checked against the specs' struct definitions in
 * headers.test.ts, so no offset here is trusted by hand alone.
 */
import { viewOf } from './nlmsg';

export const RTGENMSG_LEN = 1;
export const IFINFOMSG_LEN = 16;
export const IFADDRMSG_LEN = 8;
export const RTMSG_LEN = 12;

export interface IfInfoMsg {
  family: number;
  /** ARPHRD_* */
  type: number;
  index: number;
  /** IFF_* */
  flags: number;
  /** Which flags to change; 0 means all ("bugwards compatibility"). */
  change: number;
}

export interface IfAddrMsg {
  family: number;
  prefixlen: number;
  flags: number;
  scope: number;
  index: number;
}

export interface RtMsg {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
}

export function decodeIfInfoMsg(buf: Uint8Array, offset: number): IfInfoMsg {
  const v = viewOf(buf);
  return {
    family: v.getUint8(offset),
    type: v.getUint16(offset + 2, true),
    index: v.getInt32(offset + 4, true),
    flags: v.getUint32(offset + 8, true),
    change: v.getUint32(offset + 12, true),
  };
}

/** Fields left out are 0. */
export function encodeIfInfoMsg(m: Partial<IfInfoMsg>): Uint8Array {
  const out = new Uint8Array(IFINFOMSG_LEN);
  out[0] = m.family ?? 0;
  putU16(out, 2, m.type ?? 0);
  putU32(out, 4, m.index ?? 0);
  putU32(out, 8, m.flags ?? 0);
  putU32(out, 12, m.change ?? 0);
  return out;
}

export function decodeIfAddrMsg(buf: Uint8Array, offset: number): IfAddrMsg {
  const v = viewOf(buf);
  return {
    family: v.getUint8(offset),
    prefixlen: v.getUint8(offset + 1),
    flags: v.getUint8(offset + 2),
    scope: v.getUint8(offset + 3),
    index: v.getUint32(offset + 4, true),
  };
}

/** Fields left out are 0. */
export function encodeIfAddrMsg(m: Partial<IfAddrMsg>): Uint8Array {
  const out = new Uint8Array(IFADDRMSG_LEN);
  out[0] = m.family ?? 0;
  out[1] = m.prefixlen ?? 0;
  out[2] = m.flags ?? 0;
  out[3] = m.scope ?? 0;
  putU32(out, 4, m.index ?? 0);
  return out;
}

export function decodeRtMsg(buf: Uint8Array, offset: number): RtMsg {
  const v = viewOf(buf);
  return {
    family: v.getUint8(offset),
    dstLen: v.getUint8(offset + 1),
    srcLen: v.getUint8(offset + 2),
    tos: v.getUint8(offset + 3),
    table: v.getUint8(offset + 4),
    protocol: v.getUint8(offset + 5),
    scope: v.getUint8(offset + 6),
    type: v.getUint8(offset + 7),
    flags: v.getUint32(offset + 8, true),
  };
}

/** Fields left out are 0. */
export function encodeRtMsg(m: Partial<RtMsg>): Uint8Array {
  const out = new Uint8Array(RTMSG_LEN);
  out[0] = m.family ?? 0;
  out[1] = m.dstLen ?? 0;
  out[2] = m.srcLen ?? 0;
  out[3] = m.tos ?? 0;
  out[4] = m.table ?? 0;
  out[5] = m.protocol ?? 0;
  out[6] = m.scope ?? 0;
  out[7] = m.type ?? 0;
  putU32(out, 8, m.flags ?? 0);
  return out;
}

// Byte writes rather than a DataView: touching `.buffer` moves a small typed array off the V8
// heap, which costs more than the whole encoding.
function putU16(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
}

function putU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = (value >>> 24) & 0xff;
}
