/**
 * RTM_GETADDR for AF_INET: `inet_dump_ifaddr()` (net/ipv4/devinet.c), RTNL_FLAG_DUMP_UNLOCKED in
 * Linux 6.18: it walks the devices and their address lists inside an RCU read section, with
 * `cb->seq = inet_base_seq()` (`dev_addr_genid` + `dev_base_seq`) and a consistency check after
 * every address, so a dump that raced with an address or device change is flagged
 * NLM_F_DUMP_INTR. IPv4 has no RTM_GETADDR doit.
 */
import {
  type DumpCallback,
  decodeIfAddrMsg,
  Errno,
  ErrnoError,
  IFA,
  IFADDRMSG_LEN,
  type Net,
  NL_VALIDATE,
  NLM_F,
  NLMSG_HDRLEN,
  nla,
  RTM,
} from '@rtnlkit/core';
import { getNetNsCapable } from '../link/link-net';
import type { NetDevice } from '../link/netdevice';
import { linkTable } from '../link/table';
import { type InetFillArgs, inetIfaddrMessage } from './fill';
import { devAddrGenid, type InDevice, inDevGet } from './in-device';
import { ifaIpv4Policy } from './newaddr';

/** `inet_base_seq()`: never 0 (0 means "no sequence" to netlink). */
export function inetBaseSeq(net: Net): number {
  const res = (devAddrGenid(net) + linkTable(net).devBaseSeq) >>> 0;
  return res || 0x80000000;
}

interface DumpRequest {
  net: Net;
  ifindex: number;
  netnsid: number | undefined;
  flags: number;
}

/** `inet_valid_dump_ifaddr_req()`, for sockets with strict checking. */
function validDumpReq(cb: DumpCallback, out: DumpRequest): void {
  const len = new DataView(cb.message.buffer, cb.message.byteOffset).getUint32(0, true) - NLMSG_HDRLEN;
  if (len < IFADDRMSG_LEN) throw new ErrnoError(Errno.EINVAL, 'ipv4: Invalid header for address dump request');
  const ifm = decodeIfAddrMsg(cb.message, NLMSG_HDRLEN);
  if (ifm.prefixlen || ifm.flags || ifm.scope)
    throw new ErrnoError(Errno.EINVAL, 'ipv4: Invalid values in header for address dump request');
  out.ifindex = ifm.index;
  if (out.ifindex) {
    cb.answerFlags |= NLM_F.DUMP_FILTERED;
    out.flags |= NLM_F.DUMP_FILTERED;
  }
  const tb = cb.parse(IFADDRMSG_LEN, ifaIpv4Policy, NL_VALIDATE.DEPRECATED_STRICT);
  for (let type = 0; type < tb.tb.length; type += 1) {
    const attr = tb.tb[type];
    if (!attr) continue;
    if (type === IFA.TARGET_NETNSID) {
      out.netnsid = nla.s32(attr);
      out.net = getNetNsCapable(cb, out.netnsid, 'ipv4: Invalid target network namespace id');
    } else {
      throw new ErrnoError(Errno.EINVAL, 'ipv4: Unsupported attribute in dump request');
    }
  }
}

/**
 * `in_dev_dump_addr()`: the addresses of one device from `cursor.ipIdx`; false when the buffer
 * is full (the cursor then says where to resume).
 */
function inDevDumpAddr(cb: DumpCallback, inDev: InDevice, args: InetFillArgs): boolean {
  const list = inDev.ifaList;
  for (let i = cb.cursor.ipIdx ?? 0; i < list.length; i += 1) {
    if (!cb.put(inetIfaddrMessage(list[i] as NonNullable<(typeof list)[number]>, args))) {
      cb.cursor.ipIdx = i;
      return false;
    }
    cb.checkConsistent();
  }
  cb.cursor.ipIdx = 0;
  return true;
}

/** `inet_dump_ifaddr()`: one pass; true while there is more. */
export function inetDumpIfaddr(cb: DumpCallback): boolean {
  using _rcu = cb.rtnl.rcu.readLock(cb.task);
  const req: DumpRequest = { net: cb.net, ifindex: 0, netnsid: undefined, flags: NLM_F.MULTI };
  if (cb.strict) validDumpReq(cb, req);
  const args: InetFillArgs = {
    type: RTM.NEWADDR,
    flags: req.flags,
    seq: cb.header.seq,
    portId: cb.socket.portId,
    netnsid: req.netnsid,
    now: cb.rtnl.clock.now(),
  };
  const table = linkTable(req.net);
  if (req.ifindex) {
    // The filtered dump sets no cb->seq: it is never flagged.
    const dev = table.getByIndex(req.ifindex);
    if (!dev) throw new ErrnoError(Errno.ENODEV);
    const inDev = inDevGet(dev);
    if (!inDev) return false;
    return !inDevDumpAddr(cb, inDev, args);
  }
  cb.seq = inetBaseSeq(req.net);
  for (
    let dev: NetDevice | undefined = table.firstFrom(cb.cursor.ifindex ?? 0);
    dev;
    dev = table.firstFrom(dev.ifindex + 1)
  ) {
    cb.cursor.ifindex = dev.ifindex;
    const inDev = inDevGet(dev);
    if (!inDev) continue;
    if (!inDevDumpAddr(cb, inDev, args)) return true;
  }
  cb.cursor.ifindex = 0x7fffffff;
  return false;
}
