/**
 * The inside half of iproute.test.ts: runs in the test's private network namespace and prints what
 * the kernel there says, as hex, one netlink message per line, using netlink@0.3.0's raw socket.
 *
 *   ip netns exec NS node --import tsx kernel.child.ts dump [ADDRESS...]
 *     `L hex` / `L6 hex` / `A hex` / `R hex` for every message of a link, IPv6 link, address (all families) and IPv4 route
 *     dump, then `G ADDRESS hex` for the answer to `ip route get ADDRESS`; `END` last.
 *   ip netns exec NS node --import tsx kernel.child.ts monitor
 *     `L hex` for a link dump (the names `ip monitor` starts with), `READY` once subscribed to
 *     RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV4_ROUTE, then `N hex` per notification
 *     until stdin closes.
 *
 * Requests go one at a time (never more than one in flight on a socket).
 */
import {
  AF_INET,
  AF_UNSPEC,
  assertLittleEndian,
  encodeAttr,
  encodeNlmsg,
  ifaddrmsg,
  ifinfomsg,
  ipv4,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  RTA_DST,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_GETROUTE,
  rtmsg,
  walkDatagram,
} from '../../../../scripts/bench/nlmsg';
import { DatagramQueue, openRouteSocket, sendDatagram } from '../../../../scripts/bench/raw-netlink';

const TIMEOUT_MS = 3000;
const AF_INET6 = 10;

/** An IPv6 address in text (hex groups, at most one `::`, no dotted quad) as 16 bytes. */
function ipv6(text: string): Buffer {
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  });
  return out;
}
const RTM_F_LOOKUP_TABLE = 0x1000;
const GROUPS = { LINK: 1, IPV4_IFADDR: 5, IPV4_ROUTE: 7 };

type Socket = ReturnType<typeof openRouteSocket>;

/** Sends `request` and returns every message of the answer up to NLMSG_DONE (dump) or the first reply. */
async function ask(socket: Socket, queue: DatagramQueue, request: Buffer, dump: boolean): Promise<Buffer[]> {
  const seq = request.readUInt32LE(8);
  await sendDatagram(socket, request);
  const messages: Buffer[] = [];
  for (;;) {
    const datagram = await queue.next(TIMEOUT_MS);
    if (!datagram) throw new Error(`no answer to request ${seq} within ${TIMEOUT_MS} ms`);
    for (const h of walkDatagram(datagram)) {
      if (h.seq !== seq) continue;
      const message = datagram.subarray(h.offset, h.offset + h.len);
      if (h.type === NLMSG_ERROR) {
        const error = datagram.readInt32LE(h.offset + 16);
        if (error !== 0) throw new Error(`request ${seq} failed with errno ${-error}`);
        return messages;
      }
      if (h.type === NLMSG_DONE) return messages;
      messages.push(Buffer.from(message));
      if (!dump) return messages;
    }
  }
}

function line(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function dump(addresses: string[]): Promise<void> {
  const socket = openRouteSocket();
  const queue = new DatagramQueue(socket);
  const dumpFlags = NLM_F_REQUEST | NLM_F_DUMP;
  try {
    for (const m of await ask(socket, queue, encodeNlmsg(RTM_GETLINK, dumpFlags, 1, [ifinfomsg(AF_UNSPEC, 0)]), true))
      line(`L ${m.toString('hex')}`);
    // What `ip -6 address show` reads: the kernel's AF_INET6 link messages (inet6_dump_ifinfo).
    const links6 = encodeNlmsg(RTM_GETLINK, dumpFlags, 4, [ifinfomsg(AF_INET6, 0)]);
    for (const m of await ask(socket, queue, links6, true)) line(`L6 ${m.toString('hex')}`);
    for (const m of await ask(
      socket,
      queue,
      encodeNlmsg(RTM_GETADDR, dumpFlags, 2, [ifaddrmsg(AF_UNSPEC, 0, 0)]),
      true,
    ))
      line(`A ${m.toString('hex')}`);
    for (const m of await ask(
      socket,
      queue,
      encodeNlmsg(RTM_GETROUTE, dumpFlags, 3, [rtmsg({ family: AF_UNSPEC })]),
      true,
    ))
      line(`R ${m.toString('hex')}`);
    let seq = 10;
    for (const address of addresses) {
      // As `ip route get ADDRESS`: RTA_DST, a host prefix, RTM_F_LOOKUP_TABLE for IPv4 only.
      const v6 = address.includes(':');
      const r = rtmsg({ family: v6 ? AF_INET6 : AF_INET, dstLen: v6 ? 128 : 32 });
      if (!v6) r.writeUInt32LE(RTM_F_LOOKUP_TABLE, 8);
      const dst = v6 ? ipv6(address) : ipv4(address);
      const request = encodeNlmsg(RTM_GETROUTE, NLM_F_REQUEST, seq++, [r, encodeAttr(RTA_DST, dst)]);
      for (const m of await ask(socket, queue, request, false)) line(`G ${address} ${m.toString('hex')}`);
    }
    line('END');
  } finally {
    socket.close();
  }
}

async function monitor(): Promise<void> {
  const listener = openRouteSocket();
  for (const group of Object.values(GROUPS)) listener.addMembership(group);
  const queue = new DatagramQueue(listener);
  const socket = openRouteSocket();
  const replies = new DatagramQueue(socket);
  for (const m of await ask(
    socket,
    replies,
    encodeNlmsg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 1, [ifinfomsg(AF_UNSPEC, 0)]),
    true,
  ))
    line(`L ${m.toString('hex')}`);
  socket.close();
  line('READY');
  let open = true;
  process.stdin.on('end', () => {
    open = false;
  });
  process.stdin.resume();
  while (open) {
    const datagram = await queue.next(100);
    if (!datagram) continue;
    for (const h of walkDatagram(datagram)) line(`N ${datagram.subarray(h.offset, h.offset + h.len).toString('hex')}`);
  }
  listener.close();
}

assertLittleEndian();
const [mode, ...rest] = process.argv.slice(2);
if (mode === 'dump') await dump(rest);
else if (mode === 'monitor') await monitor();
else throw new Error(`usage: kernel.child.ts dump [ADDRESS...] | monitor`);
