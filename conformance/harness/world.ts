/**
 * The fresh rtnlkit every scenario runs against, one per scenario and strategy variant: the
 * dispatcher with every subsystem that has landed installed (the link subsystem: netns,
 * the device tables, lo in every namespace, link kinds ifb, bridge, veth and macvlan, RTM_GETLINK, SETLINK,
 * NEWLINK and DELLINK; devinet: IPv4 addresses; the IPv4 FIB: RTM_NEWROUTE, DELROUTE and GETROUTE),
 * so that every scenario sees the whole
 * model, as every request to Linux sees the whole kernel.
 */
import { readFileSync } from 'node:fs';
import { LockEnv, Rtnetlink } from '@rtnlkit/core';
import { devinetSubsystem, fibSubsystem, linkSubsystem } from '@rtnlkit/subsystems';
import type { StrategyVariant } from './strategies';
import type { World } from './types';

/** The kinds the reference kernel here has that rtnlkit models (it has vxlan too, not modelled). */
export const KERNEL_LINK_KINDS = ['ifb', 'bridge', 'veth', 'macvlan'] as const;

/**
 * `num_possible_cpus()` of the machine the Linux side runs on (`/sys/devices/system/cpu/possible`,
 * e.g. `0-1`), so that both sides give a veth the same queue counts.
 */
export function possibleCpus(path = '/sys/devices/system/cpu/possible'): number {
  const text = readFileSync(path, 'utf8').trim();
  let count = 0;
  for (const range of text.split(',')) {
    const [lo, hi] = range.split('-').map(Number);
    if (lo === undefined || Number.isNaN(lo)) continue;
    count += hi === undefined ? 1 : hi - lo + 1;
  }
  return Math.max(1, count);
}

export interface RtnlkitWorld extends World {
  readonly env: LockEnv;
}

export async function createWorld(variant: StrategyVariant): Promise<RtnlkitWorld> {
  // Lockdep watches every run (reporting, not refusing): a report is a failure of the scenario.
  const env = new LockEnv({ lockdep: true });
  const rtnl = new Rtnetlink({ strategy: variant.create(), env });
  // Subsystems go here as they land. The link kinds are the ones this kernel has (no dummy, no
  // vlan; vxlan is not modelled), and the machine's possible CPUs give veth its queue counts.
  await rtnl.install(linkSubsystem({ kinds: KERNEL_LINK_KINDS, possibleCpus: possibleCpus() }));
  await rtnl.install(devinetSubsystem());
  // The IPv4 FIB: tables, RTM_NEWROUTE / DELROUTE / GETROUTE, fib_netdev_event.
  await rtnl.install(fibSubsystem());
  return { rtnl, env, strategy: variant.name };
}
