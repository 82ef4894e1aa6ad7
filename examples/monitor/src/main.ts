#!/usr/bin/env node
/**
 * `rtnlkit-monitor`: ip monitor for an rtnlkit netlink server (examples/netlink-server). Joins the
 * link, IPv4 address and IPv4 route groups (or those named), and prints each notification as
 * `ip monitor` does, from the moment it has joined until the server goes away or SIGINT/SIGTERM.
 *
 *   rtnlkit-monitor [-S|--socket PATH] [--label] [link] [address] [route]
 */
import {
  AF,
  encodeIfInfoMsg,
  IpMonitor,
  LinkNames,
  NETLINK_OPT,
  NetlinkStreamClient,
  NLM_F,
  NlMsgBuilder,
  RTM,
  RTNLGRP,
} from '@rtnlkit/core';
import { Command, InvalidArgumentError } from 'commander';

const GROUPS: Readonly<Record<string, number>> = {
  link: RTNLGRP.LINK,
  address: RTNLGRP.IPV4_IFADDR,
  route: RTNLGRP.IPV4_ROUTE,
};
const ALIASES: Readonly<Record<string, string>> = { addr: 'address', a: 'address', l: 'link', r: 'route' };

function objectName(value: string, previous: string[] = []): string[] {
  const name = ALIASES[value] ?? value;
  if (!GROUPS[name]) throw new InvalidArgumentError(`"${value}": link, address or route`);
  return [...previous, name];
}

const program = new Command('rtnlkit-monitor')
  .description('print link, address and route notifications of an rtnlkit server, as ip monitor does')
  .option('-S, --socket <path>', 'the server socket', process.env.RTNLKIT_SOCKET ?? 'rtnlkit.sock')
  .option('--label', 'prefix each notification with [LINK], [ADDR] or [ROUTE]')
  .argument('[objects...]', 'link, address, route (default all three)')
  .showHelpAfterError();

program.action(async (objects: string[]) => {
  const flags = program.opts<{ socket: string; label?: boolean }>();
  const wanted =
    objects.length > 0 ? objects.reduce<string[]>((all, o) => objectName(o, all), []) : Object.keys(GROUPS);
  let client: NetlinkStreamClient;
  try {
    client = await NetlinkStreamClient.connect(flags.socket);
  } catch (error) {
    process.stderr.write(`Cannot connect to the rtnlkit server at ${flags.socket}: ${(error as Error).message}\n`);
    process.exit(1);
  }
  for (const name of wanted) await client.setOption(NETLINK_OPT.ADD_MEMBERSHIP, GROUPS[name] as number);
  // The link cache first (ip monitor's ll_init_map), so that addresses and routes name their devices.
  const dump = new NlMsgBuilder(RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, client.nextSeq(), 0)
    .bytes(encodeIfInfoMsg({ family: AF.UNSPEC }))
    .finish();
  const monitor = new IpMonitor(LinkNames.fromMessages((await client.call(dump)).map((m) => m.bytes)));
  process.stderr.write(`rtnlkit-monitor: listening for ${wanted.join(', ')} on ${flags.socket}\n`);
  const stop = () => void client.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  for await (const event of client.notifications()) {
    if (event.kind === 'overrun') {
      process.stderr.write('rtnlkit-monitor: notifications lost (ENOBUFS): the monitor read too slowly\n');
      continue;
    }
    const text = monitor.print(event.message.bytes);
    if (!text) continue;
    const label = flags.label ? `${labelOf(event.message.header.type)} ` : '';
    process.stdout.write(label + text);
  }
  process.stderr.write('rtnlkit-monitor: the server closed the connection\n');
  process.exit(1);
});

function labelOf(type: number): string {
  if (type === RTM.NEWLINK || type === RTM.DELLINK) return '[LINK]';
  if (type === RTM.NEWADDR || type === RTM.DELADDR) return '[ADDR]';
  return '[ROUTE]';
}

await program.parseAsync();
