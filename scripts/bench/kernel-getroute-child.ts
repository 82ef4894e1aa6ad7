/**
 * Kernel side of the wire benchmark: how many RTM_GETROUTE doit round trips per second the real
 * kernel answers on one netlink@0.3.0 raw socket. Meant to run inside a private namespace whose
 * `lo` is up (the lookup of 127.0.0.1 resolves to the local-table route via lo):
 *
 *   ip netns exec NS node --import tsx scripts/bench/kernel-getroute-child.ts <seconds> [inFlight]
 *
 * Prints one JSON line: { roundTripsPerSecond, inFlight, bytesIn, bytesOut, roundTrips, seconds }.
 * Only complete replies count: one datagram holding exactly one whole RTM_NEWROUTE. Bytes are
 * those of the counted round trips (request out, reply in).
 */
import { performance } from 'node:perf_hooks';
import type { ErrnoException, MessageInfo, RawNetlinkSocket } from 'netlink';
import {
  AF_INET,
  assertLittleEndian,
  encodeAttr,
  encodeNlmsg,
  ipv4,
  leadingInt,
  NLM_F_REQUEST,
  NLMSG_ERROR,
  RTA_DST,
  RTM_GETROUTE,
  RTM_NEWROUTE,
  rtmsg,
  walkDatagram,
} from './nlmsg';
import { openRouteSocket } from './raw-netlink';

// 8 in flight beat 1, 2, 4, 16 and 32 on the development machine (~64k vs ~37-55k round trips/s at 1).
const DEFAULT_IN_FLIGHT = 8;
// netlink@0.3.0's native part aborts the process with too many requests outstanding on a socket.
const MAX_IN_FLIGHT = 32;
const WARM_UP_SECONDS = 0.3;

/** Bad arguments, or the kernel answered something other than a route. */
class BenchError extends Error {
  override name = 'BenchError';
}

interface Args {
  seconds: number;
  inFlight: number;
}

interface Result {
  roundTripsPerSecond: number;
  inFlight: number;
  bytesIn: number;
  bytesOut: number;
  roundTrips: number;
  seconds: number;
}

function parseArgs(argv: readonly string[]): Args {
  const seconds = Number(argv[0]);
  const inFlight = argv[1] === undefined ? DEFAULT_IN_FLIGHT : Number(argv[1]);
  if (!(seconds > 0)) throw new BenchError('usage: kernel-getroute-child.ts <seconds> [inFlight]');
  if (!Number.isInteger(inFlight) || inFlight < 1 || inFlight > MAX_IN_FLIGHT) {
    throw new BenchError(`inFlight must be an integer from 1 to ${MAX_IN_FLIGHT}`);
  }
  return { seconds, inFlight };
}

/**
 * `ip route get 127.0.0.1` as one pre-encoded datagram. Every send reuses these bytes (same seq):
 * replies are only counted, never matched, and the native layer may still hold a buffer we sent.
 */
function getrouteRequest(): Buffer {
  return encodeNlmsg(RTM_GETROUTE, NLM_F_REQUEST, 1, [
    rtmsg({ family: AF_INET, dstLen: 32 }),
    encodeAttr(RTA_DST, ipv4('127.0.0.1')),
  ]);
}

/** A complete answer is one datagram carrying exactly one whole RTM_NEWROUTE. */
function checkReply(datagram: Buffer): void {
  const messages = walkDatagram(datagram);
  const only = messages[0];
  if (messages.length === 1 && only?.type === RTM_NEWROUTE) return;
  if (only?.type === NLMSG_ERROR) throw new BenchError(`kernel error ${leadingInt(datagram, only)} for RTM_GETROUTE`);
  throw new BenchError(`unexpected reply: ${messages.map((m) => m.type).join(',')}`);
}

/** Keeps `inFlight` requests outstanding for `seconds`, then waits for the stragglers. */
function measure(socket: RawNetlinkSocket, request: Buffer, { seconds, inFlight }: Args): Promise<Result> {
  return new Promise((resolve, reject) => {
    let outstanding = 0;
    let roundTrips = 0;
    let bytesIn = 0;
    let failed = false;
    const start = performance.now();
    const deadline = start + seconds * 1000;

    const onTruncated = () => fail(new BenchError('truncated reply'));
    const onError = (error: ErrnoException) => fail(new BenchError(`${error.code}: ${error.message}`));
    const detach = () => {
      socket.off('message', onMessage);
      socket.off('truncatedMessage', onTruncated);
      socket.off('error', onError);
    };
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      detach();
      reject(error);
    };
    const sendOne = () => {
      outstanding += 1;
      socket.send(request, {}, (error) => error && fail(new BenchError(`sendmsg: ${error.message}`)));
    };
    const finish = () => {
      detach();
      resolve({
        roundTripsPerSecond: Math.round(roundTrips / seconds),
        inFlight,
        bytesIn,
        bytesOut: roundTrips * request.length,
        roundTrips,
        seconds,
      });
    };
    function onMessage(datagram: Buffer, _rinfo: MessageInfo): void {
      outstanding -= 1;
      try {
        checkReply(datagram);
      } catch (error) {
        fail(error as Error);
        return;
      }
      if (performance.now() < deadline) {
        roundTrips += 1;
        bytesIn += datagram.length;
        sendOne();
      } else if (outstanding === 0) finish();
    }

    socket.on('message', onMessage);
    socket.on('truncatedMessage', onTruncated);
    socket.on('error', onError);
    for (let i = 0; i < inFlight; i += 1) sendOne();
  });
}

async function main(): Promise<void> {
  assertLittleEndian();
  const args = parseArgs(process.argv.slice(2));
  const socket = openRouteSocket();
  try {
    const request = getrouteRequest();
    // A short unrecorded run first, so the JIT and the kernel's route cache are warm.
    await measure(socket, request, { ...args, seconds: Math.min(WARM_UP_SECONDS, args.seconds) });
    const result = await measure(socket, request, args);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    socket.close();
  }
}

await main();
