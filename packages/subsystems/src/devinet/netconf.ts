/**
 * RTM_GETNETCONF for AF_INET (net/ipv4/devinet.c): `inet_netconf_get_devconf()` (doit) and
 * `inet_netconf_dump_devconf()` (dump), both RTNL_FLAG_DOIT_UNLOCKED / DUMP_UNLOCKED since Linux
 * 6.9: they read the settings under RCU. An answer is RTM_NEWNETCONF with a `struct netconfmsg`
 * (one byte, padded to 4) and NETCONFA_IFINDEX, _FORWARDING, _RP_FILTER, _MC_FORWARDING,
 * _BC_FORWARDING, _PROXY_NEIGH and _IGNORE_ROUTES_WITH_LINKDOWN, in this order.
 */
import {
  AF,
  type DoitRequest,
  type DumpCallback,
  defineAttrSet,
  Errno,
  ErrnoError,
  type Net,
  NL_VALIDATE,
  NLM_F,
  NLMSG_HDRLEN,
  NlMsgBuilder,
  nla,
  type ParsedAttrs,
} from '@rtnlkit/core';
import { linkTable } from '../link/table';
import { IPV4_DEVCONF, netDevconf } from './devconf';
import { inDevGet } from './in-device';

/** `RTM_NEWNETCONF`, `RTM_GETNETCONF`. */
export const RTM_NEWNETCONF = 80;
export const RTM_GETNETCONF = 82;

/** `NETCONFA_*`. */
export const NETCONFA = {
  IFINDEX: 1,
  FORWARDING: 2,
  RP_FILTER: 3,
  MC_FORWARDING: 4,
  PROXY_NEIGH: 5,
  IGNORE_ROUTES_WITH_LINKDOWN: 6,
  INPUT: 7,
  BC_FORWARDING: 8,
} as const;

/** `NETCONFA_IFINDEX_ALL`, `NETCONFA_IFINDEX_DEFAULT`. */
export const NETCONFA_IFINDEX_ALL = -1;
export const NETCONFA_IFINDEX_DEFAULT = -2;

/** `sizeof(struct netconfmsg)`. */
const NETCONFMSG_LEN = 1;

/** `devconf_ipv4_policy`: minimum lengths of 4 bytes. */
export const devconfIpv4Policy = defineAttrSet('devconf-ipv4', [
  { name: 'ifindex', type: NETCONFA.IFINDEX, nla: 'unspec', len: 4 },
  { name: 'forwarding', type: NETCONFA.FORWARDING, nla: 'unspec', len: 4 },
  { name: 'rp-filter', type: NETCONFA.RP_FILTER, nla: 'unspec', len: 4 },
  { name: 'mc-forwarding', type: NETCONFA.MC_FORWARDING, nla: 'unspec' },
  { name: 'proxy-neigh', type: NETCONFA.PROXY_NEIGH, nla: 'unspec', len: 4 },
  { name: 'ignore-routes-with-linkdown', type: NETCONFA.IGNORE_ROUTES_WITH_LINKDOWN, nla: 'unspec', len: 4 },
  { name: 'input', type: NETCONFA.INPUT, nla: 'unspec' },
  { name: 'bc-forwarding', type: NETCONFA.BC_FORWARDING, nla: 'unspec' },
]);

/** `inet_netconf_fill_devconf(…, NETCONFA_ALL)`. */
export function inetNetconfMessage(
  ifindex: number,
  cnf: Uint32Array,
  header: { type: number; flags: number; seq: number; portId: number },
): Uint8Array {
  const b = new NlMsgBuilder(header.type, header.flags, header.seq, header.portId);
  b.bytes(Uint8Array.of(AF.INET, 0, 0, 0));
  b.s32(NETCONFA.IFINDEX, ifindex);
  b.s32(NETCONFA.FORWARDING, cnf[IPV4_DEVCONF.FORWARDING] ?? 0);
  b.s32(NETCONFA.RP_FILTER, cnf[IPV4_DEVCONF.RP_FILTER] ?? 0);
  b.s32(NETCONFA.MC_FORWARDING, cnf[IPV4_DEVCONF.MC_FORWARDING] ?? 0);
  b.s32(NETCONFA.BC_FORWARDING, cnf[IPV4_DEVCONF.BC_FORWARDING] ?? 0);
  b.s32(NETCONFA.PROXY_NEIGH, cnf[IPV4_DEVCONF.PROXY_ARP] ?? 0);
  b.s32(NETCONFA.IGNORE_ROUTES_WITH_LINKDOWN, cnf[IPV4_DEVCONF.IGNORE_ROUTES_WITH_LINKDOWN] ?? 0);
  return b.finish().slice();
}

