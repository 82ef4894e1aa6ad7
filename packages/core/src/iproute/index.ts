/**
 * iproute2-style output for decoded rtnetlink messages: `ip link show`, `ip address show`,
 * `ip route show|get` and `ip monitor`, in text and `-json`, as iproute2 6.1 prints them.
 */
export {
  type AddrView,
  addrHeader,
  addrJson,
  addrShowJson,
  linkShowJson,
  printAddr,
  printAddrShow,
  printLinkShow,
  writeAddr,
} from './addr';
export { type AttrTable, attrTable, messageAttrs, ShortMessageError } from './attrs';
export { formatAddress, formatIpv4, formatIpv6, formatLinkAddress, hostBits } from './format';
export {
  ADDRESS_SHOW_LINK,
  formatLink,
  LINK_SHOW,
  type LinkView,
  linkHeader,
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
  LINK_FLAG_ORDER,
  LINKMODE_NAMES,
  linkTypeName,
  OPERSTATE_NAMES,
  protocolName,
  realmName,
  routeTypeName,
  scopeName,
  tableName,
} from './names';
export { IpOutput, type JsonObject, type JsonValue } from './output';
export {
  formatRoute,
  printRoute,
  printRouteGet,
  printRouteShow,
  type RouteFilter,
  RTM_F,
  RTNH_F,
  routeGetJson,
  routeHeader,
  routeJson,
  routeShowJson,
  routeShown,
  routeTable,
  writeRoute,
} from './route';
