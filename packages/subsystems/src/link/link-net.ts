/**
 * Which namespace a link request is about (net/core/rtnetlink.c): IFLA_NET_NS_PID,
 * IFLA_NET_NS_FD or IFLA_TARGET_NETNSID, at most one of them, resolved before any lock is taken.
 */
import {
  Errno,
  ErrnoError,
  IFLA,
  type Net,
  type NetlinkSocket,
  nla,
  type ParsedAttrs,
  type Rtnetlink,
} from '@rtnlkit/core';
import { nsFiles } from '../netns/ns-files';
import { getNetNsById } from '../netns/nsid';

/** What a doit request and a dump callback share that namespace resolution needs. */
interface Requester {
  readonly rtnl: Rtnetlink;
  readonly net: Net;
  readonly socket: NetlinkSocket;
}

/**
 * `rtnl_ensure_unique_netns()`: EINVAL "multiple netns identifying attributes specified" for more
 * than one selector; with `idOnly` (GETLINK, DELLINK), EOPNOTSUPP "specified netns attribute not
 * supported" for a PID or FD selector.
 */
export function ensureUniqueNetns(tb: ParsedAttrs, idOnly: boolean): void {
  const pid = tb.tb[IFLA.NET_NS_PID] !== undefined;
  const fd = tb.tb[IFLA.NET_NS_FD] !== undefined;
  const id = tb.tb[IFLA.TARGET_NETNSID] !== undefined;
  if (idOnly) {
    if (pid || fd) throw new ErrnoError(Errno.EOPNOTSUPP, 'specified netns attribute not supported');
    return;
  }
  if (Number(pid) + Number(fd) + Number(id) > 1)
    throw new ErrnoError(Errno.EINVAL, 'multiple netns identifying attributes specified');
}

/**
 * `rtnl_link_get_net_ifla()`: the namespace IFLA_NET_NS_PID or IFLA_NET_NS_FD names (ESRCH, EBADF
 * when they name nothing), undefined when neither is there.
 */
export function linkNetByIfla(req: Requester, tb: ParsedAttrs): Net | undefined {
  const pid = tb.tb[IFLA.NET_NS_PID];
  if (pid) return nsFiles(req.rtnl).byPid(nla.u32(pid));
  const fd = tb.tb[IFLA.NET_NS_FD];
  if (fd) return nsFiles(req.rtnl).byFd(nla.u32(fd));
  return undefined;
}

/**
 * `rtnl_link_get_net_capable()`: the target namespace of a NEWLINK or SETLINK: by PID or FD, else
 * by IFLA_TARGET_NETNSID (EINVAL for an unknown id), else the requester's; EPERM unless the
 * requester is an admin there (rtnlkit's admin sockets are admins in every namespace).
 */
export function linkGetNetCapable(req: Requester, tb: ParsedAttrs): Net {
  let net = linkNetByIfla(req, tb);
  if (!net) {
    const id = tb.tb[IFLA.TARGET_NETNSID];
    net = id ? getNetNsById(req.net, nla.s32(id)) : req.net;
    if (!net) throw new ErrnoError(Errno.EINVAL);
  }
  if (!req.socket.admin) throw new ErrnoError(Errno.EPERM);
  return net;
}

/**
 * `rtnl_get_net_ns_capable()`: the namespace IFLA_TARGET_NETNSID names for a GETLINK (EINVAL with
 * `extack` for an unknown id; EACCES for a requester without admin rights there).
 */
export function getNetNsCapable(req: Requester, id: number, extack?: string): Net {
  const net = getNetNsById(req.net, id);
  if (!net) throw new ErrnoError(Errno.EINVAL, extack);
  if (!req.socket.admin) throw new ErrnoError(Errno.EACCES);
  return net;
}
