/**
 * The printers against the real `ip` (iproute2 6.1) on the real kernel: a private network
 * namespace gets links, addresses and routes from `ip`; then `ip ... show` (text and `-json`) is
 * compared with the printers run on the raw messages the kernel sends for the same objects, and
 * `ip monitor` with the printers run on the notifications a netlink@0.3.0 socket receives while
 * things change. Root on Linux only: elsewhere the block says why it skipped, and the unit tests in
 * printers.test.ts still run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AF } from '../wire/constants';
import { addrShowJson, linkShowJson, printAddrShow, printLinkShow } from './addr';
import {
  canCreateNetns,
  createNetns,
  deleteNetns,
  ip,
  ipIn,
  type KernelDump,
  kernelDump,
  netnsExists,
  startIpMonitor,
  startKernelMonitor,
} from './kernel-netns';
import { LinkNames } from './link-names';
import { IpMonitor } from './monitor';
import { printRouteGet, printRouteShow, routeGetJson, routeShowJson } from './route';

const canRun = canCreateNetns();
if (!canRun) {
  console.log(
    'iproute: skipped the comparison with the real ip: this machine cannot create a network namespace (needs Linux, root and iproute2)',
  );
}

const NS = `rtnlkit-iproute-${process.pid}`;

/** The state `ip` builds (`ip -n NS` each): every link kind this kernel has but dummy and vlan. */
const SETUP = [
  'link set lo up',
  'link add br0 type bridge',
  'link add veth0 type veth peer name veth1',
  'link add veth2 type veth peer name veth3',
  'link set veth2 master br0',
  'link add ifb0 type ifb',
  'link add ifb1 type ifb',
  'link add mv0 link veth0 type macvlan mode bridge',
  'link set br0 up',
  'link set veth0 up',
  'link set veth1 up',
  'link set veth2 up',
  'link set ifb0 up',
  'link set ifb0 promisc on',
  'link set veth1 allmulticast on',
  'link set veth1 mtu 1400',
  'link set veth3 txqueuelen 0',
  'link set ifb1 alias ifb-alias',
  'addr add 10.0.0.1/24 brd + dev veth0',
  'addr add 10.0.0.2/24 dev veth0',
  'addr add 10.0.2.1/24 dev veth0 label veth0:1',
  'addr add 10.0.1.1/32 dev veth0',
  'addr add 10.9.9.1 peer 10.9.9.2/32 dev veth1',
  'addr add 192.168.50.1/24 dev br0 metric 50',
  'addr add 127.0.0.2/8 dev lo',
  'route add default via 10.0.0.254 dev veth0',
  'route add 172.16.0.0/16 dev veth1 proto static metric 100',
  'route add 172.17.0.0/16 nexthop via 10.0.0.253 dev veth0 weight 1 nexthop via 10.9.9.2 dev veth1 weight 3',
  'route add blackhole 198.51.100.0/24',
  'route add unreachable 198.51.101.0/24',
  'route add prohibit 198.51.102.0/24',
  'route add 10.20.0.0/16 via 10.0.0.254 src 10.0.0.1 dev veth0 mtu lock 1300 advmss 1200',
  'route add 10.30.0.0/16 via 10.0.0.254 dev veth0 onlink table 100',
  'route add 10.40.0.1 dev veth1 scope link proto 99',
  'route add 10.41.0.0/16 dev veth0 tos 0x10 realm 7',
];

/** Destinations for `ip route get`: connected, local, broadcast, multipath, default, loopback. */
const GETS = ['10.0.0.5', '10.0.0.1', '10.0.0.255', '172.17.1.1', '8.8.8.8', '127.0.0.1'];

const json = (args: string) => JSON.parse(ipIn(NS, `-json ${args}`)) as unknown;
const lines = (text: string) => text.split('\n');

