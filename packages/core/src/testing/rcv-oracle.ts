/**
 * What `netlink_rcv_skb` and `rtnetlink_rcv_msg` give each message of a datagram, written from
 * the kernel's code and independently of rtnlkit's dispatcher, so that hostile-input tests can
 * check the dispatcher against it: skipped, acknowledged without being handled, refused with an
 * errno before any handler runs, or handed to a handler.
 */
import { Errno } from '../errno';
import { NLM_F, NLMSG } from '../wire/constants';

/** `RTM_MAX`: the highest rtnetlink message type the kernel knows. */
export const RTM_MAX = 123;

export interface RcvExpectation {
  /** Where the message starts in the datagram. */
  readonly offset: number;
  /** Its 16-byte header, as an NLMSG_ERROR echoes it. */
  readonly header: Uint8Array;
  /** skip: no answer; ack: NLMSG_ERROR 0 without handling; error: refused with `errno`; handled: a handler's. */
  readonly kind: 'skip' | 'ack' | 'error' | 'handled';
  readonly errno?: number;
}

/** The kernel's walk over `datagram` for a socket with (`admin`) or without CAP_NET_ADMIN. */
export function rcvSkbOracle(datagram: Uint8Array, admin: boolean): RcvExpectation[] {
  const out: RcvExpectation[] = [];
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  let off = 0;
  while (datagram.length - off >= 16) {
    const len = view.getUint32(off, true);
    if (len < 16 || len > datagram.length - off) break;
    const type = view.getUint16(off + 4, true);
    const flags = view.getUint16(off + 6, true);
    const header = datagram.slice(off, off + 16);
    const ack = (flags & NLM_F.ACK) !== 0;
    const kind = ((type - 16) & 3) as 0 | 1 | 2 | 3;
    if (!(flags & NLM_F.REQUEST) || type < NLMSG.MIN_TYPE)
      out.push({ offset: off, header, kind: ack ? 'ack' : 'skip' });
    else if (type > RTM_MAX) out.push({ offset: off, header, kind: 'error', errno: Errno.EOPNOTSUPP });
    // Shorter than nlmsghdr + rtgenmsg: rtnetlink_rcv_msg returns 0, so only an asked-for ACK.
    else if (len < 17) out.push({ offset: off, header, kind: ack ? 'ack' : 'skip' });
    else if (kind !== 2 && !admin) out.push({ offset: off, header, kind: 'error', errno: Errno.EPERM });
    else out.push({ offset: off, header, kind: 'handled' });
    off += Math.min((len + 3) & ~3, datagram.length - off);
  }
  return out;
}
