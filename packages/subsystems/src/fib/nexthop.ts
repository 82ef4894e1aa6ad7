/**
 * `fib_create_info()` and `fib_check_nh()` (net/ipv4/fib_semantics.c): a route's attributes
 * checked and resolved into a {@link FibInfo}, with the kernel's errno and extack for each refusal.
 */
import { Errno, ErrnoError, type FaultHost, failAt, IFF, RTN } from '@rtnlkit/core';
import type { NetDevice } from '../link/netdevice';
import { linkTable } from '../link/table';
import { type FibConfig, type NhConfig, parseMultipath } from './config';
import { FIB_PROPS, RT_SCOPE, RT_TABLE, RTN_MAX, RTNH_F } from './constants';
import { FIB_LOOKUP, fibLookup, fibTableLookup, inetAddrTypeTable } from './lookup';
import { type FibInfo, type FibNet, type FibNh, infoKey } from './table';

const errnoError = (errno: number, msg?: string): ErrnoError => new ErrnoError(errno, msg);

const fail = (errno: number, msg?: string): never => {
  throw new ErrnoError(errno, msg);
};

/** `fib_check_nh_v4_gw()`: the gateway must resolve, through a unicast or local route, to an up device. */
function checkNhV4Gw(fib: FibNet, nh: FibNh, table: number, scope: number): void {
  const links = linkTable(fib.net);
  if (nh.flags & RTNH_F.ONLINK) {
    if (scope >= RT_SCOPE.LINK) fail(Errno.EINVAL, 'Nexthop has invalid scope');
    const dev = links.getByIndex(nh.oif);
    if (!dev) throw errnoError(Errno.ENODEV, 'Nexthop device required for onlink');
    if (!(dev.flags & IFF.UP)) fail(Errno.ENETDOWN, 'Nexthop device is not up');
    // inet_addr_type_dev_table(): the gateway must not be local, broadcast, …
    if (inetAddrTypeTable(fib, nh.gw, RT_TABLE.LOCAL, dev) !== RTN.UNICAST)
      fail(Errno.EINVAL, 'Nexthop has invalid gateway');
    if (!dev.carrier) nh.flags |= RTNH_F.LINKDOWN;
    nh.dev = dev;
    nh.scope = RT_SCOPE.LINK;
    return;
  }
  const flow = { daddr: nh.gw, scope: Math.max(scope + 1, RT_SCOPE.LINK), oif: nh.oif };
  let res: ReturnType<typeof fibLookup> = Errno.ENETUNREACH;
  const tbl = table && table !== RT_TABLE.MAIN ? fib.getTable(table) : undefined;
  if (tbl) res = fibTableLookup(tbl, flow, FIB_LOOKUP.IGNORE_LINKSTATE | FIB_LOOKUP.NOREF);
  // "on error or if no table given do full lookup"
  if (!tbl || typeof res === 'number') res = fibLookup(fib, flow, FIB_LOOKUP.IGNORE_LINKSTATE);
  if (typeof res === 'number')
    throw errnoError(res === Errno.EAGAIN ? Errno.ENETUNREACH : res, 'Nexthop has invalid gateway');
  if (res.type !== RTN.UNICAST && res.type !== RTN.LOCAL) fail(Errno.EINVAL, 'Nexthop has invalid gateway');
  nh.scope = res.scope;
  const dev = res.nh?.dev;
  if (!dev) throw errnoError(Errno.EINVAL, 'No egress device for nexthop gateway');
  (nh as { oif: number }).oif = dev.ifindex;
  nh.dev = dev;
  if (!dev.carrier) nh.flags |= RTNH_F.LINKDOWN;
  if (!(dev.flags & IFF.UP)) fail(Errno.ENETDOWN);
}

/** `fib_check_nh_nongw()`: a device route needs an existing, up device. */
function checkNhNongw(fib: FibNet, nh: FibNh): void {
  if (nh.flags & (RTNH_F.DEAD | RTNH_F.ONLINK))
    fail(Errno.EINVAL, 'Invalid flags for nexthop - PERVASIVE and ONLINK can not be set');
  // inetdev_by_index(): every device of rtnlkit has its in_device (devinet is not modelled yet).
  const dev = linkTable(fib.net).getByIndex(nh.oif);
  if (!dev) throw errnoError(Errno.ENODEV);
  if (!(dev.flags & IFF.UP)) fail(Errno.ENETDOWN, 'Device for nexthop is not up');
  nh.dev = dev;
  nh.scope = RT_SCOPE.HOST;
  if (!dev.carrier) nh.flags |= RTNH_F.LINKDOWN;
}

/** `fib_check_nh()`. */
export function fibCheckNh(fib: FibNet, nh: FibNh, table: number, scope: number): void {
  if (nh.gw) checkNhV4Gw(fib, nh, table, scope);
  else checkNhNongw(fib, nh);
}

