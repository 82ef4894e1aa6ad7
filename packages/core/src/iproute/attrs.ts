/**
 * iproute2's `parse_rtattr()`: the attributes after a message's fixed header, indexed by type,
 * without validation, the first occurrence of a type winning (the kernel's parser keeps the last
 * one; iproute2 keeps the first). Like iproute2, an attribute whose type carries NLA_F_NESTED or
 * NLA_F_NET_BYTEORDER is out of range and left out, unless the caller masks the flag off
 * (`parse_rtattr_flags(..., NLA_F_NESTED)`, which iproute2 does for link messages only).
 */
import { type Nlattr, nla, walkAttrs } from '../wire/attrs';
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLMSG_HDRLEN, nlmsgAlign } from '../wire/constants';
import { readHeader } from '../wire/nlmsg';

export type AttrTable = readonly (Nlattr | undefined)[];

/** The attributes of `payload` (e.g. a nest's data), indexed by type. */
export function attrTable(payload: Uint8Array, maskedFlags = 0): AttrTable {
  return indexAttrs(walkAttrs(payload, 0, payload.length).attrs, maskedFlags);
}

/** The attributes of a whole message after its `hdrlen`-byte family header, indexed by type. */
export function messageAttrs(message: Uint8Array, hdrlen: number, maskedFlags = 0): AttrTable {
  const { len } = readHeader(message);
  const end = Math.min(len, message.length);
  return indexAttrs(walkAttrs(message, NLMSG_HDRLEN + nlmsgAlign(hdrlen), end).attrs, maskedFlags);
}

/** Whether iproute2 sees the attribute's type as it is: no flag bits left after `maskedFlags`. */
export function plainType(attr: Nlattr, maskedFlags = 0): boolean {
  const flags = (attr.nested ? NLA_F_NESTED : 0) | (attr.netByteOrder ? NLA_F_NET_BYTEORDER : 0);
  return (flags & ~maskedFlags) === 0;
}

function indexAttrs(attrs: readonly Nlattr[], maskedFlags: number): AttrTable {
  const tb: (Nlattr | undefined)[] = [];
  for (const attr of attrs) if (plainType(attr, maskedFlags)) tb[attr.type] ??= attr;
  return tb;
}

/** A message shorter than its family header, which `ip` refuses too. */
export class ShortMessageError extends Error {
  override name = 'ShortMessageError';
}

/** Throws unless `message` holds a netlink header and a `hdrlen`-byte family header. */
export function assertLength(message: Uint8Array, hdrlen: number, what: string): void {
  const len = message.length >= NLMSG_HDRLEN ? readHeader(message).len : 0;
  if (len < NLMSG_HDRLEN + hdrlen || message.length < NLMSG_HDRLEN + hdrlen) {
    throw new ShortMessageError(`${what}: message too short for its header (${len} bytes)`);
  }
}

/** The string of an attribute known to be present (checked by the caller), as `rta_getattr_str()`. */
export function str(attr: Nlattr | undefined): string {
  return attr ? nla.string(attr) : '';
}

/** `rta_getattr_u32()`: 0 when absent or short. */
export function u32(attr: Nlattr | undefined): number {
  return attr && attr.data.length >= 4 ? nla.u32(attr) : 0;
}

/** `rta_getattr_u8()`: 0 when absent or empty. */
export function u8(attr: Nlattr | undefined): number {
  return attr ? nla.u8(attr) : 0;
}