describe.skipIf(!canRun)('the printers against ip (iproute2 6.1) in a private network namespace', () => {
  let kernel: KernelDump;
  let names: LinkNames;

  beforeAll(() => {
    createNetns(NS);
    for (const command of SETUP) ipIn(NS, command);
    kernel = kernelDump(NS, GETS);
    names = LinkNames.fromMessages(kernel.links);
  }, 60_000);

  afterAll(() => {
    expect(deleteNetns(NS)).toBe(true);
    expect(ip(['netns', 'list'])).not.toContain(NS);
  });

  it('the kernel dump has every object the setup made', () => {
    expect(kernel.links).toHaveLength(9);
    expect(kernel.addrs.length).toBeGreaterThanOrEqual(8);
    expect(kernel.routes.length).toBeGreaterThan(20);
    expect([...kernel.gets.keys()]).toEqual(GETS);
  });

  it('ip link show', () => {
    expect(lines(printLinkShow(kernel.links))).toEqual(lines(ipIn(NS, 'link show')));
  });

  it('ip -json link show', () => {
    expect(linkShowJson(kernel.links)).toEqual(json('link show'));
  });

  it('ip address show', () => {
    expect(lines(printAddrShow(kernel.links, kernel.addrs))).toEqual(lines(ipIn(NS, 'address show')));
  });

  it('ip -json address show', () => {
    expect(addrShowJson(kernel.links, kernel.addrs)).toEqual(json('address show'));
  });

  it('ip route show', () => {
    expect(lines(printRouteShow(kernel.routes, names))).toEqual(lines(ipIn(NS, 'route show')));
  });

  it('ip -json route show', () => {
    expect(routeShowJson(kernel.routes, names)).toEqual(json('route show'));
  });

  it('ip route show table local', () => {
    const local = { table: 255 };
    expect(lines(printRouteShow(kernel.routes, names, local))).toEqual(lines(ipIn(NS, 'route show table local')));
    expect(routeShowJson(kernel.routes, names, local)).toEqual(json('route show table local'));
  });

  it('ip route show table 100', () => {
    const t100 = { table: 100 };
    expect(lines(printRouteShow(kernel.routes, names, t100))).toEqual(lines(ipIn(NS, 'route show table 100')));
    expect(routeShowJson(kernel.routes, names, t100)).toEqual(json('route show table 100'));
  });

  it('ip -4 route show table all', () => {
    const all = { table: 0, family: AF.INET };
    expect(lines(printRouteShow(kernel.routes, names, all))).toEqual(lines(ipIn(NS, '-4 route show table all')));
    expect(routeShowJson(kernel.routes, names, all)).toEqual(json('-4 route show table all'));
  });

  it.each(GETS)('ip route get %s', (address) => {
    const answer = kernel.gets.get(address) as Uint8Array;
    expect(lines(printRouteGet(answer, names))).toEqual(lines(ipIn(NS, `route get ${address}`)));
    expect([routeGetJson(answer, names)]).toEqual(json(`route get ${address}`));
  });

  it('ip monitor link address route', { timeout: 60_000 }, async () => {
    const kernelMonitor = startKernelMonitor(NS);
    const ipMonitor = startIpMonitor(NS, ['link', 'address', 'route']);
    try {
      await kernelMonitor.waitFor((l) => l === 'READY');
      // `ip monitor` says nothing when it is ready; give it time to subscribe and read its links.
      await new Promise((r) => setTimeout(r, 1000));
      const changes = [
        'link add veth8 type veth peer name veth9',
        'link set veth8 up',
        'link set veth9 up',
        'addr add 10.50.0.1/24 dev veth8',
        'addr add 10.50.0.9/24 dev veth8',
        'route add 10.60.0.0/16 via 10.50.0.2 proto static',
        'route add 10.61.0.0/16 nexthop via 10.50.0.2 dev veth8 nexthop via 10.0.0.254 dev veth0',
        'route del 10.60.0.0/16',
        'link set veth8 master br0',
        'link set veth8 nomaster',
        'addr del 10.50.0.1/24 dev veth8',
        'link set veth9 down',
        'link del veth8',
        'link add ifb7 type ifb',
        'link del ifb7',
      ];
      for (const command of changes) ipIn(NS, command);
      // The last change is ifb7's RTM_DELLINK: wait until both have printed it.
      await kernelMonitor.waitFor((l) => isDellinkOf(l, 'ifb7'));
      await ipMonitor.waitFor((l) => l.startsWith('Deleted ') && l.includes('ifb7'));
    } finally {
      kernelMonitor.child.stdin?.end();
      ipMonitor.child.kill('SIGTERM');
      await Promise.all([kernelMonitor.exited, ipMonitor.exited]);
    }
    const links = new LinkNames();
    const notifications: Uint8Array[] = [];
    for (const l of kernelMonitor.lines) {
      const [kind, hex] = l.split(' ');
      const bytes = new Uint8Array(Buffer.from(hex ?? '', 'hex'));
      if (kind === 'L') links.remember(bytes);
      else if (kind === 'N') notifications.push(bytes);
    }
    const monitor = new IpMonitor(links);
    const printed = notifications.map((n) => monitor.print(n)).join('');
    // Every kind of notification was there, and ip printed exactly what the printers print.
    expect(notifications.length).toBeGreaterThan(15);
    expect(printed).toMatch(/^Deleted 10\.60\.0\.0\/16 via 10\.50\.0\.2 dev veth8 proto static $/m);
    expect(printed).toMatch(/^Deleted \d+: veth8 {4}inet 10\.50\.0\.1\/24 scope global veth8$/m);
    expect(printed).toMatch(/^Deleted \d+: veth8@veth9: </m);
    expect(printed).toMatch(/^\tnexthop via 10\.0\.0\.254 dev veth0 weight 1 $/m);
    if (process.env.IPROUTE_SHOW) console.log(printed);
    expect(lines(printed)).toEqual(lines(ipMonitor.text()));
  });
});

/** Whether a `N hex` line of the kernel monitor is the RTM_DELLINK of `name`. */
function isDellinkOf(line: string, name: string): boolean {
  if (!line.startsWith('N ')) return false;
  const bytes = Buffer.from(line.slice(2), 'hex');
  return bytes.length >= 16 && bytes.readUInt16LE(4) === 17 && bytes.includes(Buffer.from(`${name}\0`));
}

describe.skipIf(!canRun)('the namespace', () => {
  it('is gone after the comparison', () => {
    // afterAll of the block above deletes it; this runs after that block's hooks.
    expect(netnsExists(NS)).toBe(false);
  });
});
