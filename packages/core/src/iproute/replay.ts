/**
 * Test support: what the printers give for one `ip` command over a kernel dump, so that the live
 * comparison (iproute.test.ts) and the recorded one (printers.test.ts) run the same table of
 * commands. Understands exactly the commands of SHOW_COMMANDS and SHOW_COMMANDS6.
 */
import { AF } from '../wire/constants';
import { addrShowJson, linkShowJson, printAddrShow, printLinkShow } from './addr';
import { LinkNames } from './link-names';
import { tableNumber } from './names';
import type { JsonValue } from './output';
import { printRouteGet, printRouteShow, routeGetJson, routeShowJson } from './route';

/** The raw messages of one namespace (see kernel.child.ts). */
export interface Dump {
  links: Uint8Array[];
  links6: Uint8Array[];
  addrs: Uint8Array[];
  routes: Uint8Array[];
  gets: ReadonlyMap<string, Uint8Array>;
}

/** The text and the `-json` value the printers give for `command` (as typed after `ip -n NS`). */
export function replay(dump: Dump, command: string): { text: string; json: JsonValue } {
  const names = LinkNames.fromMessages(dump.links);
  if (command === 'link show') return { text: printLinkShow(dump.links), json: linkShowJson(dump.links) };

  const address = /^(?:-([46]) )?address show$/.exec(command);
  if (address) {
    const family = address[1] === '4' ? AF.INET : address[1] === '6' ? AF.INET6 : AF.UNSPEC;
    const links = family === AF.INET6 ? dump.links6 : dump.links;
    const options = { family, names };
    return { text: printAddrShow(links, dump.addrs, options), json: addrShowJson(links, dump.addrs, options) };
  }

  const route = /^(?:-([46]) )?route show(?: table (\S+))?$/.exec(command);
  if (route) {
    const family = route[1] === '4' ? AF.INET : route[1] === '6' ? AF.INET6 : undefined;
    const table = route[2] === undefined ? undefined : route[2] === 'all' ? 0 : tableNumber(route[2]);
    const filter = { ...(family === undefined ? {} : { family }), ...(table === undefined ? {} : { table }) };
    return { text: printRouteShow(dump.routes, names, filter), json: routeShowJson(dump.routes, names, filter) };
  }

  const get = /^route get (\S+)$/.exec(command);
  const answer = get && dump.gets.get(get[1] as string);
  if (answer) return { text: printRouteGet(answer, names), json: [routeGetJson(answer, names)] };
  throw new Error(`replay: no printer for "ip ${command}"`);
}
