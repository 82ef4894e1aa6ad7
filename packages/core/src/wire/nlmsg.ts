/**
 * `struct nlmsghdr` and walking the messages of one datagram, as `netlink_rcv_skb` does.
 */
import { NLMSG_HDRLEN, nlmsgAlign } from './constants';

export interface NlMsgHeader {
  /** Length including the header. */
  len: number;
  type: number;
  flags: number;
  seq: number;
  /** Sender port id. */
  pid: number;
}

export function readHeader(buf: Uint8Array, offset = 0): NlMsgHeader {
  const view = viewOf(buf);
  return {
    len: view.getUint32(offset, true),
    type: view.getUint16(offset + 4, true),
    flags: view.getUint16(offset + 6, true),
    seq: view.getUint32(offset + 8, true),
    pid: view.getUint32(offset + 12, true),
  };
}

export function writeHeader(buf: Uint8Array, offset: number, header: NlMsgHeader): void {
  const view = viewOf(buf);
  view.setUint32(offset, header.len, true);
  view.setUint16(offset + 4, header.type, true);
  view.setUint16(offset + 6, header.flags, true);
  view.setUint32(offset + 8, header.seq >>> 0, true);
  view.setUint32(offset + 12, header.pid >>> 0, true);
}

/** One message of a datagram: its header and a view of its bytes (header included). */
export interface NlMsg {
  header: NlMsgHeader;
  /** The whole message, `header.len` bytes, sharing memory with the datagram. */
  bytes: Uint8Array;
  /** Offset of the message in the datagram. */
  offset: number;
}

/**
 * The messages of a datagram, in order, as `netlink_rcv_skb` walks them: it stops silently at a
 * header shorter than NLMSG_HDRLEN, or one whose length runs past the end of the datagram.
 */
export function* messagesOf(datagram: Uint8Array): Generator<NlMsg> {
  let offset = 0;
  while (datagram.length - offset >= NLMSG_HDRLEN) {
    const header = readHeader(datagram, offset);
    if (header.len < NLMSG_HDRLEN || header.len > datagram.length - offset) return;
    yield { header, bytes: datagram.subarray(offset, offset + header.len), offset };
    offset += Math.min(nlmsgAlign(header.len), datagram.length - offset);
  }
}

/** A DataView over exactly `buf` (cheap: no copy, and small typed arrays stay on the V8 heap). */
export function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}
