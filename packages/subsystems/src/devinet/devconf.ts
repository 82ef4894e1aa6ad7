/**
 * Per-device IPv4 settings (`struct ipv4_devconf`, `IPV4_DEVCONF_*` of include/uapi/linux/ip.h):
 * the values `net.ipv4.conf.<dev>.*` shows, indexed from 1 as in IFLA_INET_CONF.
 */
import type { Net } from '@rtnlkit/core';

/** `IPV4_DEVCONF_*`. */
export const IPV4_DEVCONF = {
  FORWARDING: 1,
  MC_FORWARDING: 2,
  PROXY_ARP: 3,
  ACCEPT_REDIRECTS: 4,
  SECURE_REDIRECTS: 5,
  SEND_REDIRECTS: 6,
  SHARED_MEDIA: 7,
  RP_FILTER: 8,
  ACCEPT_SOURCE_ROUTE: 9,
  BOOTP_RELAY: 10,
  LOG_MARTIANS: 11,
  TAG: 12,
  ARPFILTER: 13,
  MEDIUM_ID: 14,
  NOXFRM: 15,
  NOPOLICY: 16,
  FORCE_IGMP_VERSION: 17,
  ARP_ANNOUNCE: 18,
  ARP_IGNORE: 19,
  PROMOTE_SECONDARIES: 20,
  ARP_ACCEPT: 21,
  ARP_NOTIFY: 22,
  ACCEPT_LOCAL: 23,
  SRC_VMARK: 24,
  PROXY_ARP_PVLAN: 25,
  ROUTE_LOCALNET: 26,
  IGMPV2_UNSOLICITED_REPORT_INTERVAL: 27,
  IGMPV3_UNSOLICITED_REPORT_INTERVAL: 28,
  IGNORE_ROUTES_WITH_LINKDOWN: 29,
  DROP_UNICAST_IN_L2_MULTICAST: 30,
  DROP_GRATUITOUS_ARP: 31,
  BC_FORWARDING: 32,
  ARP_EVICT_NOCARRIER: 33,
} as const;

/** `IPV4_DEVCONF_MAX`. */
export const IPV4_DEVCONF_MAX = 33;

/**
 * A new device's settings: `ipv4_devconf_dflt` of a fresh namespace (`net.ipv4.conf.default`,
 * as Linux 6.18 shows it in a new network namespace), slot 0 unused.
 */
export function defaultDevconf(): Uint32Array {
  const cnf = new Uint32Array(IPV4_DEVCONF_MAX + 1);
  cnf[IPV4_DEVCONF.ACCEPT_REDIRECTS] = 1;
  cnf[IPV4_DEVCONF.SECURE_REDIRECTS] = 1;
  cnf[IPV4_DEVCONF.SEND_REDIRECTS] = 1;
  cnf[IPV4_DEVCONF.SHARED_MEDIA] = 1;
  cnf[IPV4_DEVCONF.ACCEPT_SOURCE_ROUTE] = 1;
  cnf[IPV4_DEVCONF.IGMPV2_UNSOLICITED_REPORT_INTERVAL] = 10000;
  cnf[IPV4_DEVCONF.IGMPV3_UNSOLICITED_REPORT_INTERVAL] = 1000;
  cnf[IPV4_DEVCONF.ARP_EVICT_NOCARRIER] = 1;
  return cnf;
}

/** A namespace's `devconf_all` and `devconf_dflt` (`net.ipv4.conf.all`, `.default`). */
export interface NetDevconf {
  readonly all: Uint32Array;
  readonly dflt: Uint32Array;
}

const NET_DEVCONF = { key: 'devinet.devconf' };

/**
 * The namespace's `all` and `default` settings, as Linux 6.18 has them in a new namespace
 * (`all` differs from `default` only in accept_source_route, 0).
 */
export function netDevconf(net: Net): NetDevconf {
  let conf = net.getGeneric<NetDevconf>(NET_DEVCONF);
  if (!conf) {
    const all = defaultDevconf();
    all[IPV4_DEVCONF.ACCEPT_SOURCE_ROUTE] = 0;
    conf = { all, dflt: defaultDevconf() };
    net.setGeneric(NET_DEVCONF, conf);
  }
  return conf;
}
