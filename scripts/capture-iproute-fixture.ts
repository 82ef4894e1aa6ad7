/**
 * Records what packages/core/src/iproute/printers.test.ts replays everywhere: in private network
 * namespaces built with SETUP and SETUP6, the kernel's raw link, address and route messages and
 * its answers to `ip route get`, what this machine's `ip` printed for each of SHOW_COMMANDS and
 * SHOW_COMMANDS6 in text and `-json`, and one `ip monitor` session with its notifications. Root
 * only; deletes its namespaces.
 *
 *   node --import tsx scripts/capture-iproute-fixture.ts && npx biome format --write packages/core/src/iproute/fixtures
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import {
  captureMonitor,
  createNetns,
  deleteNetns,
  GETS,
  GETS6,
  ip,
  ipIn,
  kernelDump,
  MONITOR_CHANGES,
  SETUP,
  SETUP6,
  SHOW_COMMANDS,
  SHOW_COMMANDS6,
} from '../packages/core/src/iproute/kernel-netns';

const hex = (m: Uint8Array) => Buffer.from(m).toString('hex');

async function record(
  name: string,
  ipv6: boolean,
  setup: readonly string[],
  gets: readonly string[],
  commands: readonly string[],
) {
  const ns = `rtnlkit-iproute-capture-${name}-${process.pid}`;
  createNetns(ns, ipv6);
  try {
    for (const command of setup) ipIn(ns, command);
    const dump = kernelDump(ns, gets);
    const outputs: Record<string, { text: string; json: unknown }> = {};
    for (const command of commands) {
      outputs[command] = { text: ipIn(ns, command), json: JSON.parse(ipIn(ns, `-json ${command}`)) };
    }
    const monitor = ipv6 ? undefined : await captureMonitor(ns, MONITOR_CHANGES);
    return {
      namespace: {
        setup,
        links: dump.links.map(hex),
        links6: dump.links6.map(hex),
        addrs: dump.addrs.map(hex),
        routes: dump.routes.map(hex),
        gets: Object.fromEntries([...dump.gets].map(([a, m]) => [a, hex(m)])),
        outputs,
      },
      monitor: monitor && {
        changes: MONITOR_CHANGES,
        links: monitor.links.map(hex),
        notifications: monitor.notifications.map(hex),
        output: monitor.output,
      },
    };
  } finally {
    if (!deleteNetns(ns)) console.error(`could not delete namespace ${ns}`);
  }
}

const ipv4 = await record('4', false, SETUP, GETS, SHOW_COMMANDS);
const ipv6 = await record('6', true, SETUP6, GETS6, SHOW_COMMANDS6);
const fixture = {
  comment: 'Recorded by scripts/capture-iproute-fixture.ts; replayed by packages/core/src/iproute/printers.test.ts.',
  iproute2: ip(['-V']).trim(),
  kernel: spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim(),
  namespaces: { ipv4: ipv4.namespace, ipv6: ipv6.namespace },
  monitor: ipv4.monitor,
};
const file = new URL('../packages/core/src/iproute/fixtures/kernel-iproute.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(fixture, null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
