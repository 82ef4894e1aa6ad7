/**
 * Is what a datagram got back what the kernel's rules give? The expectations per message come
 * from core's `rcvSkbOracle` (netlink_rcv_skb / rtnetlink_rcv_msg, written apart from the
 * dispatcher); this adds what a handled message owes: an answer when it asked for an ACK or a
 * dump, and nothing that answers a message that was not sent.
 */
import { NLM_F, NLMSG } from '@rtnlkit/core';
import { type DecodedMessage, decodeDatagram, rcvSkbOracle } from '@rtnlkit/core/testing';

const GET_KIND = 2;

export interface ReplyCheck {
  /** What is wrong, empty when all is well. */
  readonly problems: string[];
  /** The errno of each NLMSG_ERROR and NLMSG_DONE received (0 for ACKs and clean DONEs). */
  readonly answers: number[];
}

export function checkReplies(sent: Uint8Array, admin: boolean, received: readonly Uint8Array[]): ReplyCheck {
  const problems: string[] = [];
  const replies: DecodedMessage[] = [];
  for (const datagram of received) {
    let decoded: DecodedMessage[];
    try {
      decoded = decodeDatagram(datagram);
    } catch (error) {
      problems.push(`reply datagram does not decode: ${String(error)}`);
      continue;
    }
    const covered = decoded.reduce((n, m) => n + ((m.header.len + 3) & ~3), 0);
    if (covered !== ((datagram.length + 3) & ~3))
      problems.push(`reply datagram of ${datagram.length} bytes holds messages covering ${covered}`);
    replies.push(...decoded);
  }
  const expectations = rcvSkbOracle(sent, admin);
  const seqs = new Set(expectations.map((e) => new DataView(e.header.buffer).getUint32(8, true)));
  for (const m of replies)
    if (!seqs.has(m.header.seq))
      problems.push(`reply type ${m.header.type} with seq ${m.header.seq} answers no message sent`);

  const errors = replies.filter((m) => m.header.type === NLMSG.ERROR);
  const dones = replies.filter((m) => m.header.type === NLMSG.DONE);
  let next = 0;
  let dumps = 0;
  for (const expected of expectations) {
    const reply = errors[next];
    const echoes =
      reply !== undefined && Buffer.from(reply.bytes.subarray(20, 36)).equals(Buffer.from(expected.header));
    const at = `message at offset ${expected.offset}`;
    if (expected.kind === 'skip') continue;
    if (expected.kind === 'ack' || expected.kind === 'error') {
      const errno = expected.kind === 'ack' ? 0 : expected.errno;
      if (!echoes || reply?.errno !== errno)
        problems.push(
          `${at}: expected NLMSG_ERROR ${errno} echoing it, got ${reply ? `errno ${reply.errno}` : 'nothing'}`,
        );
      else next += 1;
      continue;
    }
    const header = new DataView(expected.header.buffer);
    const type = header.getUint16(4, true);
    const flags = header.getUint16(6, true);
    const seq = header.getUint32(8, true);
    const isDump = ((type - 16) & 3) === GET_KIND && (flags & NLM_F.DUMP) !== 0;
    if (echoes) {
      next += 1;
      continue;
    }
    if (isDump) {
      if (dones.some((d) => d.header.seq === seq)) dumps += 1;
      else problems.push(`${at}: a dump neither refused nor ended by NLMSG_DONE`);
    } else if (flags & NLM_F.ACK) problems.push(`${at}: asked for an ACK and got no NLMSG_ERROR`);
  }
  if (next !== errors.length) problems.push(`${errors.length - next} NLMSG_ERROR replies answer no message`);
  if (dones.length > dumps) problems.push(`${dones.length - dumps} NLMSG_DONE replies end no dump`);
  return {
    problems,
    answers: [...errors.map((e) => e.errno ?? -1), ...dones.map((d) => d.doneErrno ?? -1)],
  };
}
