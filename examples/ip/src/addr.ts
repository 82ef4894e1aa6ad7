/** `ip addr show|add|del`, built as iproute2's ipaddress.c builds its requests. */
import {
  AF,
  decodeIfInfoMsg,
  encodeIfAddrMsg,
  IFA,
  NLM_F,
  NLMSG_HDRLEN,
  RT_SCOPE,
  RTM,
  scopeNumber,
} from '@rtnlkit/core';
import { IpError } from './errors';
import { type Output, printAddrs } from './print';
import type { Session } from './session';
import { parsePrefix, type Words } from './words';

/** IFA_F_NOPREFIXROUTE (include/uapi/linux/if_addr.h). */
const IFA_F_NOPREFIXROUTE = 0x200;
export async function addr(session: Session, command: string, words: Words, out: Output): Promise<void> {
  switch (command) {
    case 'show':
    case 'list':
    case 'ls':
      return show(session, words, out);
    case 'add':
      return modify(session, words, RTM.NEWADDR);
    case 'delete':
    case 'del':
      return modify(session, words, RTM.DELADDR);
    default:
      throw new IpError(`Command "${command}" is unknown, try "ip address help".`);
  }
}

async function show(session: Session, words: Words, out: Output): Promise<void> {
  let dev: string | undefined;
  for (let w = words.next(); w !== undefined; w = words.next()) dev = w === 'dev' ? words.value() : w;
  const all = await session.links();
  let shown = all;
  if (dev !== undefined) {
    const index = await session.ifindex(dev);
    shown = shown.filter((m) => decodeIfInfoMsg(m.bytes, NLMSG_HDRLEN).index === index);
  }
  const addrs = await session.call(
    session
      .builder(RTM.GETADDR, NLM_F.DUMP)
      .bytes(encodeIfAddrMsg({ family: AF.INET }))
      .finish(),
  );
  printAddrs(out, shown, all, addrs);
}

async function modify(session: Session, words: Words, type: number): Promise<void> {
  let local: { address: string; len: number } | undefined;
  let peer: { address: string; len: number } | undefined;
  let dev: string | undefined;
  let broadcast: string | undefined;
  let label: string | undefined;
  let scope: number | undefined;
  let flags = 0;
  let metric: number | undefined;
  for (let w = words.next(); w !== undefined; w = words.next()) {
    switch (w) {
      case 'dev':
        dev = words.value();
        break;
      case 'peer':
        peer = parsePrefix(words.value());
        break;
      case 'broadcast':
      case 'brd':
        broadcast = words.value();
        break;
      case 'label':
        label = words.value();
        break;
      case 'scope': {
        const name = words.value();
        const value = scopeNumber(name);
        if (value === undefined) throw new IpError(`Error: argument "${name}" is wrong: invalid scope value.`);
        scope = value;
        break;
      }
      case 'noprefixroute':
        flags |= IFA_F_NOPREFIXROUTE;
        break;
      case 'metric':
      case 'priority':
        metric = words.int('metric');
        break;
      case 'local':
        local = parsePrefix(words.value());
        break;
      default:
        if (local !== undefined) throw new IpError(`Garbage instead of arguments "${w} ...". Try "ip address help".`);
        local = parsePrefix(w);
    }
  }
  if (dev === undefined) throw new IpError('Not enough information: "dev" argument is required.');
  if (local === undefined) throw new IpError('Not enough information: an address is required.');
  const index = await session.ifindex(dev);
  const prefixlen = peer ? peer.len : local.len;
  // iproute2's default_scope(): host for 127/8, else global.
  const defaultScope = local.address.startsWith('127.') ? RT_SCOPE.HOST : RT_SCOPE.UNIVERSE;
  const b = session.builder(type, type === RTM.NEWADDR ? NLM_F.CREATE | NLM_F.EXCL : 0);
  b.bytes(
    encodeIfAddrMsg({
      family: AF.INET,
      prefixlen,
      index,
      scope: scope ?? (type === RTM.NEWADDR ? defaultScope : 0),
    }),
  );
  b.ipv4(IFA.LOCAL, local.address);
  b.ipv4(IFA.ADDRESS, (peer ?? local).address);
  if (broadcast !== undefined) b.ipv4(IFA.BROADCAST, broadcastOf(broadcast, local));
  if (label !== undefined) b.string(IFA.LABEL, label);
  if (flags) b.u32(IFA.FLAGS, flags);
  if (metric !== undefined) b.u32(IFA.RT_PRIORITY, metric);
  await session.call(b.finish());
}

/** `brd +` / `brd -`: the prefix's all-ones or all-zeros host part. */
function broadcastOf(text: string, local: { address: string; len: number }): string {
  if (text !== '+' && text !== '-') return parsePrefix(text).address;
  const value = local.address.split('.').reduce((n, p) => n * 256 + Number(p), 0);
  const host = local.len >= 32 ? 0 : 2 ** (32 - local.len) - 1;
  const net = value - (value % (host + 1));
  const result = text === '+' ? net + host : net;
  return [24, 16, 8, 0].map((s) => Math.floor(result / 2 ** s) % 256).join('.');
}
