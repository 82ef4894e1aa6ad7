/** The `dummy` kind (drivers/net/dummy.c). */
import { IFF } from '@rtnlkit/core';
import type { RtnlLinkOps } from '../kinds';
import { NET_ADDR, NetDevice } from '../netdevice';
import { randomEtherAddr } from './ether';

/**
 * `dummy_link_ops`: `dummy_setup()` is `ether_setup()`, then NOARP and no MULTICAST, a random
 * address, min and max mtu 0 (no range check); txqlen stays 1000. No IFLA_INFO_DATA. Its
 * `dummy_validate()` checks IFLA_ADDRESS, which rtnlkit refuses before (not modelled).
 */
export const dummyLinkOps: RtnlLinkOps = {
  kind: 'dummy',
  setup: (name) =>
    new NetDevice({
      name,
      kind: 'dummy',
      flags: IFF.BROADCAST | IFF.NO_ARP,
      address: randomEtherAddr(),
      addrAssignType: NET_ADDR.RANDOM,
      minMtu: 0,
      maxMtu: 0,
    }),
};