/** `fib_valid_prefsrc()`: a preferred source must be a local address (unless the route is that address). */
function validPrefsrc(fib: FibNet, cfg: FibConfig, prefsrc: number): boolean {
  if (cfg.type === RTN.LOCAL && cfg.dst && cfg.prefsrc === cfg.dst) return true;
  const tbId = cfg.table === RT_TABLE.MAIN ? RT_TABLE.LOCAL : cfg.table;
  let rc = inetAddrTypeTable(fib, prefsrc, tbId);
  if (rc !== RTN.LOCAL && tbId !== RT_TABLE.LOCAL) rc = inetAddrTypeTable(fib, prefsrc, RT_TABLE.LOCAL);
  return rc === RTN.LOCAL;
}

function newNh(c: NhConfig): FibNh {
  return { dev: undefined, oif: c.oif, gw: c.gw, flags: c.flags, weight: c.weight, scope: RT_SCOPE.NOWHERE };
}

/**
 * `fib_create_info()`: the checked info, interned (an identical live one is returned instead,
 * as `fib_find_info()` does). Throws the kernel's errno and extack. `faults`: the instance whose
 * fault injector may fail the info's allocation and each nexthop's (`fib_nh_init()`).
 */
export function fibCreateInfo(fib: FibNet, cfg: FibConfig, faults?: FaultHost): FibInfo {
  if (cfg.type > RTN_MAX) fail(Errno.EINVAL, 'Invalid route type');
  if ((FIB_PROPS[cfg.type]?.scope ?? 0) > cfg.scope) fail(Errno.EINVAL, 'Invalid scope');
  if (cfg.flags & (RTNH_F.DEAD | RTNH_F.LINKDOWN))
    fail(Errno.EINVAL, 'Invalid rtm_flags - can not contain DEAD or LINKDOWN');
  if (cfg.nhId) fail(Errno.EINVAL, 'Nexthop id does not exist');
  let nhConfigs: NhConfig[];
  if (cfg.mpRaw || cfg.mp) {
    nhConfigs = cfg.mp ?? parseMultipath(cfg.mpRaw as Uint8Array, cfg.flags);
    // fib_get_nhs(): RTA_OIF and RTA_GATEWAY beside RTA_MULTIPATH must agree with the first nexthop.
    const first = nhConfigs[0] as NhConfig;
    if (cfg.oif && first.oif !== cfg.oif) fail(Errno.EINVAL, 'Nexthop device index does not match RTA_OIF');
    if (cfg.gw && first.gw !== cfg.gw) fail(Errno.EINVAL, 'Nexthop gateway does not match RTA_GATEWAY or RTA_VIA');
  } else {
    nhConfigs = [{ oif: cfg.oif, gw: cfg.gw, flags: cfg.flags & 0xff, weight: 1 }];
  }
  if (faults) {
    // kzalloc() of the info with its nexthops, then fib_get_nhs(): each fib_nh_init() allocates
    // its per-cpu route caches. Nothing is linked anywhere yet.
    failAt(faults, 'fib_create_info:kzalloc', 'alloc');
    for (const _ of nhConfigs) failAt(faults, 'fib_nh_init:alloc_percpu', 'alloc');
  }
  const nhs = nhConfigs.map(newNh);
  const props = FIB_PROPS[cfg.type] ?? { error: 0, scope: 0 };
  if (props.error) {
    if (cfg.gw || cfg.oif || cfg.mpRaw || cfg.mp)
      fail(Errno.EINVAL, 'Gateway, device and multipath can not be specified for this route type');
  } else {
    switch (cfg.type) {
      case RTN.UNICAST:
      case RTN.LOCAL:
      case RTN.BROADCAST:
      case RTN.ANYCAST:
      case RTN.MULTICAST:
        break;
      default:
        fail(Errno.EINVAL, 'Invalid route type');
    }
    if (cfg.scope > RT_SCOPE.HOST) fail(Errno.EINVAL, 'Invalid scope');
    if (cfg.scope === RT_SCOPE.HOST) {
      if (nhs.length !== 1) fail(Errno.EINVAL, 'Route with host scope can not have multiple nexthops');
      const nh = nhs[0] as FibNh;
      if (nh.gw) fail(Errno.EINVAL, 'Route with host scope can not have a gateway');
      nh.scope = RT_SCOPE.NOWHERE;
      const dev: NetDevice | undefined = linkTable(fib.net).getByIndex(nh.oif);
      if (!dev) fail(Errno.ENODEV);
      nh.dev = dev;
    } else {
      for (const nh of nhs) fibCheckNh(fib, nh, cfg.table, cfg.scope);
    }
  }
  let flags = cfg.flags & 0xff & ~(RTNH_F.DEAD | RTNH_F.LINKDOWN | RTNH_F.ONLINK);
  if (!props.error && nhs.every((nh) => nh.flags & RTNH_F.LINKDOWN)) flags |= RTNH_F.LINKDOWN;
  if (cfg.prefsrc && !validPrefsrc(fib, cfg, cfg.prefsrc)) fail(Errno.EINVAL, 'Invalid prefsrc address');
  const fields = {
    tbId: cfg.table,
    protocol: cfg.protocol,
    scope: cfg.scope,
    priority: cfg.priority,
    prefsrc: cfg.prefsrc,
    type: cfg.type,
    flags,
    nhs,
  };
  return fib.intern({ ...fields, dead: false, refs: 0, hashKey: infoKey(fields) });
}
