/**
 * Records what packages/core/src/iproute/printers.test.ts replays everywhere: in a private network
 * namespace built with SETUP, the kernel's raw link, address and route messages, the answers to
 * `ip route get`, one `ip monitor` session with its notifications, and what this machine's `ip`
 * printed for each of SHOW_COMMANDS in text and `-json`. Root only; deletes its namespace.
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
  ip,
  ipIn,
  kernelDump,
  MONITOR_CHANGES,
  SETUP,
  SHOW_COMMANDS,
} from '../packages/core/src/iproute/kernel-netns';

const hex = (m: Uint8Array) => Buffer.from(m).toString('hex');
const ns = `rtnlkit-iproute-capture-${process.pid}`;
createNetns(ns);
try {
  for (const command of SETUP) ipIn(ns, command);
  const dump = kernelDump(ns, GETS);
  const outputs: Record<string, { text: string; json: unknown }> = {};
  for (const command of SHOW_COMMANDS) {
    outputs[command] = { text: ipIn(ns, command), json: JSON.parse(ipIn(ns, `-json ${command}`)) };
  }
  const monitor = await captureMonitor(ns, MONITOR_CHANGES);
  const fixture = {
    comment:
      'Recorded by scripts/capture-iproute-fixture.ts in a private network namespace; replayed by packages/core/src/iproute/printers.test.ts.',
    iproute2: ip(['-V']).trim(),
    kernel: spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim(),
    setup: SETUP,
    links: dump.links.map(hex),
    addrs: dump.addrs.map(hex),
    routes: dump.routes.map(hex),
    gets: Object.fromEntries([...dump.gets].map(([a, m]) => [a, hex(m)])),
    outputs,
    monitor: {
      changes: MONITOR_CHANGES,
      links: monitor.links.map(hex),
      notifications: monitor.notifications.map(hex),
      output: monitor.output,
    },
  };
  const file = new URL('../packages/core/src/iproute/fixtures/kernel-iproute.json', import.meta.url);
  writeFileSync(file, `${JSON.stringify(fixture, null, 2)}\n`);
  console.log(`wrote ${file.pathname}`);
} finally {
  if (!deleteNetns(ns)) console.error(`could not delete namespace ${ns}`);
}
