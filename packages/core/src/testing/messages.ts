/**
 * Reading replies in tests and tools: decode a datagram into messages with the NLMSG_ERROR and
 * NLMSG_DONE fields spelled out, and drain a socket's replies to a request or a dump.
 */
import type { NetlinkSocket } from '../rtnetlink/socket';
import { walkAttrs } from '../wire/attrs';
import { NLM_F, NLMSG, NLMSG_HDRLEN, NLMSGERR_ATTR, nlmsgAlign } from '../wire/constants';
import { messagesOf, type NlMsgHeader, readHeader, viewOf } from '../wire/nlmsg';

export interface DecodedMessage {
  header: NlMsgHeader;
  /** The whole message. */
  bytes: Uint8Array;
  /** For NLMSG_ERROR: the positive errno (0 for an ACK). */
  errno?: number;
  /** For NLMSG_ERROR: the echoed request header. */
  request?: NlMsgHeader;
  /** For NLMSG_DONE: the dump's errno, positive (0 when it ended well). */
  doneErrno?: number;
  /** NLMSGERR_ATTR_MSG of an ERROR or DONE. */
  extack?: string;
  /** NLMSGERR_ATTR_OFFS of an ERROR. */
  extackOffset?: number;
}

const decoder = new TextDecoder();

export function decodeDatagram(datagram: Uint8Array): DecodedMessage[] {
  return [...messagesOf(datagram)].map(({ header, bytes }) => {
    const out: DecodedMessage = { header, bytes };
    const view = viewOf(bytes);
    if (header.type === NLMSG.ERROR && header.len >= NLMSG_HDRLEN + 4 + NLMSG_HDRLEN) {
      out.errno = 0 - view.getInt32(NLMSG_HDRLEN, true);
      out.request = readHeader(bytes, NLMSG_HDRLEN + 4);
      if (header.flags & NLM_F.ACK_TLVS) {
        const echoed = header.flags & NLM_F.CAPPED ? NLMSG_HDRLEN : out.request.len;
        readTlvs(bytes, NLMSG_HDRLEN + 4 + nlmsgAlign(echoed), out);
      }
    } else if (header.type === NLMSG.DONE && header.len >= NLMSG_HDRLEN + 4) {
      out.doneErrno = 0 - view.getInt32(NLMSG_HDRLEN, true);
      if (header.flags & NLM_F.ACK_TLVS) readTlvs(bytes, NLMSG_HDRLEN + 4, out);
    }
    return out;
  });
}

function readTlvs(bytes: Uint8Array, start: number, out: DecodedMessage): void {
  for (const attr of walkAttrs(bytes, start, bytes.length).attrs) {
    if (attr.type === NLMSGERR_ATTR.MSG)
      out.extack = decoder.decode(attr.data.subarray(0, Math.max(0, attr.data.indexOf(0))));
    if (attr.type === NLMSGERR_ATTR.OFFS) out.extackOffset = viewOf(attr.data).getUint32(0, true);
  }
}

/** Every datagram already queued on the socket, decoded, without waiting or continuing a dump. */
export function drain(socket: NetlinkSocket): DecodedMessage[][] {
  const out: DecodedMessage[][] = [];
  for (let d = socket.tryRecv(); d; d = socket.tryRecv()) out.push(decodeDatagram(d));
  return out;
}

/** Reads datagrams until one holds NLMSG_DONE or NLMSG_ERROR; returns them decoded. */
export async function readUntilDone(
  socket: NetlinkSocket,
  options: { bufferSize?: number } = {},
): Promise<DecodedMessage[][]> {
  const datagrams: DecodedMessage[][] = [];
  for (;;) {
    const decoded = decodeDatagram(await socket.recv(options));
    datagrams.push(decoded);
    if (decoded.some((m) => m.header.type === NLMSG.DONE || m.header.type === NLMSG.ERROR)) return datagrams;
  }
}
