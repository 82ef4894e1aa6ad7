/**
 * Small helpers for writing scenarios: requests built with core's `NlMsgBuilder` and fixed
 * headers, and ways to damage them on purpose (a wrong `nlmsg_len`).
 */
import {
  encodeIfAddrMsg,
  encodeIfInfoMsg,
  encodeRtMsg,
  type IfAddrMsg,
  type IfInfoMsg,
  NlMsgBuilder,
  type RtMsg,
} from '@rtnlkit/core';

/**
 * One message: `type`, `flags`, `seq` (nlmsg_pid 0, as iproute2 sends), then `body`: a fixed
 * header's bytes, or a function that writes the fixed header and attributes. No body: a bare
 * 16-byte header.
 */
export function message(
  type: number,
  flags: number,
  seq: number,
  body?: Uint8Array | ((b: NlMsgBuilder) => void),
): Uint8Array {
  const b = new NlMsgBuilder(type, flags, seq, 0);
  if (body instanceof Uint8Array) b.bytes(body);
  else body?.(b);
  return b.finish().slice();
}

export const ifinfomsg = (fields: Partial<IfInfoMsg> = {}): Uint8Array =>
  encodeIfInfoMsg({ family: 0, type: 0, index: 0, flags: 0, change: 0, ...fields });

export const ifaddrmsg = (fields: Partial<IfAddrMsg> = {}): Uint8Array =>
  encodeIfAddrMsg({ family: 0, prefixlen: 0, flags: 0, scope: 0, index: 0, ...fields });

export const rtmsg = (fields: Partial<RtMsg> = {}): Uint8Array => encodeRtMsg(fields);

/** A copy of `msg` whose `nlmsg_len` says `len`, whatever its real size. */
export function withLength(msg: Uint8Array, len: number): Uint8Array {
  const copy = new Uint8Array(msg);
  new DataView(copy.buffer).setUint32(0, len, true);
  return copy;
}

/** The first `n` bytes of `msg` (its header unchanged). */
export const truncated = (msg: Uint8Array, n: number): Uint8Array => new Uint8Array(msg.subarray(0, n));
