/** Output as iproute2 prints it, plain or `-json`, through @rtnlkit/core's iproute printers. */
import {
  addrShowJson,
  type DecodedMessage,
  type JsonValue,
  LinkNames,
  linkJson,
  printAddrShow,
  printLink,
  printRouteGet,
  printRouteShow,
  routeGetJson,
  routeShowJson,
} from '@rtnlkit/core';

export interface Output {
  readonly json: boolean;
  readonly pretty: boolean;
  write(text: string): void;
}

const bytesOf = (messages: readonly DecodedMessage[]) => messages.map((m) => m.bytes);

/** ip -json prints one array per command, on one line (indented with -pretty). */
function writeJson(out: Output, value: JsonValue): void {
  out.write(`${JSON.stringify(value, null, out.pretty ? 4 : undefined)}\n`);
}

/** `ip link show`: the `shown` links, named from `all` (a master or peer may not be shown). */
export function printLinks(out: Output, shown: readonly DecodedMessage[], all: readonly DecodedMessage[]): void {
  const names = LinkNames.fromMessages(bytesOf(all));
  if (out.json)
    writeJson(
      out,
      shown.map((l) => linkJson(l.bytes, names)),
    );
  else out.write(shown.map((l) => printLink(l.bytes, names)).join(''));
}

/** `ip address show`: the `shown` links with their addresses, named from `all`. */
export function printAddrs(
  out: Output,
  shown: readonly DecodedMessage[],
  all: readonly DecodedMessage[],
  addrs: readonly DecodedMessage[],
): void {
  const options = { names: LinkNames.fromMessages(bytesOf(all)) };
  if (out.json) writeJson(out, addrShowJson(bytesOf(shown), bytesOf(addrs), options));
  else out.write(printAddrShow(bytesOf(shown), bytesOf(addrs), options));
}

/** `ip route show [table T]`: `table` 0 lists every table. */
export function printRoutes(
  out: Output,
  routes: readonly DecodedMessage[],
  links: readonly DecodedMessage[],
  table: number,
): void {
  const names = LinkNames.fromMessages(bytesOf(links));
  if (out.json) writeJson(out, routeShowJson(bytesOf(routes), names, { table }));
  else out.write(printRouteShow(bytesOf(routes), names, { table }));
}

export function printRouteAnswer(out: Output, route: DecodedMessage, links: readonly DecodedMessage[]): void {
  const names = LinkNames.fromMessages(bytesOf(links));
  if (out.json) writeJson(out, [routeGetJson(route.bytes, names)]);
  else out.write(printRouteGet(route.bytes, names));
}