function payloadLength(message: Uint8Array): number {
  return new DataView(message.buffer, message.byteOffset).getUint32(0, true) - NLMSG_HDRLEN;
}

/** `inet_netconf_valid_get_req()`. */
function validGetReq(req: DoitRequest): ParsedAttrs {
  if (payloadLength(req.message) < NETCONFMSG_LEN)
    throw new ErrnoError(Errno.EINVAL, 'ipv4: Invalid header for netconf get request');
  if (!req.strict) return req.parse(NETCONFMSG_LEN, devconfIpv4Policy, NL_VALIDATE.LIBERAL);
  const tb = req.parse(NETCONFMSG_LEN, devconfIpv4Policy, NL_VALIDATE.DEPRECATED_STRICT);
  for (let type = 0; type < tb.tb.length; type += 1) {
    if (tb.tb[type] && type !== NETCONFA.IFINDEX)
      throw new ErrnoError(Errno.EINVAL, 'ipv4: Unsupported attribute in netconf get request');
  }
  return tb;
}

/** The settings NETCONFA_IFINDEX names: all, default, or a device's (ENODEV without one). */
function devconfOf(net: Net, ifindex: number): Uint32Array {
  if (ifindex === NETCONFA_IFINDEX_ALL) return netDevconf(net).all;
  if (ifindex === NETCONFA_IFINDEX_DEFAULT) return netDevconf(net).dflt;
  const dev = linkTable(net).getByIndex(ifindex);
  const inDev = dev && inDevGet(dev);
  if (!inDev) throw new ErrnoError(Errno.ENODEV);
  return inDev.cnf;
}

/** `inet_netconf_get_devconf()`: EINVAL without NETCONFA_IFINDEX. */
export function inetNetconfGetDevconf(req: DoitRequest): void {
  const tb = validGetReq(req);
  const attr = tb.tb[NETCONFA.IFINDEX];
  if (!attr) throw new ErrnoError(Errno.EINVAL);
  const ifindex = nla.s32(attr);
  using _rcu = req.rtnl.rcu.readLock(req.task);
  const cnf = devconfOf(req.net, ifindex);
  req.reply(
    inetNetconfMessage(ifindex, cnf, {
      type: RTM_NEWNETCONF,
      flags: 0,
      seq: req.header.seq,
      portId: req.socket.portId,
    }),
  );
}

/** `inet_netconf_dump_devconf()`: every device with an in_device, then all (-1) and default (-2). */
export function inetNetconfDumpDevconf(cb: DumpCallback): boolean {
  if (cb.strict) {
    const len = payloadLength(cb.message);
    if (len < NETCONFMSG_LEN) throw new ErrnoError(Errno.EINVAL, 'ipv4: Invalid header for netconf dump request');
    if (len > 4) throw new ErrnoError(Errno.EINVAL, 'ipv4: Invalid data after header in netconf dump request');
  }
  using _rcu = cb.rtnl.rcu.readLock(cb.task);
  const header = (ifindex: number) => ({
    type: RTM_NEWNETCONF,
    flags: NLM_F.MULTI,
    seq: cb.header.seq,
    portId: cb.socket.portId,
    ifindex,
  });
  const table = linkTable(cb.net);
  for (let dev = table.firstFrom(cb.cursor.ifindex ?? 0); dev; dev = table.firstFrom(dev.ifindex + 1)) {
    cb.cursor.ifindex = dev.ifindex;
    const inDev = inDevGet(dev);
    if (!inDev) continue;
    if (!cb.put(inetNetconfMessage(dev.ifindex, inDev.cnf, header(dev.ifindex)))) return true;
  }
  cb.cursor.ifindex = 0x7fffffff;
  const conf = netDevconf(cb.net);
  if ((cb.cursor.allDefault ?? 0) === 0) {
    if (!cb.put(inetNetconfMessage(NETCONFA_IFINDEX_ALL, conf.all, header(NETCONFA_IFINDEX_ALL)))) return true;
    cb.cursor.allDefault = 1;
  }
  if (cb.cursor.allDefault === 1) {
    if (!cb.put(inetNetconfMessage(NETCONFA_IFINDEX_DEFAULT, conf.dflt, header(NETCONFA_IFINDEX_DEFAULT)))) return true;
    cb.cursor.allDefault = 2;
  }
  return false;
}
