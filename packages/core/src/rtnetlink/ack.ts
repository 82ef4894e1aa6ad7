/**
 * The NLMSG_ERROR and NLMSG_DONE messages the kernel builds (`netlink_ack`, `netlink_dump_done`),
 * with the extended ACK TLVs when the socket asked for them.
 */
import { NlMsgBuilder } from '../wire/builder';
import { NLM_F, NLMSG, NLMSG_HDRLEN, NLMSGERR_ATTR } from '../wire/constants';
import type { NlMsgHeader } from '../wire/nlmsg';
import { describesPolicy, writePolicyAttr } from '../wire/policy-dump';
import type { Extack } from './request';

export interface AckOptions {
  /** NETLINK_EXT_ACK: append NLMSGERR_ATTR_* TLVs. */
  extAck: boolean;
  /** NETLINK_CAP_ACK: never echo the request's payload. */
  capAck: boolean;
}

/**
 * `netlink_ack()`: `err` is 0 or a negative errno; `portId` is the sending socket's. The request's header always follows the
 * error code; its payload too for errors unless capped (NLM_F_CAPPED otherwise).
 */
export function buildAck(
  request: Uint8Array,
  header: NlMsgHeader,
  portId: number,
  err: number,
  extack: Extack,
  options: AckOptions,
): Uint8Array {
  let flags = 0;
  const echoPayload = err !== 0 && !options.capAck;
  if (!echoPayload) flags |= NLM_F.CAPPED;
  const msg = options.extAck ? extack.msg : undefined;
  const offset =
    options.extAck && err !== 0 && extack.offset !== undefined && extack.offset < header.len
      ? extack.offset
      : undefined;
  // netlink_ack_tlv_fill(): the policy of a failed attribute, for errors only.
  const policy = options.extAck && err !== 0 ? extack.policy : undefined;
  if (msg !== undefined || offset !== undefined || (policy && describesPolicy(policy))) flags |= NLM_F.ACK_TLVS;
  const echoed = echoPayload ? request.subarray(0, header.len) : request.subarray(0, NLMSG_HDRLEN);
  const b = new NlMsgBuilder(NLMSG.ERROR, flags, header.seq, portId, 64 + echoed.length);
  const code = b.space(4);
  code.setInt32(0, err, true);
  // The echoed header keeps the request's own length even when its payload is capped.
  b.bytes(echoed);
  if (msg !== undefined) b.string(NLMSGERR_ATTR.MSG, msg);
  if (offset !== undefined) b.u32(NLMSGERR_ATTR.OFFS, offset);
  if (policy) writePolicyAttr(b, policy, NLMSGERR_ATTR.POLICY);
  return b.finish();
}

/** `netlink_dump_done()`: NLMSG_DONE carrying the dump's final errno (0 or negative). */
export function buildDone(
  header: NlMsgHeader,
  portId: number,
  doneErrno: number,
  answerFlags: number,
  extack: Extack,
  extAck: boolean,
): Uint8Array {
  let flags = NLM_F.MULTI | answerFlags;
  const msg = extAck ? extack.msg : undefined;
  if (msg !== undefined) flags |= NLM_F.ACK_TLVS;
  const b = new NlMsgBuilder(NLMSG.DONE, flags, header.seq, portId, 64);
  b.space(4).setInt32(0, doneErrno, true);
  if (msg !== undefined) b.string(NLMSGERR_ATTR.MSG, msg);
  return b.finish();
}
