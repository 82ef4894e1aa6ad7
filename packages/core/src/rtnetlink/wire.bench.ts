/**
 * wire.getroute: RTM_GETROUTE doit round trips per second, bytes in and bytes out on both sides
 * (no client library parses anything), rtnlkit in process against Linux in the same run.
 *
 * - rtnlkit: a PF_INET RTM_GETROUTE handler flagged DOIT_UNLOCKED that parses the rtmsg and its
 *   attributes strictly and answers one RTM_NEWROUTE laid out like the kernel's answer to
 *   `ip route get 127.0.0.1` (36-byte request, 104-byte reply: RTA_TABLE, RTA_DST, RTA_OIF,
 *   RTA_PREFSRC, RTA_UID, RTA_CACHEINFO). The pre-encoded request goes in with `sock.send`, the
 *   raw reply comes out of `sock.recv`; 1 in flight, 8 pipelined on one socket, and 8 sockets
 *   with 1 in flight each; the best is recorded.
 * - Linux: scripts/bench/kernel-getroute-child.ts in a private network namespace (lo up), the
 *   same pre-encoded request on netlink@0.3.0's raw socket, for the same duration, with 1 and 8
 *   requests in flight; the best is recorded. Skipped, with the reason printed, where this
 *   process cannot create a namespace (not root, not Linux, no iproute2, a container).
 *
 * `--quick` shortens both sides from 2 s to 0.5 s per measurement.
 */
import { randomBytes } from 'node:crypto';
import { release } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BenchKit, BenchSuite } from '../../../../scripts/bench/kit';
import { canCreateNetns, runInNetns, withNetns } from '../../../../scripts/bench/with-netns';
import { Errno, ErrnoError } from '../errno';
import { rtnlMutexStrategy } from '../testing/rtnl-mutex-strategy';
import { NlMsgBuilder } from '../wire/builder';
import { AF, NLM_F, NLMSG_HDRLEN, RTNL_FLAG } from '../wire/constants';
import { RTM } from '../wire/generated';
import { RTA, RTN, routeAttrs } from '../wire/generated/rt-route';
import { decodeRtMsg, encodeRtMsg, RTMSG_LEN } from '../wire/headers';
import { NL_VALIDATE } from '../wire/parse';
import { Rtnetlink } from './rtnetlink';
import type { NetlinkSocket } from './socket';

const NAME = 'RTM_GETROUTE doit round trips (bytes in, bytes out)';
const SECONDS = process.argv.includes('--quick') ? 0.5 : 2;
/** Round trips per measured batch. */
const BATCH = 1024;
const LEVELS = [1, 8] as const;

const RT_TABLE_LOCAL = 255;
const RTM_F_CLONED = 0x200;
const STRUCT_RTA_CACHEINFO_LEN = 32;
const REQUEST_LEN = 36;
const REPLY_LEN = 104;

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const kernelChild = fileURLToPath(new URL('../../../../scripts/bench/kernel-getroute-child.ts', import.meta.url));

/** `ip route get 127.0.0.1`, as the kernel side sends it: seq 1, port id 0, one RTA_DST. */
function getrouteRequest(): Uint8Array {
  const rtmsg = encodeRtMsg({ family: AF.INET, dstLen: 32 });
  return new NlMsgBuilder(RTM.GETROUTE, NLM_F.REQUEST, 1, 0).bytes(rtmsg).ipv4(RTA.DST, '127.0.0.1').finish();
}

