/**
 * Hostile input, property-based: random bytes, truncated headers, lengths past the end,
 * attributes nested 20 deep, oversized strings and unknown types. Every input must get
 * well-formed replies, or be skipped exactly where the kernel skips it; nothing may throw out of
 * the dispatcher; a rejected message changes no state. The expectations come from an oracle
 * written from netlink_rcv_skb / rtnetlink_rcv_msg, independent of the dispatcher's code
 * (`testing/rcv-oracle.ts`, shared with the compare package's fuzzer).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { Errno, ErrnoError } from '../errno';
import { decodeDatagram } from '../testing/messages';
import { rcvSkbOracle } from '../testing/rcv-oracle';
import { rtnlMutexStrategy } from '../testing/rtnl-mutex-strategy';
import { NlMsgBuilder } from '../wire/builder';
import { NLA_F_NESTED, NLM_F, NLMSG, RTNL_FLAG } from '../wire/constants';
import { RTM } from '../wire/generated';
import { linkAttrs } from '../wire/generated/rt-link';
import { routeAttrs } from '../wire/generated/rt-route';
import { IFINFOMSG_LEN, RTMSG_LEN } from '../wire/headers';
import { NL_VALIDATE } from '../wire/parse';
import { Rtnetlink } from './rtnetlink';

function setup() {
  const rtnl = new Rtnetlink({ strategy: rtnlMutexStrategy() });
  const state = { routes: new Map<string, number>(), links: new Map<string, number>() };
  /** Offsets (in the datagram) of the messages that changed state. */
  const mutations: number[] = [];
  let datagram: Uint8Array = new Uint8Array(0);
  const offsetOf = (message: Uint8Array) => message.byteOffset - datagram.byteOffset;
  rtnl.handlers.registerMany([
    {
      family: 2,
      type: RTM.NEWROUTE,
      doit(req) {
        const attrs = req.parse(RTMSG_LEN, routeAttrs, NL_VALIDATE.LIBERAL);
        const dst = attrs.get('dst');
        if (dst?.data.length !== 4) throw new ErrnoError(Errno.EINVAL, 'Invalid prefix');
        const key = dst.data.join('.');
        if (state.routes.has(key)) throw new ErrnoError(Errno.EEXIST);
        state.routes.set(key, offsetOf(req.message));
        mutations.push(offsetOf(req.message));
      },
    },
    {
      family: 0,
      type: RTM.NEWLINK,
      doit(req) {
        const attrs = req.parse(IFINFOMSG_LEN, linkAttrs, NL_VALIDATE.STRICT);
        const name = attrs.get('ifname');
        if (!name) throw new ErrnoError(Errno.EINVAL, 'no name');
        const key = Buffer.from(name.data).toString('hex');
        if (key.length > 32) throw new ErrnoError(Errno.EINVAL, 'name too long');
        state.links.set(key, offsetOf(req.message));
        mutations.push(offsetOf(req.message));
      },
    },
    {
      family: 2,
      type: RTM.GETROUTE,
      flags: RTNL_FLAG.DOIT_UNLOCKED,
      doit(req) {
        req.parse(RTMSG_LEN, routeAttrs, req.strict ? NL_VALIDATE.STRICT : NL_VALIDATE.LIBERAL);
        req.reply(req.builder(RTM.NEWROUTE).bytes(new Uint8Array(RTMSG_LEN)).finish());
      },
      dumpit(cb) {
        for (const key of state.routes.keys())
          cb.put(cb.builder(RTM.NEWROUTE).bytes(new Uint8Array(RTMSG_LEN)).string(15, key).finish());
        return false;
      },
    },
  ]);
  return {
    rtnl,
    state,
    mutations,
    setDatagram(d: Uint8Array) {
      datagram = d;
    },
  };
}

const attribute: fc.Arbitrary<(b: NlMsgBuilder) => void> = fc.oneof(
  fc
    .record({ type: fc.integer({ min: 0, max: 0x3fff }), data: fc.uint8Array({ maxLength: 24 }), nested: fc.boolean() })
    .map(
      ({ type, data, nested }) =>
        (b: NlMsgBuilder) =>
          b.attr(type | (nested ? NLA_F_NESTED : 0), data),
    ),
  fc.integer({ min: 1, max: 70 }).map((type) => (b: NlMsgBuilder) => b.string(type, 'x'.repeat(5000))),
  fc.integer({ min: 1, max: 70 }).map((type) => (b: NlMsgBuilder) => {
    const nest = (depth: number): void => {
      if (depth === 0) b.u32(type, depth);
      else b.nest(type, () => nest(depth - 1));
    };
    nest(20);
  }),
  fc.integer({ min: 1, max: 69 }).map((type) => (b: NlMsgBuilder) => b.u32(type, 7)),
  fc.nat(255).map((last) => (b: NlMsgBuilder) => b.ipv4(1, `10.0.0.${last}`)),
);

