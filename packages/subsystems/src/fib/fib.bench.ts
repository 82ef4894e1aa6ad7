/**
 * `npm run bench -- --suite fib`: the IPv4 FIB at Internet-table size.
 *
 * - rtnlkit: 1,000,000 /24 routes (`--quick`: 20,000) loaded through binary RTM_NEWROUTE
 *   messages (NLM_F_CREATE|NLM_F_EXCL|NLM_F_ACK, `via 192.0.2.2`, 1,000 messages a datagram, every
 *   ACK read), then 1,000,000 lookups (`fib_lookup` into a caller's `fib_result`, random addresses
 *   in the loaded space; then the same through the object-returning `fibLookup`), then a full dump
 *   through a socket; heap bytes per route are the growth of V8's heap plus array
 *   buffers (the trie's columns) across the load, after a GC.
 * - Linux: 100,000 routes (`--quick`: 10,000) of the same shape with `ip -batch` in a private
 *   namespace (netlink-ecosystem.md §3.4), on a veth pair, timed from outside.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  AF,
  encodeIfInfoMsg,
  encodeRtMsg,
  IFF,
  IFLA,
  IFLA_INFO,
  LockEnv,
  NLM_F,
  NlMsgBuilder,
  RTA,
  RTM,
  Rtnetlink,
} from '@rtnlkit/core';
import { rtnlMutexStrategy } from '@rtnlkit/core/testing';
import type { BenchSuite } from '../../../../scripts/bench/kit';
import { canCreateNetns, withNetns } from '../../../../scripts/bench/with-netns';
import { linkSubsystem } from '../link/subsystem';
import { RT_SCOPE, RT_TABLE, RTPROT } from './constants';
import { FibRes, fibLookup, fibLookupRes } from './lookup';
import { fibSubsystem } from './subsystem';
import { fibNet } from './table';

const quick = process.argv.includes('--quick');
const ROUTES = quick ? 20_000 : 1_000_000;
const LOOKUPS = quick ? 100_000 : 1_000_000;
const KERNEL_ROUTES = quick ? 10_000 : 100_000;
const PER_DATAGRAM = 1000;
const GATEWAY = 0xc0000202; // 192.0.2.2
const FIRST = 0x01000000; // 1.0.0.0/24, then every /24 after it

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function heapNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const be32 = (v: number) => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, v >>> 0, false);
  return out;
};

let seq = 1;
function request(type: number, flags: number, body: (b: NlMsgBuilder) => void): Uint8Array {
  const b = new NlMsgBuilder(type, NLM_F.REQUEST | NLM_F.ACK | flags, seq++, 0, 64);
  body(b);
  return b.finish().slice();
}

/** `ip route add 1.x.y.0/24 via 192.0.2.2` as iproute2 encodes it. */
function routeMessage(i: number): Uint8Array {
  return request(RTM.NEWROUTE, NLM_F.CREATE | NLM_F.EXCL, (b) => {
    b.bytes(
      encodeRtMsg({
        family: AF.INET,
        dstLen: 24,
        table: RT_TABLE.MAIN,
        protocol: RTPROT.BOOT,
        scope: RT_SCOPE.UNIVERSE,
        type: 1,
      }),
    );
    b.attr(RTA.DST, be32(FIRST + i * 256));
    b.attr(RTA.GATEWAY, be32(GATEWAY));
  });
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function world() {
  const rtnl = new Rtnetlink({ strategy: rtnlMutexStrategy(), env: new LockEnv({ lockdep: false }) });
  await rtnl.install(linkSubsystem({ kinds: ['ifb'] }));
  await rtnl.install(fibSubsystem());
  const sock = rtnl.socket({ admin: true, rcvbuf: 1 << 24 });
  const setup = [
    request(RTM.NEWLINK, NLM_F.CREATE | NLM_F.EXCL, (b) => {
      b.bytes(encodeIfInfoMsg({}));
      b.string(IFLA.IFNAME, 'ifb0');
      b.nest(IFLA.LINKINFO, (n) => n.string(IFLA_INFO.KIND, 'ifb'));
    }),
    request(RTM.SETLINK, 0, (b) => {
      b.bytes(encodeIfInfoMsg({ flags: IFF.UP, change: IFF.UP }));
      b.string(IFLA.IFNAME, 'ifb0');
    }),
    request(RTM.NEWROUTE, NLM_F.CREATE | NLM_F.EXCL, (b) => {
      b.bytes(
        encodeRtMsg({ family: AF.INET, dstLen: 24, table: RT_TABLE.MAIN, protocol: 3, scope: RT_SCOPE.LINK, type: 1 }),
      );
      b.attr(RTA.DST, be32(0xc0000200));
      b.u32(RTA.OIF, 2);
    }),
  ];
  for (const m of setup) {
    await sock.send(m);
    const ack = await sock.recv();
    const errno = -new DataView(ack.buffer, ack.byteOffset).getInt32(16, true);
    if (errno) throw new Error(`fib bench setup failed: errno ${errno}`);
  }
  return { rtnl, sock };
}

/** Loads the routes; returns routes/s. Every ACK is read and checked. */
async function load(sock: ReturnType<Rtnetlink['socket']>): Promise<number> {
  const datagrams: Uint8Array[] = [];
  for (let i = 0; i < ROUTES; i += PER_DATAGRAM) {
    const parts: Uint8Array[] = [];
    for (let j = i; j < Math.min(ROUTES, i + PER_DATAGRAM); j += 1) parts.push(routeMessage(j));
    datagrams.push(concat(parts));
  }
  const start = performance.now();
  let acks = 0;
  for (const datagram of datagrams) {
    await sock.send(datagram);
    for (let d = sock.tryRecv(); d; d = sock.tryRecv()) {
      const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
      for (let at = 0; at < d.byteLength; at += v.getUint32(at, true)) {
        if (v.getInt32(at + 16, true) !== 0) throw new Error(`route add failed: errno ${-v.getInt32(at + 16, true)}`);
        acks += 1;
      }
    }
  }
  const seconds = (performance.now() - start) / 1000;
  if (acks !== ROUTES) throw new Error(`${acks} ACKs for ${ROUTES} routes`);
  return ROUTES / seconds;
}

/** `ip -batch` of `count` route adds in a fresh namespace; routes/s, or undefined without netns. */
async function kernelRate(count: number): Promise<number | undefined> {
  if (!canCreateNetns()) return undefined;
  const ns = `rtnlkit-fib-${process.pid}-${randomBytes(3).toString('hex')}`;
  const file = join(tmpdir(), `${ns}.batch`);
  const lines: string[] = [];
  for (let i = 0; i < count; i += 1)
    lines.push(`route add ${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24 via 192.0.2.2 dev t_veth0`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  try {
    return await withNetns(
      ns,
      [
        'link add t_veth0 type veth peer name t_veth1',
        'link set t_veth0 up',
        'link set t_veth1 up',
        'route add 192.0.2.0/24 dev t_veth0',
      ],
      async (name) => {
        const start = performance.now();
        const run = spawnSync('ip', ['-n', name, '-batch', file], { stdio: ['ignore', 'ignore', 'pipe'] });
        const seconds = (performance.now() - start) / 1000;
        if (run.status !== 0) throw new Error(`ip -batch failed: ${run.stderr.toString()}`);
        return count / seconds;
      },
    );
  } finally {
    rmSync(file, { force: true });
  }
}

const suite: BenchSuite = {
  suite: 'fib',
  async run(kit) {
    const kernel = await kernelRate(KERNEL_ROUTES);
    gc();
    const before = heapNow();
    const { rtnl, sock } = await world();
    const routesPerSecond = await load(sock);
    gc();
    const bytesPerRoute = (heapNow() - before) / ROUTES;
    kit.record({
      name: `load ${ROUTES.toLocaleString('en-US')} routes (RTM_NEWROUTE, ACK each)`,
      unit: 'routes/s',
      better: 'higher',
      ours: routesPerSecond,
      ...(kernel === undefined
        ? {}
        : { baselineName: `Linux ip -batch, ${KERNEL_ROUTES.toLocaleString('en-US')} routes`, baseline: kernel }),
    });
    kit.record({
      name: 'heap bytes per route (V8 heap + array buffers)',
      unit: 'B',
      better: 'lower',
      ours: bytesPerRoute,
    });

    const fib = fibNet(rtnl.initNet);
    const addresses = new Uint32Array(LOOKUPS);
    let x = 0x9e3779b9;
    for (let i = 0; i < LOOKUPS; i += 1) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      addresses[i] = (FIRST + ((x >>> 0) % (ROUTES * 256))) >>> 0;
    }
    // The headline: fib_lookup() as the kernel calls it, filling a fib_result the caller owns
    // (no allocation per lookup), through main, local and default. Timed first, so it also pays
    // the JIT's warm-up of the table lookup both loops share.
    const res = new FibRes();
    let misses = 0;
    let start = performance.now();
    for (let i = 0; i < LOOKUPS; i += 1) {
      if (fibLookupRes(fib, res, addresses[i] as number) !== 0 || res.prefixLen !== 24) misses += 1;
    }
    const lookupsPerSecond = LOOKUPS / ((performance.now() - start) / 1000);
    if (misses) throw new Error(`${misses} lookups missed`);
    // The object API (a fresh FibResult a caller may keep) over the same lookups.
    start = performance.now();
    for (let i = 0; i < LOOKUPS; i += 1) {
      const found = fibLookup(fib, { daddr: addresses[i] as number });
      if (typeof found === 'number' || found.prefixLen !== 24) misses += 1;
    }
    const objectLookupsPerSecond = LOOKUPS / ((performance.now() - start) / 1000);
    if (misses) throw new Error(`${misses} lookups missed`);
    kit.record({
      name: `fib_lookup into a fib_result, ${LOOKUPS.toLocaleString('en-US')} random addresses`,
      unit: 'lookups/s',
      better: 'higher',
      ours: lookupsPerSecond,
    });
    kit.record({
      name: `fibLookup returning an object, ${LOOKUPS.toLocaleString('en-US')} addresses`,
      unit: 'lookups/s',
      better: 'higher',
      ours: objectLookupsPerSecond,
    });

    const dumpSock = rtnl.socket();
    const dumpStart = performance.now();
    await dumpSock.send(
      new NlMsgBuilder(RTM.GETROUTE, NLM_F.REQUEST | NLM_F.DUMP, seq++, 0)
        .bytes(encodeRtMsg({ family: AF.INET }))
        .finish(),
    );
    let dumped = 0;
    for (let done = false; !done; ) {
      const d = await dumpSock.recv({ bufferSize: 32768 });
      const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
      for (let at = 0; at < d.byteLength; at += v.getUint32(at, true)) {
        const type = v.getUint16(at + 4, true);
        if (type === RTM.NEWROUTE) dumped += 1;
        else if (type === 3 || type === 2) done = true;
      }
    }
    const dumpedPerSecond = dumped / ((performance.now() - dumpStart) / 1000);
    if (dumped !== ROUTES + 1) throw new Error(`dumped ${dumped} routes, expected ${ROUTES + 1}`);
    kit.record({
      name: `full dump (${dumped.toLocaleString('en-US')} routes)`,
      unit: 'routes/s',
      better: 'higher',
      ours: dumpedPerSecond,
    });
    if (kernel === undefined) console.log('  Linux side skipped: cannot create a network namespace here.');
    sock.close();
    dumpSock.close();
  },
};

export default suite;
