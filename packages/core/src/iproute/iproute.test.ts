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
  SHOW_COMMANDS,
  SHOW_COMMANDS6,
} from './kernel-netns';
import { LinkNames } from './link-names';
import { IpMonitor } from './monitor';
import { replay } from './replay';

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

  beforeAll(() => {
    createNetns(NS);
    for (const command of SETUP) ipIn(NS, command);
    kernel = kernelDump(NS, GETS);
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

  it.each(SHOW_COMMANDS)('ip %s', (command) => {
    const printed = replay(kernel, command);
    expect(lines(printed.text)).toEqual(lines(ipIn(NS, command)));
    expect(printed.json).toEqual(json(command));
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

  beforeAll(() => {
    createNetns(NS6, true);
    for (const command of SETUP6) ipIn(NS6, command);
    kernel = kernelDump(NS6, GETS6);
  }, 60_000);

  afterAll(() => {
    expect(deleteNetns(NS6)).toBe(true);
  });

  it('the kernel dump has IPv6 addresses and routes', () => {
    expect(kernel.addrs.some((a) => a[16] === AF.INET6)).toBe(true);
    expect(kernel.routes.filter((r) => r[16] === AF.INET6).length).toBeGreaterThan(10);
  });

  it.each(SHOW_COMMANDS6)('ip %s', (command) => {
    const printed = replay(kernel, command);
    expect(lines(printed.text)).toEqual(lines(ipIn(NS6, command)));
    expect(printed.json).toEqual(json6(command));
  });
});

describe.skipIf(!canRun)('the namespaces', () => {
  it('are gone after the comparisons', () => {
    // The afterAll hooks of the blocks above delete them; this runs after those.
    expect(netnsExists(NS)).toBe(false);
    expect(netnsExists(NS6)).toBe(false);
  });
});
