/**
 * Addresses as iproute2 writes them: `inet_ntop()` for IPv4 and IPv6 (glibc's spelling: the
 * longest run of two or more zero groups becomes `::`, IPv4-mapped addresses end in dotted
 * quads) and `ll_addr_n2a()` for link-layer addresses.
 */
import { AF } from '../wire/constants';
import { ARPHRD } from './names';

/** `inet_ntop(AF_INET, ...)`. */
export function formatIpv4(bytes: Uint8Array): string {
  return `${bytes[0] ?? 0}.${bytes[1] ?? 0}.${bytes[2] ?? 0}.${bytes[3] ?? 0}`;
}

/** `inet_ntop(AF_INET6, ...)` as glibc writes it. */
export function formatIpv6(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase === -1) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase !== -1) {
      if (bestBase === -1 || curLen > bestLen) [bestBase, bestLen] = [curBase, curLen];
      curBase = -1;
    }
  }
  if (curBase !== -1 && (bestBase === -1 || curLen > bestLen)) [bestBase, bestLen] = [curBase, curLen];
  if (bestBase !== -1 && bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += formatIpv4(bytes.subarray(12, 16));
      break;
    }
    out += (words[i] as number).toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ':';
  return out;
}

/**
 * `rt_addr_n2a()` / `format_host()` without name resolution: an address of `family` (IPv4 or
 * IPv6); "???" for any other family, as iproute2.
 */
export function formatAddress(family: number, bytes: Uint8Array): string {
  if (family === AF.INET) return formatIpv4(bytes);
  if (family === AF.INET6) return formatIpv6(bytes);
  return '???';
}

/** `af_bit_len()`: the bits of a host address of `family` (0 when unknown). */
export function hostBits(family: number): number {
  if (family === AF.INET) return 32;
  if (family === AF.INET6) return 128;
  return 0;
}

/**
 * `ll_addr_n2a()`: a link-layer address of a device of ARPHRD `type`, as colon-separated hex,
 * except tunnels whose "hardware address" is an IP address.
 */
export function formatLinkAddress(bytes: Uint8Array, type: number): string {
  if (bytes.length === 4 && (type === ARPHRD.TUNNEL || type === ARPHRD.SIT || type === ARPHRD.IPGRE)) {
    return formatIpv4(bytes);
  }
  if (bytes.length === 16 && (type === ARPHRD.TUNNEL6 || type === ARPHRD.IP6GRE)) return formatIpv6(bytes);
  if (bytes.length === 0) return '00';
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
