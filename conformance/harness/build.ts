/**
 * Small helpers for writing scenarios: requests built with core's `NlMsgBuilder` and fixed
 * headers, and ways to damage them on purpose (a wrong `nlmsg_len`).
 */
import {
  encodeIfAddrMsg,
  encodeIfInfoMsg,
  encodeRtMsg,
  IFLA,
  IFLA_INFO,
  type IfAddrMsg,
  type IfInfoMsg,
  NLM_F,
  NlMsgBuilder,
  RTM,
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

/** A link message: an ifinfomsg with `fields`, then the attributes `attrs` writes. */
export const linkMessage = (
  type: number,
  flags: number,
  seq: number,
  fields: Partial<IfInfoMsg> = {},
  attrs: (b: NlMsgBuilder) => void = () => {},
): Uint8Array =>
  message(type, flags, seq, (b) => {
    b.bytes(ifinfomsg(fields));
    attrs(b);
  });

/** `ip link add NAME [more] type ifb` (NLM_F_REQUEST | ACK | CREATE | EXCL). */
export const addIfbMessage = (seq: number, name: string, more: (b: NlMsgBuilder) => void = () => {}): Uint8Array =>
  linkMessage(RTM.NEWLINK, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL, seq, {}, (b) => {
    b.string(IFLA.IFNAME, name);
    more(b);
    b.nest(IFLA.LINKINFO, (n) => n.string(IFLA_INFO.KIND, 'ifb'));
  });

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
