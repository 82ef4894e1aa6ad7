/**
 * Scenario 3 of the seed: address changes with a validator that can veto and FIB side effects,
 * against route dumps and lookups.
 */
import { RTN } from '@rtnlkit/core';
import {
  fibNet,
  inDevGet,
  inetAddrTypeTable,
  ipv4String,
  linkTable,
  registerInetaddrValidatorNotifier,
  siblingAddressValidator,
} from '@rtnlkit/subsystems';
import { addAddr, addLink, delAddr, dumpRoutes, routeGet, setLinkUp } from '../scenario/requests';
import type { CompareScenario } from '../scenario/types';

const PORTS = 4;
const SUBNETS = 12;

export const addressChurn: CompareScenario = {
  name: 'address-churn',
  title: 'Address changes with a validator veto and FIB side effects',
  description:
    'Four devices are ports of one ipvlan-like master: an ifaddr validator refuses an address another port already uses (EADDRINUSE), before anything is committed. Two agents add and delete addresses on the ports; each address that goes in adds its local, prefix and broadcast routes through the inetaddr notifier, each that goes out removes them. A monitor dumps the routes and a daemon looks routes up. The validator and the notifier must see the state RTNL protects between their calls, which is why the address path stays under RTNL; the readers need not wait for it: under elision and finegrained the route dump and lookups run under RCU. The check afterwards: every address has its local route and no local route is left without its address.',
  durationMs: 300,
  instrument(world) {
    const ports = () =>
      linkTable(world.net)
        .devices()
        .filter((dev) => dev.name.startsWith('port'));
    return registerInetaddrValidatorNotifier(world.rtnl, siblingAddressValidator(ports));
  },
  async setup(world) {
    for (let i = 0; i < PORTS; i += 1) {
      await world.must(addLink(10 + 2 * i, `port${i}`));
      await world.must(setLinkUp(11 + 2 * i, `port${i}`));
    }
  },
  classes: [
    {
      name: 'add-addr',
      kind: 'write',
      tasks: 2,
      arrival: { kind: 'closed', thinkMs: 1 },
      request: ({ world, seq }) =>
        addAddr(seq, world.ifindex(`port${world.random.int(PORTS)}`), `10.60.${world.random.int(SUBNETS)}.1`),
    },
    {
      name: 'del-addr',
      kind: 'write',
      arrival: { kind: 'closed', thinkMs: 1 },
      request: ({ world, seq }) =>
        delAddr(seq, world.ifindex(`port${world.random.int(PORTS)}`), `10.60.${world.random.int(SUBNETS)}.1`),
    },
    {
      name: 'dump-routes',
      kind: 'read',
      arrival: { kind: 'closed', thinkMs: 3 },
      request: ({ seq }) => dumpRoutes(seq),
    },
    {
      name: 'route-get',
      kind: 'read',
      tasks: 2,
      arrival: { kind: 'closed', thinkMs: 1 },
      request: ({ world, seq }) => routeGet(seq, `10.60.${world.random.int(SUBNETS)}.${2 + world.random.int(250)}`),
    },
  ],
  check(world) {
    const fib = fibNet(world.net);
    for (const dev of linkTable(world.net).devices()) {
      for (const ifa of inDevGet(dev)?.ifaList ?? []) {
        if (inetAddrTypeTable(fib, ifa.local, 255, dev) !== RTN.LOCAL)
          world.finding({
            kind: 'partial-change',
            summary: `${ipv4String(ifa.local)} on ${dev.name} has no local route`,
          });
      }
    }
  },
};
