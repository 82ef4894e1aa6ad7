/**
 * RTM_NEWROUTE and RTM_DELROUTE for AF_INET: `inet_rtm_newroute()` / `inet_rtm_delroute()`
 * (net/ipv4/fib_frontend.c). DOIT_PERNET: the request is parsed (`rtm_to_fib_config`) in the
 * unlocked prepare stage; the table change runs under the handler's locks.
 */
import { type DoitRequest, Errno, ErrnoError, type Prepared } from '@rtnlkit/core';
import { type FibConfig, ROUTE_VALIDATE, rtmIpv4Policy, rtmToFibConfig } from './config';
import { fibTableDelete, fibTableInsert } from './ops';
import { fibNet } from './table';

/** The prepare stage both handlers share: `rtm_to_fib_config()` before any lock. */
export function inetRouteConfigPrepare(req: DoitRequest): Prepared {
  const cfg = rtmToFibConfig(req.message, (hdrlen) => req.parse(hdrlen, rtmIpv4Policy, ROUTE_VALIDATE), {
    portId: req.socket.portId,
  });
  return { data: cfg };
}

function configOf(req: DoitRequest): FibConfig {
  return (req.prepared?.data as FibConfig | undefined) ?? (inetRouteConfigPrepare(req).data as FibConfig);
}

/** `inet_rtm_newroute()`: `fib_new_table()` (tables ≥ 256 appear on demand), then `fib_table_insert()`. */
export async function inetRtmNewroute(req: DoitRequest): Promise<void> {
  const cfg = configOf(req);
  const fib = fibNet(req.net);
  const table = fib.newTable(cfg.table);
  await fibTableInsert(req.rtnl, fib, table, cfg);
}

/** `inet_rtm_delroute()`: ESRCH "FIB table does not exist", then `fib_table_delete()`. */
export async function inetRtmDelroute(req: DoitRequest): Promise<void> {
  const cfg = configOf(req);
  if (cfg.nhId) throw new ErrnoError(Errno.EINVAL, 'Nexthop id does not exist');
  const fib = fibNet(req.net);
  const table = fib.getTable(cfg.table);
  if (!table) throw new ErrnoError(Errno.ESRCH, 'FIB table does not exist');
  await fibTableDelete(req.rtnl, fib, table, cfg);
}
