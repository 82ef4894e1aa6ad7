/** The `ifb` kind (drivers/net/ifb.c). */
import { IFF } from '@rtnlkit/core';
import type { RtnlLinkOps } from '../kinds';
import { NET_ADDR, NetDevice } from '../netdevice';
import { randomEtherAddr } from './ether';

/** `TX_Q_LIMIT` of drivers/net/ifb.c. */
const IFB_TX_Q_LIMIT = 32;

/**
 * `ifb_link_ops`: `ifb_setup()` is `ether_setup()`, then NOARP and no MULTICAST, txqlen 32, a
 * random address, min and max mtu 0 (no range check).
 */
export const ifbLinkOps: RtnlLinkOps = {
  kind: 'ifb',
  setup: (name) =>
    new NetDevice({
      name,
      kind: 'ifb',
      flags: IFF.BROADCAST | IFF.NO_ARP,
      txqlen: IFB_TX_Q_LIMIT,
      address: randomEtherAddr(),
      addrAssignType: NET_ADDR.RANDOM,
      minMtu: 0,
      maxMtu: 0,
    }),
};
