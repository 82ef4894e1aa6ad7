/**
 * Runs a scenario against a fresh rtnlkit under one strategy variant, through the same client
 * code as the Linux side: the same pre-encoded datagrams go through {@link ClientSession} on
 * core's `NetlinkNpmSocket`, the adapter that makes an rtnlkit socket look like netlink@0.3.0's
 * native `RawNetlinkSocket` (and reads the way it does, so dumps split like the kernel's).
 */
import { NETLINK_OPT, NetlinkNpmSocket, type NetlinkSocket, runTask } from '@rtnlkit/core';
import { netnsOf, nsFiles } from '@rtnlkit/subsystems';
import { ClientSession, exchangeAll } from './client';
import { planOf } from './plan';
import type { StrategyVariant } from './strategies';
import { type NetlinkOptionName, PEER_NS_FD, type Scenario, type SideResult } from './types';
import { createWorld, type RtnlkitWorld } from './world';

const OPTION_NUMBERS: Record<NetlinkOptionName, number> = {
  NETLINK_CAP_ACK: NETLINK_OPT.CAP_ACK,
  NETLINK_EXT_ACK: NETLINK_OPT.EXT_ACK,
  NETLINK_GET_STRICT_CHK: NETLINK_OPT.GET_STRICT_CHK,
};

export interface RtnlkitResult extends SideResult {
  /** Handler faults (exceptions that were not ErrnoErrors) and lockdep reports: each is a failure. */
  problems: string[];
}

export async function runRtnlkit(
  scenario: Scenario,
  variant: StrategyVariant,
  makeWorld: (variant: StrategyVariant) => Promise<RtnlkitWorld> = createWorld,
): Promise<RtnlkitResult> {
  const plan = planOf(scenario);
  const world = await makeWorld(variant);
  const adapters: NetlinkNpmSocket[] = [];
  const session = (admin: boolean, name: string, configure?: (socket: NetlinkSocket) => void) => {
    const socket = world.rtnl.socket({ admin, name });
    configure?.(socket);
    const adapter = new NetlinkNpmSocket(socket);
    adapters.push(adapter);
    return new ClientSession(adapter, plan.timeoutMs);
  };
  const result: RtnlkitResult = { setup: [], steps: [], state: {}, problems: [] };
  try {
    if (scenario.peerNamespace) {
      const peer = await runTask('ip-netns-add', (task) => netnsOf(world.rtnl).create('peer', task));
      nsFiles(world.rtnl).bindFd(PEER_NS_FD, peer);
    }
    await scenario.rtnlkitSetup?.(world);
    if (plan.setup.length > 0) result.setup = await exchangeAll(session(true, 'setup'), plan.setup);
    const client = session(plan.admin, 'scenario', (socket) => {
      for (const option of plan.socket.options) socket.setOption(OPTION_NUMBERS[option], 1);
      for (const group of plan.socket.groups) socket.addMembership(group);
    });
    result.steps = await exchangeAll(client, plan.steps);
    if (plan.state.length > 0) {
      const dumper = session(false, 'state');
      for (const { kind, request } of plan.state) {
        result.state[kind] = await dumper.exchange(Buffer.from(request, 'hex'));
      }
    }
  } finally {
    for (const adapter of adapters) adapter.close();
  }
  for (const fault of world.rtnl.faults) {
    result.problems.push(`handler fault (answered EINVAL): ${fault instanceof Error ? fault.stack : String(fault)}`);
  }
  for (const report of world.env.lockdep?.reports ?? []) result.problems.push(`lockdep: ${report.text}`);
  return result;
}