const message = fc
  .record({
    type: fc.oneof(
      fc.constantFrom(16, 17, 18, 19, 24, 25, 26, 1, 2, 3, 15, 123, 124, 0xffff),
      fc.integer({ min: 0, max: 0xffff }),
    ),
    flags: fc.oneof(
      fc.constantFrom(
        NLM_F.REQUEST,
        NLM_F.REQUEST | NLM_F.ACK,
        NLM_F.REQUEST | NLM_F.DUMP,
        NLM_F.REQUEST | NLM_F.ECHO | NLM_F.ACK,
        NLM_F.ACK,
        0,
      ),
      fc.integer({ min: 0, max: 0xffff }),
    ),
    seq: fc.nat(),
    family: fc.constantFrom(0, 2, 7, 10, 129, 255),
    fixed: fc.integer({ min: 0, max: 20 }),
    attrs: fc.array(attribute, { maxLength: 4 }),
  })
  .map(({ type, flags, seq, family, fixed, attrs }) => {
    const b = new NlMsgBuilder(type, flags, seq, 0, 64);
    if (fixed > 0) {
      const head = new Uint8Array(fixed);
      head[0] = family;
      b.bytes(head);
    }
    for (const a of attrs) a(b);
    return b.finish();
  });

/** Messages concatenated, then maybe truncated or with one length field broken. */
const datagram = fc.oneof(
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  {
    weight: 4,
    arbitrary: fc
      .record({
        messages: fc.array(message, { minLength: 1, maxLength: 5 }),
        damage: fc.oneof(
          fc.constant({ kind: 'none' as const }),
          fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
          fc.record({ kind: fc.constant('length' as const), which: fc.nat(), len: fc.nat(0xffffffff) }),
        ),
      })
      .map(({ messages, damage }) => {
        const total = messages.reduce((n, m) => n + ((m.length + 3) & ~3), 0);
        let out = new Uint8Array(total);
        const starts: number[] = [];
        let at = 0;
        for (const m of messages) {
          starts.push(at);
          out.set(m, at);
          at += (m.length + 3) & ~3;
        }
        if (damage.kind === 'truncate') out = out.slice(0, damage.at % (total + 1));
        if (damage.kind === 'length') {
          const start = starts[damage.which % starts.length] as number;
          new DataView(out.buffer).setUint32(start, damage.len, true);
        }
        return out;
      }),
  },
);

describe('hostile input', () => {
  test.prop([datagram, fc.boolean(), fc.boolean()], { numRuns: 400 })(
    'gets well-formed replies or is skipped where the kernel skips it, and rejected messages change nothing',
    async (bytes, admin, strict) => {
      const { rtnl, mutations, setDatagram } = setup();
      const socket = rtnl.socket({ admin });
      socket.strictChk = strict;
      socket.extAck = true;
      setDatagram(bytes);
      await socket.send(bytes);
      for (let i = 0; i < 5 && socket.dump; i++) await socket.continueDump();
      expect(rtnl.faults).toEqual([]);

      const replies: ReturnType<typeof decodeDatagram> = [];
      for (let d = socket.tryRecv(); d; d = socket.tryRecv()) {
        const decoded = decodeDatagram(d);
        // Well-formed: the messages cover the datagram exactly.
        expect(decoded.reduce((n, m) => n + ((m.header.len + 3) & ~3), 0)).toBe((d.length + 3) & ~3);
        replies.push(...decoded);
      }
      const errors = replies.filter((m) => m.header.type === NLMSG.ERROR);
      const failed = new Set<number>();
      let next = 0;
      for (const expected of rcvSkbOracle(bytes, admin)) {
        const reply = errors[next];
        const echoes =
          reply !== undefined && Buffer.from(reply.bytes.subarray(20, 36)).equals(Buffer.from(expected.header));
        if (expected.kind === 'skip') {
          continue;
        }
        if (expected.kind === 'ack' || expected.kind === 'error') {
          expect(echoes).toBe(true);
          expect(reply?.errno).toBe(expected.kind === 'ack' ? 0 : expected.errno);
          next += 1;
          if (expected.kind === 'error') failed.add(expected.offset);
          continue;
        }
        if (echoes) {
          next += 1;
          if (reply?.errno !== 0) failed.add(expected.offset);
        }
      }
      expect(next).toBe(errors.length);
      for (const offset of mutations) expect(failed.has(offset)).toBe(false);
    },
  );
});
