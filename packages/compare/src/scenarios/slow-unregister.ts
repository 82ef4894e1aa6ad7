/**
 * Scenario 1 of the seed: deleting links is slow, and under a global RTNL everybody waits for it.
 */
import { lingerOnUnregister } from '@rtnlkit/subsystems';
import { addAddr, addLink, delLink, dumpAddrs, dumpLinks, routeGet, setLinkUp } from '../scenario/requests';
import type { CompareScenario } from '../scenario/types';

const DEVICES = 24;
const DELETED = 6;

export const slowUnregister: CompareScenario = {
  name: 'slow-unregister',
  title: 'Slow unregister against monitors and a routing daemon',
  description:
    'A management agent deletes links one by one. Each RTM_DELLINK waits in unregister_netdevice_many() for synchronize_net() twice while holding RTNL (here on a machine with rcupdate.rcu_normal=1, so each is a normal grace period of about 100 ms), and then outside RTNL for a subsystem that still holds a reference (netdev_run_todo, about 250 ms). Meanwhile a monitor dumps links and addresses and a routing daemon looks routes up. Under the global lock every reader queues behind each deletion; with elision the address dump and the route lookups, which Linux runs without RTNL, do not; the link dump, still under RTNL in Linux 6.18, does. Compare each read class with its uncontended latency.',
  durationMs: 2000,
  costs: {
    'rcu.expedited': {
      ms: 100,
      jitter: 0.2,
      why: 'rcupdate.rcu_normal=1 (common on RT and very large machines): synchronize_net() under RTNL waits a normal grace period',
    },
  },
  instrument: (world) => lingerOnUnregister(world.rtnl),
  async setup(world) {
    for (let i = 0; i < DEVICES; i += 1) {
      await world.must(addLink(1000 + 3 * i, `ifb${i}`));
      await world.must(setLinkUp(1001 + 3 * i, `ifb${i}`));
      await world.must(addAddr(1002 + 3 * i, world.ifindex(`ifb${i}`), `10.${i}.0.1`));
    }
  },
  classes: [
    {
      name: 'del-link',
      kind: 'write',
      count: DELETED,
      startMs: 50,
      arrival: { kind: 'closed', thinkMs: 100 },
      request: ({ seq, index, task }) => delLink(seq, `ifb${DEVICES - 1 - index - task * DELETED}`),
    },
    {
      name: 'dump-links',
      kind: 'read',
      arrival: { kind: 'closed', thinkMs: 20 },
      request: ({ seq }) => dumpLinks(seq),
    },
    {
      name: 'dump-addrs',
      kind: 'read',
      arrival: { kind: 'closed', thinkMs: 20 },
      request: ({ seq }) => dumpAddrs(seq),
    },
    {
      name: 'route-get',
      kind: 'read',
      tasks: 2,
      arrival: { kind: 'closed', thinkMs: 5 },
      // Only the devices that stay: a lookup answers the same way all run long.
      request: ({ seq, world }) =>
        routeGet(seq, `10.${world.random.int(DEVICES - DELETED)}.0.${2 + world.random.int(200)}`),
    },
  ],
};
