/**
 * The Linux half of a conformance run, inside the scenario's private namespace:
 *
 *   ip netns exec NS [setpriv ...] node --import tsx conformance/harness/kernel-child.ts < input.json
 *
 * Reads a {@link ChildInput} (the scenario's datagrams as hex) on stdin, sends them on
 * netlink@0.3.0 raw sockets through the shared {@link ClientSession} and prints one JSON
 * {@link SideResult} (partial for the `setup` and `main` phases) on stdout. It runs as root for
 * admin scenarios and as an unprivileged user for the others, so it imports nothing from
 * `@rtnlkit/core`: the parent decodes.
 */
import { readFileSync } from 'node:fs';
import type { RawNetlinkSocket } from 'netlink';
import { enableNetlinkOptions, openRouteSocket } from '../../scripts/bench/raw-netlink';
import { ClientSession, exchangeAll } from './client';
import type { ChildInput } from './plan';
import type { SideResult } from './types';

const sockets: RawNetlinkSocket[] = [];

function session(timeoutMs: number, configure?: (socket: RawNetlinkSocket) => void): ClientSession {
  const socket = openRouteSocket();
  sockets.push(socket);
  configure?.(socket);
  return new ClientSession(socket, timeoutMs);
}

async function main(): Promise<void> {
  const { plan, phase } = JSON.parse(readFileSync(0, 'utf8')) as ChildInput;
  const result: SideResult = { setup: [], steps: [], state: {} };
  try {
    if (phase !== 'main' && plan.setup.length > 0) {
      result.setup = await exchangeAll(session(plan.timeoutMs), plan.setup);
    }
    if (phase !== 'setup') {
      const client = session(plan.timeoutMs, (socket) => {
        enableNetlinkOptions(socket, plan.socket.options);
        for (const group of plan.socket.groups) socket.addMembership(group);
      });
      result.steps = await exchangeAll(client, plan.steps);
      if (plan.state.length > 0) {
        const dumper = session(plan.timeoutMs);
        for (const { kind, request } of plan.state)
          result.state[kind] = await dumper.exchange(Buffer.from(request, 'hex'));
      }
    }
  } finally {
    for (const socket of sockets) socket.close();
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
