/**
 * The printers against the real `ip` (iproute2 6.1) on the real kernel: a private network
 * namespace gets links, addresses and routes from `ip`; then `ip ... show` (text and `-json`) is
 * compared with the printers run on the raw messages the kernel sends for the same objects, and
 * `ip monitor` with the printers run on the notifications a netlink@0.3.0 socket receives while
 * things change. Root on Linux only: elsewhere the block says why it skipped, and printers.test.ts
 * (recorded messages and outputs, hand-made messages) still runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AF, nlmsgAlign } from '../wire/constants';
import { addrShowJson, linkShowJson, printAddrShow, printLinkShow } from './addr';
import { handmadeNotifications } from './handmade';
import {
  canCreateNetns,
  captureMonitor,
  createNetns,
  deleteNetns,
  GETS,
  GETS6,
  ip,
  ipIn,
  type KernelDump,
  kernelDump,
  MONITOR_CHANGES,
  netnsExists,
  SETUP,
  SETUP6,
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

  it('hand-made notifications through the real `ip monitor file`', () => {
    // iproute2 reads raw netlink messages from the file and prints them as it prints
    // notifications; names of ifindexes it has not seen come from the kernel (this namespace).
    const messages = handmadeNotifications();
    const dir = mkdtempSync(join(tmpdir(), 'rtnlkit-iproute-'));
    try {
      const file = join(dir, 'messages');
      const padded = messages.map((m) => {
        const out = new Uint8Array(nlmsgAlign(m.length));
        out.set(m);
        return out;
      });
      writeFileSync(file, Buffer.concat(padded));
      const real = ip(['netns', 'exec', NS, 'ip', 'monitor', 'file', file]);
      const monitor = new IpMonitor(LinkNames.fromMessages(kernel.links));
      const printed = messages.map((m) => monitor.print(m)).join('');
      expect(real.split('\n').length).toBeGreaterThan(messages.length);
      expect(lines(printed)).toEqual(lines(real));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ip monitor link address route', { timeout: 60_000 }, async () => {
    const capture = await captureMonitor(NS, MONITOR_CHANGES);
    const monitor = new IpMonitor(LinkNames.fromMessages(capture.links));
    const printed = capture.notifications.map((n) => monitor.print(n)).join('');
    // Every kind of notification was there, and ip printed exactly what the printers print.
    expect(capture.notifications.length).toBeGreaterThan(15);
    expect(printed).toMatch(/^Deleted 10\.60\.0\.0\/16 via 10\.50\.0\.2 dev veth8 proto static $/m);
    expect(printed).toMatch(/^Deleted \d+: veth8 {4}inet 10\.50\.0\.1\/24 scope global veth8$/m);
    expect(printed).toMatch(/^Deleted \d+: veth8@veth9: </m);
    expect(printed).toMatch(/^\tnexthop via 10\.0\.0\.254 dev veth0 weight 1 $/m);
    expect(lines(printed)).toEqual(lines(capture.output));
  });
});

const NS6 = `rtnlkit-iproute6-${process.pid}`;
const json6 = (args: string) => JSON.parse(ipIn(NS6, `-json ${args}`)) as unknown;

describe.skipIf(!canRun)('IPv6: the printers against ip in a second namespace', () => {
  let kernel: KernelDump;
  let names: LinkNames;

  beforeAll(() => {
    createNetns(NS6, true);
    for (const command of SETUP6) ipIn(NS6, command);
    kernel = kernelDump(NS6, GETS6);
    names = LinkNames.fromMessages(kernel.links);
  }, 60_000);

  afterAll(() => {
    expect(deleteNetns(NS6)).toBe(true);
  });

  it('ip address show (inet and inet6)', () => {
    expect(kernel.addrs.some((a) => a[16] === AF.INET6)).toBe(true);
    expect(lines(printAddrShow(kernel.links, kernel.addrs))).toEqual(lines(ipIn(NS6, 'address show')));
    expect(addrShowJson(kernel.links, kernel.addrs)).toEqual(json6('address show'));
  });

  it.each([
    ['-4 address show', AF.INET],
    ['-6 address show', AF.INET6],
  ])('ip %s', (command, family) => {
    // As ip: the links of -6 come from an AF_INET6 link dump (without IFLA_TXQLEN: ip asks the
    // kernel for the queue length, the printers ask the names of the ordinary dump).
    const links = family === AF.INET6 ? kernel.links6 : kernel.links;
    expect(links.length).toBeGreaterThan(0);
    const options = { family, names };
    expect(lines(printAddrShow(links, kernel.addrs, options))).toEqual(lines(ipIn(NS6, command)));
    expect(addrShowJson(links, kernel.addrs, options)).toEqual(json6(command));
  });

  it.each([
    ['-6 route show', { family: AF.INET6 }],
    ['-6 route show table local', { table: 255, family: AF.INET6 }],
    ['-6 route show table 100', { table: 100, family: AF.INET6 }],
    ['-6 route show table all', { table: 0, family: AF.INET6 }],
    ['route show table all', { table: 0 }],
  ])('ip %s', (command, filter) => {
    expect(lines(printRouteShow(kernel.routes, names, filter))).toEqual(lines(ipIn(NS6, command)));
    expect(routeShowJson(kernel.routes, names, filter)).toEqual(json6(command));
  });

  it.each(GETS6)('ip route get %s', (address) => {
    const answer = kernel.gets.get(address) as Uint8Array;
    expect(lines(printRouteGet(answer, names))).toEqual(lines(ipIn(NS6, `route get ${address}`)));
    expect([routeGetJson(answer, names)]).toEqual(json6(`route get ${address}`));
  });
});

describe.skipIf(!canRun)('the namespaces', () => {
  it('are gone after the comparisons', () => {
    // The afterAll hooks of the blocks above delete them; this runs after those.
    expect(netnsExists(NS)).toBe(false);
    expect(netnsExists(NS6)).toBe(false);
  });
});
