/**
 * What `ip monitor link address route` (iproute2 6.1, no `label`, no timestamps) prints for one
 * notification: `accept_msg()` handing links to `print_linkinfo()`, addresses to
 * `print_addrinfo()` with the `3: eth0` prefix, routes to `print_route()` with no table filter;
 * `Deleted ` before RTM_DEL* messages.
 */
import { NLMSG } from '../wire/constants';
import { RTM } from '../wire/generated';
import { readHeader } from '../wire/nlmsg';
import { writeAddr } from './addr';
import { MONITOR_LINK, writeLink } from './link';
import type { LinkNames } from './link-names';
import { IpOutput } from './output';
import { RTM_F, routeHeader, writeRoute } from './route';

const RTNL_FAMILY_IPMR = 128;
const RTNL_FAMILY_IP6MR = 129;

/**
 * The lines `ip monitor` prints for `message`, or '' for what it prints nothing for (cloned routes,
 * multicast routes, control messages, types outside links, addresses and routes). Pure: `ip
 * monitor` first updates its link cache from a link message (`links.remember(message)`), which
 * {@link IpMonitor} does for you.
 */
export function printMonitor(message: Uint8Array, links: LinkNames): string {
  const { type } = readHeader(message);
  const out = new IpOutput(false);
  switch (type) {
    case RTM.NEWROUTE:
    case RTM.DELROUTE: {
      const r = routeHeader(message);
      if (r.flags & RTM_F.CLONED) return '';
      if (r.family === RTNL_FAMILY_IPMR || r.family === RTNL_FAMILY_IP6MR) return '';
      writeRoute(out, message, links, { table: 0 });
      break;
    }
    case RTM.NEWLINK:
    case RTM.DELLINK:
      writeLink(out, message, links, MONITOR_LINK);
      break;
    case RTM.NEWADDR:
    case RTM.DELADDR:
      writeAddr(out, message, links, { withDevice: true });
      break;
    case NLMSG.ERROR:
    case NLMSG.NOOP:
    case NLMSG.DONE:
      return '';
    default:
      return '';
  }
  return out.toString();
}

/** `ip monitor` over a stream of notifications: keeps the link cache current, then prints. */
export class IpMonitor {
  constructor(readonly links: LinkNames) {}

  /** The text for one notification (possibly ''), after remembering a link message's name. */
  print(message: Uint8Array): string {
    this.links.remember(message);
    return printMonitor(message, this.links);
  }
}
