/**
 * The loopback device (drivers/net/loopback.c): `loopback_setup()` and the pernet init that
 * registers `lo` first in every namespace, so it gets ifindex 1 (`LOOPBACK_IFINDEX`).
 */
import { IFF } from '@rtnlkit/core';
import { ARPHRD, DEFAULT_TX_QUEUE_LEN, ETH_ALEN } from './constants';
import { NetDevice } from './netdevice';

/** `LOOPBACK_IFINDEX`. */
export const LOOPBACK_IFINDEX = 1;

/**
 * A loopback device as `loopback_setup()` leaves it: ARPHRD_LOOPBACK, IFF_LOOPBACK (down until
 * someone brings it up), mtu 64 KiB, min and max mtu 0 (not set by the driver: no range check),
 * txqlen 1000, a six-byte zero address and broadcast, one queue each way, netns-immutable.
 */
export function loopbackDevice(): NetDevice {
  return new NetDevice({
    name: 'lo',
    type: ARPHRD.LOOPBACK,
    flags: IFF.LOOPBACK,
    mtu: 64 * 1024,
    minMtu: 0,
    maxMtu: 0,
    txqlen: DEFAULT_TX_QUEUE_LEN,
    address: new Uint8Array(ETH_ALEN),
    broadcast: new Uint8Array(ETH_ALEN),
    netnsImmutable: true,
  });
}
