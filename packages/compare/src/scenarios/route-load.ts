/**
 * Scenario 2 of the seed: a routing daemon loads routes while a monitor dumps and an agent adds
 * addresses.
 */
import { addAddr, addLink, addRoute, dumpAddrs, dumpLinks, setLinkUp } from '../scenario/requests';
import type { CompareScenario } from '../scenario/types';

const DEVICES = 8;
const ROUTES = 3000;

export const routeLoad: CompareScenario = {
  name: 'route-load',
  title: 'A routing daemon loads routes against a monitor',
  description:
    'A routing daemon (think bird or FRR after a BGP session comes up) pushes routes as fast as the kernel takes them, one RTM_NEWROUTE at a time. Meanwhile a monitor dumps links and addresses every few milliseconds and an agent adds an address now and then. Each route add is short, but there are thousands: under the global lock every dump and the address adds queue behind whichever add holds RTNL, so their tails grow with the load. Elision takes the address dump off the lock; finegrained also the link dump, and the route adds hold RTNL and the FIB mutex only for their own work.',
  durationMs: 200,
  async setup(world) {
    for (let i = 0; i < DEVICES; i += 1) {
      await world.must(addLink(10 + 3 * i, `ifb${i}`));
      await world.must(setLinkUp(11 + 3 * i, `ifb${i}`));
      await world.must(addAddr(12 + 3 * i, world.ifindex(`ifb${i}`), `10.${i}.0.1`));
    }
  },
  classes: [
    {
      name: 'route-add',
      kind: 'write',
      count: ROUTES,
      request: ({ seq, index }) =>
        addRoute(seq, `10.${100 + (index >> 8)}.${index & 0xff}.0`, 24, { gw: `10.${index % DEVICES}.0.2` }),
    },
    { name: 'dump-links', kind: 'read', arrival: { kind: 'closed', thinkMs: 4 }, request: ({ seq }) => dumpLinks(seq) },
    { name: 'dump-addrs', kind: 'read', arrival: { kind: 'closed', thinkMs: 4 }, request: ({ seq }) => dumpAddrs(seq) },
    {
      name: 'add-addr',
      kind: 'write',
      arrival: { kind: 'closed', thinkMs: 10 },
      request: ({ world, seq, index }) => addAddr(seq, world.ifindex('ifb0'), `10.200.${index}.1`, 32),
    },
  ],
};