/** An instance with one unlocked RTM_GETROUTE doit answering for 127.0.0.0/8 via lo. */
function instance(): Rtnetlink {
  const rtnl = new Rtnetlink({ strategy: rtnlMutexStrategy() });
  const loopbackSrc = new Uint8Array([127, 0, 0, 1]);
  const cacheinfo = new Uint8Array(STRUCT_RTA_CACHEINFO_LEN);
  rtnl.handlers.register({
    family: AF.INET,
    type: RTM.GETROUTE,
    flags: RTNL_FLAG.DOIT_UNLOCKED,
    name: 'inet_rtm_getroute',
    doit(req) {
      const rtm = decodeRtMsg(req.message, NLMSG_HDRLEN);
      const attrs = req.parse(RTMSG_LEN, routeAttrs, NL_VALIDATE.STRICT);
      const dst = attrs.tb[RTA.DST];
      if (rtm.family !== AF.INET || !dst || dst.data.length !== 4) throw new ErrnoError(Errno.EINVAL, 'bad request');
      // The whole FIB: 127.0.0.0/8 is local, via lo (ifindex 1).
      if (dst.data[0] !== 127) throw new ErrnoError(Errno.ENETUNREACH);
      const reply = req
        .builder(RTM.NEWROUTE)
        .bytes(
          encodeRtMsg({
            family: AF.INET,
            dstLen: 32,
            srcLen: 0,
            tos: 0,
            table: RT_TABLE_LOCAL,
            protocol: 0,
            scope: 0,
            type: RTN.LOCAL,
            flags: RTM_F_CLONED,
          }),
        )
        .u32(RTA.TABLE, RT_TABLE_LOCAL)
        .attr(RTA.DST, dst.data)
        .u32(RTA.OIF, 1)
        .attr(RTA.PREFSRC, loopbackSrc)
        .u32(RTA.UID, 0)
        .attr(RTA.CACHEINFO, cacheinfo)
        .finish();
      req.reply(reply);
    },
  });
  return rtnl;
}

/** Only a whole one-message RTM_NEWROUTE counts, as on the kernel side. */
function check(reply: Uint8Array): number {
  if (reply.length !== REPLY_LEN || ((reply[4] as number) | ((reply[5] as number) << 8)) !== RTM.NEWROUTE) {
    throw new Error(
      `unexpected reply of ${reply.length} bytes, type ${(reply[4] as number) | ((reply[5] as number) << 8)}`,
    );
  }
  return reply.length;
}

interface Traffic {
  roundTrips: number;
  bytesIn: number;
  bytesOut: number;
}

/** `n` round trips on one socket, `window` requests queued before the first reply is read. */
async function pipelined(sock: NetlinkSocket, request: Uint8Array, n: number, window: number, t: Traffic) {
  let sent = 0;
  for (; sent < Math.min(window, n); sent++) await sock.send(request);
  for (let received = 0; received < n; received++) {
    // Read first, then add: `t.bytesIn += check(await ...)` would lose updates across sockets.
    const bytes = check(await sock.recv());
    t.bytesIn += bytes;
    t.roundTrips += 1;
    if (sent < n) {
      await sock.send(request);
      sent += 1;
    }
  }
  t.bytesOut += n * request.length;
}

interface Shape {
  label: string;
  inFlight: number;
  sockets: number;
}

const SHAPES: Shape[] = [
  { label: '1 in flight', inFlight: 1, sockets: 1 },
  { label: '8 pipelined on 1 socket', inFlight: 8, sockets: 1 },
  { label: '8 sockets × 1 in flight', inFlight: 8, sockets: 8 },
];

interface Measured {
  shape: string;
  inFlight: number;
  roundTripsPerSecond: number;
  bytesInPerRoundTrip: number;
  bytesOutPerRoundTrip: number;
}

async function measureOurs(kit: BenchKit, shape: Shape): Promise<Measured> {
  const rtnl = instance();
  const request = getrouteRequest();
  const sockets = Array.from({ length: shape.sockets }, () => rtnl.socket());
  const traffic: Traffic = { roundTrips: 0, bytesIn: 0, bytesOut: 0 };
  const window = shape.inFlight / shape.sockets;
  const perSocket = BATCH / shape.sockets;
  try {
    const roundTripsPerSecond = await kit.opsPerSecond(
      { ops: BATCH, run: () => Promise.all(sockets.map((s) => pipelined(s, request, perSocket, window, traffic))) },
      { time: SECONDS * 1000 },
    );
    return {
      shape: shape.label,
      inFlight: shape.inFlight,
      roundTripsPerSecond,
      bytesInPerRoundTrip: traffic.bytesIn / traffic.roundTrips,
      bytesOutPerRoundTrip: traffic.bytesOut / traffic.roundTrips,
    };
  } finally {
    for (const s of sockets) s.close();
  }
}

