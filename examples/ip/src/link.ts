/** `ip link show|add|del|set`, built as iproute2's iplink.c builds its requests. */
import {
  AF,
  decodeIfInfoMsg,
  encodeIfInfoMsg,
  IFF,
  IFLA,
  IFLA_INFO,
  NLM_F,
  NLMSG_HDRLEN,
  type NlMsgBuilder,
  RTM,
} from '@rtnlkit/core';
import { VETH_INFO_PEER } from '@rtnlkit/subsystems';
import { IpError } from './errors';
import { type Output, printLinks } from './print';
import type { Session } from './session';
import { parseMac, type Words } from './words';

export async function link(session: Session, command: string, words: Words, out: Output): Promise<void> {
  switch (command) {
    case 'show':
    case 'list':
    case 'ls':
      return show(session, words, out);
    case 'add':
      return modify(session, words, 'add');
    case 'set':
    case 'change':
      return modify(session, words, 'set');
    case 'delete':
    case 'del':
      return del(session, words);
    default:
      throw new IpError(`Command "${command}" is unknown, try "ip link help".`);
  }
}

async function show(session: Session, words: Words, out: Output): Promise<void> {
  let dev: string | undefined;
  let upOnly = false;
  for (let w = words.next(); w !== undefined; w = words.next()) {
    if (w === 'up') upOnly = true;
    else if (w === 'dev') dev = words.value();
    else dev = w;
  }
  const all = await session.links();
  let shown = all;
  if (dev !== undefined) {
    const index = await session.ifindex(dev);
    shown = shown.filter((m) => decodeIfInfoMsg(m.bytes, NLMSG_HDRLEN).index === index);
  }
  if (upOnly) shown = shown.filter((m) => decodeIfInfoMsg(m.bytes, NLMSG_HDRLEN).flags & IFF.UP);
  printLinks(out, shown, all);
}

interface LinkRequest {
  name?: string;
  kind?: string;
  peer?: string;
  up?: boolean;
  attrs: ((b: NlMsgBuilder) => void)[];
}

async function modify(session: Session, words: Words, mode: 'add' | 'set'): Promise<void> {
  const req: LinkRequest = { attrs: [] };
  let dev: string | undefined;
  for (let w = words.next(); w !== undefined; w = words.next()) {
    switch (w) {
      case 'up':
      case 'down':
        req.up = w === 'up';
        break;
      case 'name':
        req.name = words.value();
        break;
      case 'dev':
        dev = words.value();
        break;
      case 'mtu': {
        const mtu = words.int('mtu');
        req.attrs.push((b) => b.u32(IFLA.MTU, mtu));
        break;
      }
      case 'txqueuelen':
      case 'txqlen':
      case 'qlen': {
        const qlen = words.int('txqueuelen');
        req.attrs.push((b) => b.u32(IFLA.TXQLEN, qlen));
        break;
      }
      case 'address': {
        const mac = parseMac(words.value());
        req.attrs.push((b) => b.attr(IFLA.ADDRESS, mac));
        break;
      }
      case 'master': {
        const master = await session.ifindex(words.value());
        req.attrs.push((b) => b.u32(IFLA.MASTER, master));
        break;
      }
      case 'nomaster':
        req.attrs.push((b) => b.u32(IFLA.MASTER, 0));
        break;
      case 'link': {
        const lower = await session.ifindex(words.value());
        req.attrs.push((b) => b.u32(IFLA.LINK, lower));
        break;
      }
      case 'type':
        req.kind = words.value();
        // What follows `type` belongs to the kind; the only one understood here is veth's peer.
        if (req.kind === 'veth' && words.peek() === 'peer') {
          words.next();
          if (words.next() !== 'name') throw new IpError('Error: argument "peer" needs "name NAME".');
          req.peer = words.value();
        }
        if (!words.done) throw new IpError(`Garbage instead of arguments "${words.peek()} ...". Try "ip link help".`);
        break;
      default:
        // A bare word is the device (iproute2: `ip link add NAME`, `ip link set NAME`).
        if (dev !== undefined || (mode === 'add' && req.name !== undefined))
          throw new IpError(`Garbage instead of arguments "${w} ...". Try "ip link help".`);
        if (mode === 'add') req.name = w;
        else dev = w;
    }
  }
  if (mode === 'add') {
    if (dev !== undefined) req.name ??= dev;
    if (req.name === undefined) throw new IpError('Not enough information: "dev" argument is required.');
    if (req.kind === undefined) throw new IpError('Not enough information: "type" argument is required.');
  } else if (dev === undefined) throw new IpError('Not enough information: "dev" argument is required.');
  const index = mode === 'set' ? await session.ifindex(dev as string) : 0;
  const flags = req.up === undefined ? 0 : req.up ? IFF.UP : 0;
  const change = req.up === undefined ? 0 : IFF.UP;
  const b = session.builder(RTM.NEWLINK, mode === 'add' ? NLM_F.CREATE | NLM_F.EXCL : 0);
  b.bytes(encodeIfInfoMsg({ family: AF.UNSPEC, index, flags, change }));
  if (req.name !== undefined) b.string(IFLA.IFNAME, req.name);
  for (const put of req.attrs) put(b);
  if (req.kind !== undefined) {
    const { kind, peer } = req;
    b.nest(IFLA.LINKINFO, (info) => {
      info.string(IFLA_INFO.KIND, kind);
      if (peer !== undefined)
        info.nest(IFLA_INFO.DATA, (data) => {
          data.beginNest(VETH_INFO_PEER, false).bytes(encodeIfInfoMsg({ family: AF.UNSPEC }));
          data.string(IFLA.IFNAME, peer);
          data.endNest();
        });
    });
  }
  await session.call(b.finish());
}

async function del(session: Session, words: Words): Promise<void> {
  let dev: string | undefined;
  for (let w = words.next(); w !== undefined; w = words.next()) dev = w === 'dev' ? words.value() : w;
  if (dev === undefined) throw new IpError('Not enough information: "dev" argument is required.');
  const index = await session.ifindex(dev);
  await session.call(
    session
      .builder(RTM.DELLINK, 0)
      .bytes(encodeIfInfoMsg({ family: AF.UNSPEC, index }))
      .finish(),
  );
}
