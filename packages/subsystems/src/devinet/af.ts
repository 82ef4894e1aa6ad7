/**
 * `inet_af_ops` (net/ipv4/devinet.c): AF_INET's part of IFLA_AF_SPEC. A link message carries
 * IFLA_INET_CONF, the device's IPV4_DEVCONF_* values as an array of u32 (`inet_fill_link_af`); a
 * request sets them with a nest of u32 attributes typed by IPV4_DEVCONF_* (`inet_set_link_af`),
 * checked first (`inet_validate_link_af`: EAFNOSUPPORT without an in_device, EINVAL for an id
 * outside 1..IPV4_DEVCONF_MAX or a value shorter than 4 bytes).
 */
import { AF, Errno, ErrnoError, NLA_HDRLEN, type Nlattr, nlaAlign, walkAttrs } from '@rtnlkit/core';
import type { RtnlAfOps } from '../link/af-ops';
import { IPV4_DEVCONF_MAX } from './devconf';
import { inDevGet } from './in-device';

/** `IFLA_INET_CONF`. */
export const IFLA_INET_CONF = 1;

/** The nested attributes of a nest (`nla_for_each_nested`). */
function nested(attr: Nlattr): Nlattr[] {
  return walkAttrs(attr.data, 0, attr.data.length, attr.offset + NLA_HDRLEN).attrs;
}

/** `nla_parse_nested_deprecated(tb, IFLA_INET_MAX, nla, inet_af_policy)`: IFLA_INET_CONF, the last one. */
function inetConf(attr: Nlattr): Nlattr | undefined {
  let conf: Nlattr | undefined;
  for (const a of nested(attr)) if (a.type === IFLA_INET_CONF) conf = a;
  return conf;
}

export const inetAfOps: RtnlAfOps = {
  family: AF.INET,
  fillLinkAf(b, dev) {
    const inDev = inDevGet(dev);
    if (!inDev) throw new ErrnoError(Errno.ENODATA);
    const data = new Uint8Array(IPV4_DEVCONF_MAX * 4);
    const view = new DataView(data.buffer);
    for (let i = 0; i < IPV4_DEVCONF_MAX; i += 1) view.setUint32(i * 4, inDev.cnf[i + 1] ?? 0, true);
    b.attr(IFLA_INET_CONF, data);
  },
  getLinkAfSize(dev) {
    return inDevGet(dev) ? nlaAlign(NLA_HDRLEN + IPV4_DEVCONF_MAX * 4) : 0;
  },
  validateLinkAf(dev, attr) {
    if (!inDevGet(dev)) throw new ErrnoError(Errno.EAFNOSUPPORT);
    const conf = inetConf(attr);
    if (!conf) return;
    for (const a of nested(conf)) {
      if (a.data.length < 4 || a.type <= 0 || a.type > IPV4_DEVCONF_MAX) throw new ErrnoError(Errno.EINVAL);
    }
  },
  setLinkAf(dev, attr) {
    const inDev = inDevGet(dev);
    if (!inDev) throw new ErrnoError(Errno.EAFNOSUPPORT);
    const conf = inetConf(attr);
    if (!conf) return;
    for (const a of nested(conf)) {
      // ipv4_devconf_set(): the value, and the bit that says it was set by hand.
      inDev.cnf[a.type] = new DataView(a.data.buffer, a.data.byteOffset, 4).getUint32(0, true);
    }
  },
};