interface KernelResult {
  roundTripsPerSecond: number;
  inFlight: number;
  bytesIn: number;
  bytesOut: number;
  roundTrips: number;
}

async function measureKernel(): Promise<Measured[]> {
  const ns = `rtnlkit-bench-${process.pid}-${randomBytes(3).toString('hex')}`;
  return await withNetns(ns, ['link set lo up'], async (name) => {
    const out: Measured[] = [];
    for (const inFlight of LEVELS) {
      const argv = [process.execPath, '--import', 'tsx', kernelChild, String(SECONDS), String(inFlight)];
      const { stdout } = await runInNetns(name, argv, root);
      const line = stdout.trim().split('\n').at(-1) ?? '';
      const result = JSON.parse(line) as KernelResult;
      out.push({
        shape: `${result.inFlight} in flight`,
        inFlight: result.inFlight,
        roundTripsPerSecond: result.roundTripsPerSecond,
        bytesInPerRoundTrip: result.bytesIn / result.roundTrips,
        bytesOutPerRoundTrip: result.bytesOut / result.roundTrips,
      });
    }
    return out;
  });
}

const best = (all: readonly Measured[]): Measured =>
  all.reduce((a, b) => (b.roundTripsPerSecond > a.roundTripsPerSecond ? b : a));

const rate = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;

function show(side: string, m: Measured): void {
  console.log(
    `  ${side.padEnd(8)} ${m.shape.padEnd(26)} ${rate(m.roundTripsPerSecond).padStart(12)}   ` +
      `${m.bytesOutPerRoundTrip.toFixed(0)} bytes out, ${m.bytesInPerRoundTrip.toFixed(0)} bytes in per round trip`,
  );
}

const suite: BenchSuite = {
  suite: 'wire.getroute',
  async run(kit) {
    const request = getrouteRequest();
    if (request.length !== REQUEST_LEN) throw new Error(`request is ${request.length} bytes, not ${REQUEST_LEN}`);

    const ours: Measured[] = [];
    for (const shape of SHAPES) {
      const m = await measureOurs(kit, shape);
      show('rtnlkit', m);
      ours.push(m);
    }
    const oursBest = best(ours);

    if (!canCreateNetns()) {
      const why =
        process.platform !== 'linux'
          ? `this is ${process.platform}, not Linux`
          : process.getuid?.() !== 0
            ? 'not running as root'
            : '`ip netns add` failed or iproute2 is missing (a container without CAP_SYS_ADMIN?)';
      console.log(`  Linux side skipped: cannot create a network namespace here (${why}).`);
      console.log(`  recorded: rtnlkit best = ${oursBest.shape}`);
      kit.record({ name: NAME, unit: 'round trips/s', better: 'higher', ours: oursBest.roundTripsPerSecond });
      return;
    }

    const kernel = await measureKernel();
    for (const m of kernel) show('Linux', m);
    const kernelBest = best(kernel);
    console.log(`  recorded: rtnlkit best = ${oursBest.shape}; Linux best = ${kernelBest.shape}`);
    kit.record({
      name: NAME,
      unit: 'round trips/s',
      better: 'higher',
      ours: oursBest.roundTripsPerSecond,
      baselineName: `Linux ${release()} in a private netns via netlink@0.3.0 raw socket`,
      baseline: kernelBest.roundTripsPerSecond,
    });
  },
};

export default suite;
