/**
 * The fresh rtnlkit every scenario runs against, one per scenario and strategy variant: the
 * dispatcher with every subsystem that has landed installed (today the link subsystem: netns,
 * the device tables, lo in every namespace, link kinds ifb and bridge, RTM_GETLINK, SETLINK,
 * NEWLINK and DELLINK), so that every scenario sees the whole
 * model, as every request to Linux sees the whole kernel.
 */
import { LockEnv, Rtnetlink } from '@rtnlkit/core';
import { linkSubsystem } from '@rtnlkit/subsystems';
import type { StrategyVariant } from './strategies';
import type { World } from './types';

export interface RtnlkitWorld extends World {
  readonly env: LockEnv;
}

export async function createWorld(variant: StrategyVariant): Promise<RtnlkitWorld> {
  // Lockdep watches every run (reporting, not refusing): a report is a failure of the scenario.
  const env = new LockEnv({ lockdep: true });
  const rtnl = new Rtnetlink({ strategy: variant.create(), env });
  // Subsystems go here as they land.
  await rtnl.install(linkSubsystem());
  return { rtnl, env, strategy: variant.name };
}
