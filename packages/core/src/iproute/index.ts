/**
 * iproute2-style output for decoded rtnetlink messages: `ip link show`, `ip address show`,
 * `ip route show|get` and `ip monitor`, in text and `-json`, as iproute2 6.1 prints them.
 */
export {
  type AddrShowOptions,
  type AddrView,
  addrJson,
  addrShowJson,
  linkShowJson,
  printAddr,
  printAddrShow,
  printLinkShow,
  writeAddr,
} from './addr';
export { ShortMessageError } from './attrs';
export { formatAddress, formatIpv4, formatIpv6, formatLinkAddress } from './format';
export {
  ADDRESS_SHOW_LINK,
  LINK_SHOW,
  type LinkView,
  linkJson,
  MONITOR_LINK,
  printLink,
  writeLink,
} from './link';
export { type KnownLink, LinkNames } from './link-names';
export { IpMonitor, printMonitor } from './monitor';
export {
  ARPHRD,
  dsfieldName,
  familyName,
  groupName,
  groupNumber,
  linkTypeName,
  protocolName,
  protocolNumber,
  realmName,
  routeTypeName,
  routeTypeNumber,
  scopeName,
  scopeNumber,
  tableName,
  tableNumber,
} from './names';
export { IpOutput, type JsonObject, type JsonValue } from './output';
export {
  printRoute,
  printRouteGet,
  printRouteShow,
  type RouteFilter,
  RTM_F,
  RTNH_F,
  routeGetJson,
  routeJson,
  routeShowJson,
  routeShown,
  routeTable,
  writeRoute,
} from './route';
