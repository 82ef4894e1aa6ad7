/**
 * Scenario 6 of the seed: a link kind's module is unloaded while RTM_NEWLINK requests for it are
 * in flight.
 */
import { ErrnoError, IFF } from '@rtnlkit/core';
import { linkKinds, linkTable, NetDevice, type RtnlLinkOps } from '@rtnlkit/subsystems';
import { addAddr, addLink, dumpAddrs } from '../scenario/requests';
import type { CompareScenario, ScenarioWorld } from '../scenario/types';

const KIND = 'xlink';
const state = new WeakMap<ScenarioWorld, { ops: RtnlLinkOps; unregistered: boolean }>();

export const kindUnregister: CompareScenario = {
  name: 'kind-unregister',
  title: 'Kind unregistration racing RTM_NEWLINK',
  description:
    "Three agents create links of a driver's kind while the driver is unloaded (rtnl_link_unregister). RTM_NEWLINK looks the kind up in its unlocked stage and pins it (SRCU, as the seed proposes for rtnl_link_ops); the unregistration unlists the kind, waits for those pins, then deletes the kind's devices in every namespace. Requests that lost the race answer EOPNOTSUPP; none may create a device of an unregistered kind, and none of the kind's devices may survive the unregistration. A monitor dumps addresses meanwhile: under the global lock it waits for the whole unregistration.",
  durationMs: 60,
  instrument(world) {
    const entry = {
      unregistered: false,
      ops: {
        kind: KIND,
        setup(name: string) {
          if (entry.unregistered)
            world.finding({
              kind: 'partial-change',
              summary: `${KIND}: setup(${name}) after rtnl_link_unregister returned`,
            });
          const address = Uint8Array.from({ length: 6 }, () => world.random.int(256));
          address[0] = ((address[0] ?? 0) & 0xfe) | 0x02;
          return new NetDevice({
            name,
            kind: KIND,
            flags: IFF.BROADCAST | IFF.NO_ARP,
            txqlen: 32,
            address,
            minMtu: 0,
            maxMtu: 0,
          });
        },
      } satisfies RtnlLinkOps,
    };
    state.set(world, entry);
    linkKinds(world.rtnl).register(entry.ops);
    return undefined;
  },
  async setup(world) {
    await world.must(addLink(10, 'ifb0'));
    await world.must(addAddr(11, world.ifindex('ifb0'), '10.0.0.1'));
  },
  classes: [
    {
      name: 'new-link',
      kind: 'write',
      tasks: 3,
      arrival: { kind: 'closed', thinkMs: 0.2 },
      request: ({ seq, task, index }) => addLink(seq, `x${task}-${index}`, KIND),
    },
    // Addresses, not links: the link table grows and shrinks with the race, the address list does not.
    { name: 'dump-addrs', kind: 'read', arrival: { kind: 'closed', thinkMs: 2 }, request: ({ seq }) => dumpAddrs(seq) },
    {
      name: 'unregister-kind',
      kind: 'write',
      count: 1,
      startMs: 20,
      request: ({ world }) => ({
        async run() {
          const entry = state.get(world);
          if (!entry) throw new ErrnoError(22, 'no kind');
          await linkKinds(world.rtnl).unregister(entry.ops);
          entry.unregistered = true;
          const left = linkTable(world.net)
            .devices()
            .filter((dev) => dev.kind === KIND);
          if (left.length)
            world.finding({
              kind: 'partial-change',
              summary: `${left.length} ${KIND} device(s) left after rtnl_link_unregister returned: ${left.map((d) => d.name).join(', ')}`,
            });
        },
      }),
    },
  ],
};
