/** Ethernet helpers of include/linux/etherdevice.h that drivers share. */
import { ETH_ALEN } from '../constants';

/** `eth_hw_addr_random()`: a random unicast, locally administered address. */
export function randomEtherAddr(): Uint8Array {
  const addr = crypto.getRandomValues(new Uint8Array(ETH_ALEN));
  addr[0] = ((addr[0] ?? 0) & 0xfe) | 0x02;
  return addr;
}

/** `is_valid_ether_addr()`: six bytes, not multicast, not all zero. */
export function isValidEtherAddr(addr: Uint8Array): boolean {
  return addr.length === ETH_ALEN && ((addr[0] ?? 0) & 1) === 0 && addr.some((b) => b !== 0);
}

/** `memcmp(a, b, ETH_ALEN)`. */
export function compareEtherAddr(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < ETH_ALEN; i += 1) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
