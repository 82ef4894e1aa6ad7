/**
 * The inside half of `capture-kernel-fixtures.ts`: runs in the private namespace the parent has
 * set up, sends each hand-encoded request on a netlink@0.3.0 raw socket and prints, as one JSON
 * document on stdout, the request bytes and every reply datagram exactly as received.
 *
 *   ip netns exec NS node --import tsx scripts/capture-kernel-fixtures-child.ts
 */
import { readFileSync } from 'node:fs';
import type { RawNetlinkSocket } from 'netlink';
import {
  AF_INET,
  AF_UNSPEC,
  assertLittleEndian,
  encodeAttr,
  encodeNlmsg,
  IFA_ADDRESS,
  IFA_LOCAL,
  ifaddrmsg,
  ifinfomsg,
  ipv4,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  RT_TABLE_MAIN,
  RTM_DELADDR,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_GETROUTE,
  RTM_NEWADDR,
  rtmsg,
  walkDatagram,
} from './bench/nlmsg';
import {
  DatagramQueue,
  enableNetlinkOptions,
  type NetlinkOptionName,
  openRouteSocket,
  sendDatagram,
} from './bench/raw-netlink';

/** A reply never completed, or the kernel said something the scenario did not expect. */
class CaptureError extends Error {
  override name = 'CaptureError';
}

/** What ends a scenario's replies: NLMSG_DONE of a dump, the ACK/error, or the one reply of a GET. */
type Completion = 'dump' | 'ack' | 'reply';

interface Scenario {
  name: string;
  request: Buffer;
  completion: Completion;
}

export interface CapturedScenario {
  scenario: string;
  request: string;
  replies: string[];
}

export interface CaptureOutput {
  localPort: number;
  socketOptions: NetlinkOptionName[];
  scenarios: CapturedScenario[];
}

// Ports are per network namespace, so a fixed one is free here and keeps re-captures comparable.
const LOCAL_PORT = 4242;
const SOCKET_OPTIONS: NetlinkOptionName[] = ['NETLINK_EXT_ACK', 'NETLINK_GET_STRICT_CHK'];
const REPLY_TIMEOUT_MS = 2000;
// After the terminating message, wait this long for anything else the kernel might still send.
const SETTLE_MS = 100;

function ifindex(name: string): number {
  // `ip netns exec` remounts /sys, so this is the namespace's view.
  return Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim());
}

function addressRequest(type: number, flags: number, seq: number, index: number, address: string, prefix: number) {
  const ip = ipv4(address);
  return encodeNlmsg(type, flags, seq, [
    ifaddrmsg(AF_INET, prefix, index),
    encodeAttr(IFA_LOCAL, ip),
    encodeAttr(IFA_ADDRESS, ip),
  ]);
}

function scenarios(): Scenario[] {
  const veth0 = ifindex('veth0');
  const veth1 = ifindex('veth1');
  const dump = NLM_F_REQUEST | NLM_F_DUMP;
  const ack = NLM_F_REQUEST | NLM_F_ACK;
  return [
    { name: 'getlink-dump', completion: 'dump', request: encodeNlmsg(RTM_GETLINK, dump, 1, [ifinfomsg(AF_UNSPEC, 0)]) },
    {
      name: 'getaddr-dump',
      completion: 'dump',
      request: encodeNlmsg(RTM_GETADDR, dump, 2, [ifaddrmsg(AF_INET, 0, 0)]),
    },
    {
      name: 'getroute-dump',
      completion: 'dump',
      request: encodeNlmsg(RTM_GETROUTE, dump, 3, [rtmsg({ family: AF_INET, table: RT_TABLE_MAIN })]),
    },
    {
      name: 'getlink-doit',
      completion: 'reply',
      request: encodeNlmsg(RTM_GETLINK, NLM_F_REQUEST, 4, [ifinfomsg(AF_UNSPEC, veth0)]),
    },
    {
      name: 'newaddr-eexist',
      completion: 'ack',
      request: addressRequest(RTM_NEWADDR, ack | NLM_F_CREATE | NLM_F_EXCL, 5, veth0, '192.0.2.1', 24),
    },
    {
      name: 'deladdr-eaddrnotavail',
      completion: 'ack',
      request: addressRequest(RTM_DELADDR, ack, 6, veth0, '192.0.2.99', 24),
    },
    {
      name: 'newaddr-ack',
      completion: 'ack',
      request: addressRequest(RTM_NEWADDR, ack | NLM_F_CREATE | NLM_F_EXCL, 7, veth1, '203.0.113.1', 24),
    },
  ];
}

/** Whether this datagram holds the message that ends the scenario with sequence number `seq`. */
function completes(datagram: Buffer, seq: number, completion: Completion): boolean {
  return walkDatagram(datagram).some((h) => {
    if (h.seq !== seq) return false;
    if (completion === 'reply') return true;
    if (completion === 'ack') return h.type === NLMSG_ERROR;
    return h.type === NLMSG_DONE || h.type === NLMSG_ERROR;
  });
}

async function capture(socket: RawNetlinkSocket, queue: DatagramQueue, scenario: Scenario): Promise<CapturedScenario> {
  const seq = scenario.request.readUInt32LE(8);
  const replies: Buffer[] = [];
  await sendDatagram(socket, scenario.request);
  for (;;) {
    const datagram = await queue.next(REPLY_TIMEOUT_MS);
    if (!datagram) throw new CaptureError(`${scenario.name}: no complete reply within ${REPLY_TIMEOUT_MS} ms`);
    replies.push(datagram);
    if (completes(datagram, seq, scenario.completion)) break;
  }
  for (let extra = await queue.next(SETTLE_MS); extra; extra = await queue.next(SETTLE_MS)) replies.push(extra);
  return {
    scenario: scenario.name,
    request: scenario.request.toString('hex'),
    replies: replies.map((r) => r.toString('hex')),
  };
}

async function main(): Promise<void> {
  assertLittleEndian();
  const socket = openRouteSocket({ localPort: LOCAL_PORT });
  try {
    const queue = new DatagramQueue(socket);
    enableNetlinkOptions(socket, SOCKET_OPTIONS);
    const captured: CapturedScenario[] = [];
    // One at a time: each scenario's replies must be complete before the next request goes out.
    for (const scenario of scenarios()) captured.push(await capture(socket, queue, scenario));
    const output: CaptureOutput = { localPort: LOCAL_PORT, socketOptions: SOCKET_OPTIONS, scenarios: captured };
    process.stdout.write(`${JSON.stringify(output)}\n`);
  } finally {
    socket.close();
  }
}

await main();
