/**
 * Splits a byte stream into netlink messages by their own nlmsg_len (see ./protocol.ts). A length
 * below the header size or above the limit cannot be skipped safely (the next message's start is
 * unknown), so it is an error that ends the stream.
 */
import { Errno, ErrnoError } from '../../errno';
import { NLMSG_HDRLEN, nlmsgAlign } from '../../wire/constants';
import { NLSTREAM_MAX_MESSAGE } from './protocol';

export class NlStreamFramer {
  private buffer = new Uint8Array(0);

  constructor(private readonly maxMessage = NLSTREAM_MAX_MESSAGE) {}

  /** Appends `chunk` and returns every message now complete (copies, header included). */
  push(chunk: Uint8Array): Uint8Array[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    const out: Uint8Array[] = [];
    const view = new DataView(joined.buffer);
    let offset = 0;
    while (joined.length - offset >= 4) {
      const len = view.getUint32(offset, true);
      if (len < NLMSG_HDRLEN || len > this.maxMessage) {
        this.buffer = new Uint8Array(0);
        throw new ErrnoError(
          Errno.EINVAL,
          `bad nlmsg_len ${len} at stream offset ${offset} (a message is ${NLMSG_HDRLEN}..${this.maxMessage} bytes)`,
        );
      }
      const size = nlmsgAlign(len);
      if (joined.length - offset < size) break;
      out.push(joined.slice(offset, offset + len));
      offset += size;
    }
    this.buffer = joined.slice(offset);
    return out;
  }

  /** Bytes of an incomplete message held back. */
  get buffered(): number {
    return this.buffer.length;
  }
}

/** `bytes` followed by the padding to a multiple of 4 that the framer skips (a copy only when needed). */
export function withAlignPadding(bytes: Uint8Array): Uint8Array {
  const size = nlmsgAlign(bytes.length);
  if (size === bytes.length) return bytes;
  const out = new Uint8Array(size);
  out.set(bytes);
  return out;
}
