/**
 * A live rtnlkit for the fuzzer: the link, devinet and FIB subsystems installed under one
 * strategy, lockdep on, on a virtual clock (so sleeps inside handlers cost nothing and a run is
 * the same for the same seed), and read-only views of its tables for the generators.
 */
import { LockEnv, Rtnetlink, VirtualClock } from '@rtnlkit/core';
import {
  devinetSubsystem,
  fibNet,
  fibSubsystem,
  inDevGet,
  linkSubsystem,
  linkTable,
  RT_TABLE,
} from '@rtnlkit/subsystems';
import type { StrategyVariant } from '../strategies';

export interface FuzzWorld {
  readonly rtnl: Rtnetlink;
  readonly clock: VirtualClock;
  readonly env: LockEnv;
  readonly strategy: string;
}

/** Devices, addresses and routes as the generators see them, to aim requests at what exists. */
export interface WorldView {
  devices(): readonly { ifindex: number; name: string; kind: string | undefined }[];
  addresses(): readonly { ifindex: number; local: number; prefixlen: number }[];
  routes(): readonly { table: number; dst: number; dstLen: number }[];
}

/** Virtual milliseconds one request may take before it counts as hung. */
export const REQUEST_TIME_LIMIT_MS = 600_000;

export async function buildFuzzWorld(variant: StrategyVariant, seed: number): Promise<FuzzWorld> {
  const clock = new VirtualClock({ seed });
  const env = new LockEnv({ clock, lockdep: true });
  const rtnl = new Rtnetlink({ strategy: variant.create(), env });
  await clock.run(
    async () => {
      await rtnl.install(linkSubsystem());
      await rtnl.install(devinetSubsystem());
      await rtnl.install(fibSubsystem());
    },
    { timeLimit: REQUEST_TIME_LIMIT_MS },
  );
  return { rtnl, clock, env, strategy: variant.name };
}

/** The tables as they are now, each list computed once when first asked for. */
export function worldView(world: FuzzWorld): WorldView {
  const net = world.rtnl.initNet;
  const once = <T>(compute: () => T): (() => T) => {
    let value: T | undefined;
    return () => {
      value ??= compute();
      return value;
    };
  };
  return {
    devices: once(() =>
      linkTable(net)
        .devices()
        .map((dev) => ({ ifindex: dev.ifindex, name: dev.name, kind: dev.rtnlLinkOps?.kind })),
    ),
    addresses: once(() =>
      linkTable(net)
        .devices()
        .flatMap((dev) =>
          (inDevGet(dev)?.ifaList ?? []).map((ifa) => ({
            ifindex: dev.ifindex,
            local: ifa.local,
            prefixlen: ifa.prefixlen,
          })),
        ),
    ),
    routes: once(() =>
      fibNet(net)
        .tablesInOrder()
        .filter((t) => t.id !== RT_TABLE.LOCAL)
        .flatMap((t) => t.routes().map((r) => ({ table: t.id, dst: r.dst, dstLen: r.dstLen }))),
    ),
  };
}
