/**
 * Breaking messages: one field or attribute of a valid request broken in a way the kernel's
 * parsers must survive (lengths, types, the nesting flag, truncation, out-of-range values, wrong
 * family, bad flags), and blind byte-level mutation for captured kernel traffic.
 */
import { NLA_F_NESTED, NLM_F, RTM } from '@rtnlkit/core';
import { familyHeaderLength } from './generators';
import type { FuzzRandom } from './random';

export const FIELD_BREAKS = [
  'nlmsg-len',
  'truncate',
  'short-family-header',
  'attr-len',
  'attr-type',
  'nested-flag',
  'attr-value',
  'family',
  'family-header-field',
  'nlmsg-flags',
  'nlmsg-type',
] as const;
export type FieldBreak = (typeof FIELD_BREAKS)[number];

const FAMILIES = [0, 1, 2, 7, 10, 16, 17, 28, 129, 255];
const INTERESTING_U32 = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];
const ALL_FLAGS = [
  NLM_F.REQUEST,
  NLM_F.MULTI,
  NLM_F.ACK,
  NLM_F.ECHO,
  NLM_F.DUMP,
  NLM_F.REPLACE,
  NLM_F.EXCL,
  NLM_F.CREATE,
  NLM_F.APPEND,
];

const viewOf = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Offsets of the top-level attributes of `message` (after its family header). */
export function attributeOffsets(message: Uint8Array): number[] {
  const view = viewOf(message);
  const end = Math.min(view.getUint32(0, true), message.length);
  const out: number[] = [];
  let off = 16 + ((familyHeaderLength(view.getUint16(4, true)) + 3) & ~3);
  while (off + 4 <= end) {
    const len = view.getUint16(off, true);
    if (len < 4) break;
    out.push(off);
    off += (len + 3) & ~3;
  }
  return out;
}

/** `message` (a copy) with one thing broken; returns the copy and what was broken. */
export function breakOneField(message: Uint8Array, random: FuzzRandom): { bytes: Uint8Array; broke: FieldBreak } {
  let bytes = message.slice();
  const view = viewOf(bytes);
  const type = view.getUint16(4, true);
  const headerLength = familyHeaderLength(type);
  const attrs = attributeOffsets(bytes);
  let broke = random.pick(FIELD_BREAKS);
  if ((attrs.length === 0 && broke.startsWith('attr')) || (attrs.length === 0 && broke === 'nested-flag'))
    broke = 'truncate';
  switch (broke) {
    case 'nlmsg-len':
      view.setUint32(
        0,
        random.pick([0, 15, 16, 17, bytes.length - 1, bytes.length + 4, 0xffffffff, random.int(bytes.length + 64)]) >>>
          0,
        true,
      );
      break;
    case 'truncate': {
      const keep = random.between(16, Math.max(16, bytes.length - 1));
      bytes = bytes.slice(0, keep);
      // Usually the header says the truncated length (a short body); sometimes the old one.
      if (random.chance(0.7)) viewOf(bytes).setUint32(0, keep, true);
      break;
    }
    case 'short-family-header': {
      const keep = 16 + random.between(1, Math.max(1, headerLength - 1));
      bytes = bytes.slice(0, keep);
      viewOf(bytes).setUint32(0, keep, true);
      break;
    }
    case 'attr-len': {
      const at = random.pick(attrs);
      const len = view.getUint16(at, true);
      view.setUint16(
        at,
        random.pick([0, 1, 3, 4, len - 1, len + 1, len + 4, 0xffff, random.int(0x10000)]) & 0xffff,
        true,
      );
      break;
    }
    case 'attr-type': {
      const at = random.pick(attrs);
      view.setUint16(at + 2, random.pick([0, random.int(64), 0x3fff, random.int(0x10000)]), true);
      break;
    }
    case 'nested-flag': {
      const at = random.pick(attrs);
      view.setUint16(at + 2, view.getUint16(at + 2, true) ^ random.pick([NLA_F_NESTED, 0x4000, 0xc000]), true);
      break;
    }
    case 'attr-value': {
      const at = random.pick(attrs);
      // The declared length may run past the end in a message already mutated: stay inside it.
      const len = Math.min(view.getUint16(at, true), bytes.length - at);
      if (len >= 8) view.setUint32(at + 4, random.pick(INTERESTING_U32), true);
      else if (len > 4) view.setUint8(at + 4, random.int(256));
      for (let i = at + 8; i < at + len && random.chance(0.3); i += 1) view.setUint8(i, random.int(256));
      break;
    }
    case 'family':
      if (bytes.length > 16) view.setUint8(16, random.pick(FAMILIES));
      break;
    case 'family-header-field': {
      // prefixlen / dst_len past 32, scope, table, type, flags, index: one byte of the family header.
      const at = 16 + random.between(1, Math.max(1, headerLength - 1));
      if (at < bytes.length) view.setUint8(at, random.pick([33, 64, 200, 253, 254, 255, random.int(256)]));
      break;
    }
    case 'nlmsg-flags':
      view.setUint16(
        6,
        random.chance(0.5) ? random.int(0x10000) : view.getUint16(6, true) ^ random.pick(ALL_FLAGS),
        true,
      );
      break;
    case 'nlmsg-type':
      view.setUint16(
        4,
        random.chance(0.7)
          ? random.pick(Object.values(RTM))
          : random.pick([0, 1, 2, 3, 15, 16 + random.int(112), 0xffff]),
        true,
      );
      break;
  }
  return { bytes, broke };
}

/** Byte-level mutation (flips, interesting bytes, insertions, deletions, a length rewritten). */
export function mutateBytes(input: Uint8Array, random: FuzzRandom): Uint8Array {
  let bytes: Uint8Array = input.slice();
  const rounds = random.between(1, 4);
  for (let r = 0; r < rounds && bytes.length > 0; r += 1) {
    const at = random.int(bytes.length);
    switch (random.int(6)) {
      case 0:
        bytes[at] = (bytes[at] as number) ^ (1 << random.int(8));
        break;
      case 1:
        bytes[at] = random.pick([0, 1, 0x7f, 0x80, 0xff]);
        break;
      case 2: {
        const extra = random.bytes(random.between(1, 8));
        const out = new Uint8Array(bytes.length + extra.length);
        out.set(bytes.subarray(0, at));
        out.set(extra, at);
        out.set(bytes.subarray(at), at + extra.length);
        bytes = out;
        break;
      }
      case 3:
        bytes = Uint8Array.of(
          ...bytes.subarray(0, at),
          ...bytes.subarray(Math.min(bytes.length, at + random.between(1, 8))),
        );
        break;
      case 4:
        // Re-frame: the header says the current length, so the damage reaches the parsers.
        if (bytes.length >= 4) viewOf(bytes).setUint32(0, bytes.length, true);
        break;
      default: {
        const { bytes: broken } = bytes.length >= 16 ? breakOneField(bytes, random) : { bytes };
        bytes = broken;
      }
    }
  }
  return bytes;
}

/** A message (a reply from the kernel, say) turned into a request: REQUEST set, MULTI dropped, maybe CREATE. */
export function asRequest(message: Uint8Array, random: FuzzRandom): Uint8Array {
  const bytes = message.slice();
  if (bytes.length < 16) return bytes;
  const view = viewOf(bytes);
  let flags = (view.getUint16(6, true) & ~NLM_F.MULTI) | NLM_F.REQUEST | NLM_F.ACK;
  if (random.chance(0.5)) flags |= NLM_F.CREATE;
  view.setUint16(6, flags, true);
  return bytes;
}
