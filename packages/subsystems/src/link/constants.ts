/** Constants of include/uapi/linux/if.h, if_arp.h and netdevice.h that the specs do not carry. */

/** `IFNAMSIZ`: a device name is at most IFNAMSIZ - 1 bytes. */
export const IFNAMSIZ = 16;
/** `ALTIFNAMSIZ`. */
export const ALTIFNAMSIZ = 128;
/** `IFALIASZ`. */
export const IFALIASZ = 256;
/** `MAX_ADDR_LEN`. */
export const MAX_ADDR_LEN = 32;
/** `ETH_ALEN`. */
export const ETH_ALEN = 6;
/** `DEFAULT_TX_QUEUE_LEN`. */
export const DEFAULT_TX_QUEUE_LEN = 1000;
/** `ETH_DATA_LEN`, `ETH_MIN_MTU`, `ETH_MAX_MTU`. */
export const ETH_DATA_LEN = 1500;
export const ETH_MIN_MTU = 68;
export const ETH_MAX_MTU = 0xffff;
/** `INIT_NETDEV_GROUP`. */
export const INIT_NETDEV_GROUP = 0;

/** `ARPHRD_*` (include/uapi/linux/if_arp.h), the ones rtnlkit's devices use. */
export const ARPHRD = {
  ETHER: 1,
  LOOPBACK: 772,
  NONE: 0xfffe,
  VOID: 0xffff,
} as const;

/** `IF_OPER_*` (RFC 2863 operational states, include/uapi/linux/if.h). */
export const IF_OPER = {
  UNKNOWN: 0,
  NOTPRESENT: 1,
  DOWN: 2,
  LOWERLAYERDOWN: 3,
  TESTING: 4,
  DORMANT: 5,
  UP: 6,
} as const;

/** `IF_LINK_MODE_*`. */
export const IF_LINK_MODE = { DEFAULT: 0, DORMANT: 1, TESTING: 2 } as const;
