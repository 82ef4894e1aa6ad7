/**
 * The five kinds of fuzz input, each a list of datagrams to send in order (one message each,
 * except a sequence sent as one datagram and random bytes, which frame themselves).
 */
import { NLM_F } from '@rtnlkit/core';
import { type GenContext, validRequest } from './generators';
import { asRequest, breakOneField, mutateBytes } from './mutators';

export const INPUT_KINDS = ['valid', 'broken-field', 'kernel-seed', 'sequence', 'random-bytes'] as const;
export type InputKind = (typeof INPUT_KINDS)[number];

export interface FuzzInput {
  readonly kind: InputKind;
  readonly datagrams: readonly Uint8Array[];
  /** How many netlink messages the input holds (random bytes count as one). */
  readonly messages: number;
}

/** Roughly: a third valid, a quarter broken, the rest split between the other kinds. */
const KIND_WEIGHTS: readonly [InputKind, number][] = [
  ['valid', 35],
  ['broken-field', 25],
  ['kernel-seed', 15],
  ['sequence', 15],
  ['random-bytes', 10],
];
const TOTAL = KIND_WEIGHTS.reduce((n, [, w]) => n + w, 0);

function pickKind(ctx: GenContext): InputKind {
  let roll = ctx.random.int(TOTAL);
  for (const [kind, weight] of KIND_WEIGHTS) {
    if (roll < weight) return kind;
    roll -= weight;
  }
  return 'valid';
}

function withSeq(message: Uint8Array, seq: number): Uint8Array {
  if (message.length >= 12) new DataView(message.buffer, message.byteOffset).setUint32(8, seq, true);
  return message;
}

/** A frame whose header is plausible (length, a request flag, a known type) around random bytes. */
function randomBytes(ctx: GenContext): Uint8Array {
  const { random } = ctx;
  const body = random.bytes(random.int(random.chance(0.8) ? 64 : 400));
  if (random.chance(0.5)) return body;
  const out = new Uint8Array(16 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, out.length, true);
  view.setUint16(4, random.between(16, 123), true);
  view.setUint16(6, NLM_F.REQUEST | (random.chance(0.5) ? NLM_F.ACK : 0) | random.int(0x10000), true);
  view.setUint32(8, ctx.seq(), true);
  out.set(body, 16);
  return out;
}

function concat(messages: readonly Uint8Array[]): Uint8Array {
  const total = messages.reduce((n, m) => n + ((m.length + 3) & ~3), 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const m of messages) {
    out.set(m, at);
    at += (m.length + 3) & ~3;
  }
  return out;
}

export function nextInput(ctx: GenContext, kernelSeeds: readonly Uint8Array[]): FuzzInput {
  const { random } = ctx;
  const kind = pickKind(ctx);
  switch (kind) {
    case 'valid':
      return { kind, datagrams: [validRequest(ctx)], messages: 1 };
    case 'broken-field':
      return { kind, datagrams: [breakOneField(validRequest(ctx), random).bytes], messages: 1 };
    case 'kernel-seed': {
      let seed = withSeq(random.pick(kernelSeeds).slice(), ctx.seq());
      if (random.chance(0.5)) seed = asRequest(seed, random);
      return { kind, datagrams: [mutateBytes(seed, random)], messages: 1 };
    }
    case 'sequence': {
      const requests = Array.from({ length: random.between(2, 6) }, () => validRequest(ctx));
      // netlink_rcv_skb walks several messages of one datagram in order; separate sends interleave nothing here.
      const datagrams = random.chance(0.5) ? [concat(requests)] : requests;
      return { kind, datagrams, messages: requests.length };
    }
    case 'random-bytes':
      return { kind, datagrams: [randomBytes(ctx)], messages: 1 };
  }
}
