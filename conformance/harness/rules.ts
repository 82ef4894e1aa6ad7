/**
 * The normalisation rules: every way in which a Linux reply and an rtnlkit reply may differ and
 * still count as the same answer. They are deliberately few; anything no rule names must match,
 * field by field. Each rule says what it hides and why that differs by nature. `normalise.ts`
 * applies them; `rules.test.ts` shows each one at work on real kernel captures.
 *
 * A rule never removes a difference in what a program could rely on: errnos, extack messages and
 * offsets, flags, message types, order, the echoed request, and every covered attribute's value
 * are always compared.
 */
import { Buffer } from 'node:buffer';

/** The rtnetlink message families whose attributes the model decodes. */
export type MessageFamily = 'link' | 'address' | 'route';

/** An attribute's place in a message: spec names joined with dots (`linkinfo.kind`), `#<type>` for unnamed ones. */
export type AttrPath = string;

/** Which attributes are compared, per message family (rule 7). */
export type Coverage = Readonly<Record<MessageFamily, readonly AttrPath[]>>;

/**
 * 1. Port ids. Linux gives each socket a port id of its own choosing (netlink@0.3.0 binds a
 * random one), rtnlkit numbers them from 1. A reply's `nlmsg_pid` is shown as `<own port>` when it
 * is the port of the socket that received it, `0 (kernel)` for 0, and `<port #n>` for the n-th
 * other port seen. Only the replies' headers are rewritten: an echoed request keeps the bytes the
 * scenario sent, which both sides sent alike.
 */
export function portPlaceholder(pid: number, ownPort: number, others: Map<number, string>): string {
  if (pid === 0) return '0 (kernel)';
  if (pid === ownPort) return '<own port>';
  let name = others.get(pid);
  if (!name) {
    name = `<port #${others.size + 1}>`;
    others.set(pid, name);
  }
  return name;
}

/**
 * 2. Sequence numbers. Both sides send the same bytes, so a reply's `nlmsg_seq` is named after the
 * request message that carried it first: `<step 2 msg 1>`, `<setup 1 msg 1>`, `<state links>`.
 * A number that no request carried (0 in a notification, or a stray one) is shown as it is and
 * must match.
 */
export function seqPlaceholder(seq: number, known: ReadonlyMap<number, string>): string {
  const name = known.get(seq);
  return name === undefined ? String(seq) : `<${name}>`;
}

/**
 * 3. How a dump is cut into datagrams. Each dump pass fills one buffer, whose size depends on the
 * reader's buffer and on the sizes of the messages, which include attributes the model does not
 * cover (rule 7). So a part of a dump (`NLM_F_MULTI`, `NLMSG_DONE` included) that continues the
 * dump of the message before it is never said to start a datagram. Every other datagram boundary
 * (an ACK, an error, a doit reply, a notification, the first part of a dump) is compared.
 */
export function continuesDump(
  previous: { type: number; flags: number; seq: number } | undefined,
  current: { flags: number; seq: number },
): boolean {
  const NLM_F_MULTI = 0x2;
  const NLMSG_DONE = 3;
  return (
    previous !== undefined &&
    (previous.flags & NLM_F_MULTI) !== 0 &&
    previous.type !== NLMSG_DONE &&
    (current.flags & NLM_F_MULTI) !== 0 &&
    previous.seq === current.seq
  );
}

/**
 * 4. MAC addresses. Linux gives Ethernet-like devices (veth, bridge, macvlan, vxlan, ifb) random
 * addresses, and rtnlkit its own. A link's `address` and `perm-address` become `<mac #n>`, n
 * counting distinct addresses per side in order of appearance, so that equal addresses stay equal
 * (a bridge takes its first port's address) and distinct ones distinct. The all-zero address
 * (loopback, ...) is not random and is kept.
 */
export const MAC_ATTRIBUTES: Readonly<Partial<Record<MessageFamily, readonly AttrPath[]>>> = {
  link: ['address', 'perm-address'],
};

export function macPlaceholder(data: Uint8Array, seen: Map<string, string>): string | undefined {
  if (data.length !== 6 || data.every((b) => b === 0)) return undefined;
  const key = Buffer.from(data).toString('hex');
  let name = seen.get(key);
  if (!name) {
    name = `<mac #${seen.size + 1}>`;
    seen.set(key, name);
  }
  return name;
}

/**
 * 5. Statistics. Packet and byte counters depend on traffic the scenario does not control (IPv6
 * router solicitations, ...). Shown as `(statistics, N bytes)`: presence and size are compared,
 * the counters are not.
 */
export const STATISTICS_ATTRIBUTES: Readonly<Partial<Record<MessageFamily, readonly AttrPath[]>>> = {
  link: ['stats', 'stats64'],
};

export const maskStatistics = (data: Uint8Array): string => `(statistics, ${data.length} bytes)`;

/**
 * 6. Timestamps and cache information. An address's `cacheinfo` carries its lifetimes (compared)
 * and its creation and update times in jiffies (hidden); a route's `cacheinfo` is the state of the
 * route cache (use counts, last use, expiry): shown as `(cache info, N bytes)`.
 */
export const TIMESTAMP_ATTRIBUTES: Readonly<Partial<Record<MessageFamily, readonly AttrPath[]>>> = {
  address: ['cacheinfo'],
  route: ['cacheinfo'],
};

export function maskTimestamps(family: MessageFamily, data: Uint8Array): string {
  if (family === 'address' && data.length >= 8) {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const lifetime = (n: number) => (n === 0xffffffff ? 'forever' : String(n));
    return `preferred ${lifetime(view.getUint32(0, true))}, valid ${lifetime(view.getUint32(4, true))} (timestamps hidden, ${data.length} bytes)`;
  }
  return `(cache info, ${data.length} bytes)`;
}

/**
 * 7. Attributes the model does not cover. rtnlkit models links, IPv4 addresses and IPv4 routes,
 * not every attribute Linux puts in their messages. The attributes listed here (spec names,
 * nested ones with dots: `linkinfo.kind`; `name.*` for a whole nest, `*` for everything) are
 * compared; the others are dropped from Linux's messages. The coverage grows with each subsystem
 * issue. rtnlkit sending an attribute that is not listed is itself a difference: either list it
 * (and match Linux) or do not send it.
 *
 * Links: what `fillIfinfo` of @rtnlkit/subsystems writes (its `MODELLED_LINK_ATTRIBUTES`), and
 * IFLA_INET_CONF inside IFLA_AF_SPEC (devinet's af ops);
 * addresses: everything `inet_fill_ifaddr()` writes (devinet);
 * routes: what `fibDumpInfo` of @rtnlkit/subsystems writes (its `MODELLED_ROUTE_ATTRIBUTES`).
 */
export const MODEL_COVERAGE: Coverage = {
  link: [
    'target-netnsid',
    'ifname',
    'txqlen',
    'operstate',
    'linkmode',
    'netns-immutable',
    'mtu',
    'min-mtu',
    'max-mtu',
    'group',
    'promiscuity',
    'allmulti',
    'num-tx-queues',
    'num-rx-queues',
    'master',
    'carrier',
    'ifalias',
    'carrier-changes',
    'carrier-up-count',
    'carrier-down-count',
    'proto-down',
    'address',
    'broadcast',
    'linkinfo.kind',
    'linkinfo.slave-kind',
    'new-netnsid',
    'new-ifindex',
    'link-netnsid',
    'link',
    // IFLA_AF_SPEC[AF_INET] (devinet's inet_af_ops): the device's IPV4_DEVCONF_* values. AF_INET6 is
    // not modelled. `af-spec` itself is listed for the empty nest (RTM_DELLINK: neither family has
    // data once the device is unregistering), which the decoder shows as a leaf.
    'af-spec',
    'af-spec.inet.conf',
  ],
  address: ['target-netnsid', 'address', 'local', 'broadcast', 'label', 'proto', 'flags', 'rt-priority', 'cacheinfo'],
  route: ['table', 'dst', 'priority', 'prefsrc', 'gateway', 'oif', 'multipath'],
};

/** Whether `path` (no occurrence suffixes) is covered by `coverage`, itself or through a `.*`. */
export function isCovered(path: AttrPath, coverage: readonly AttrPath[]): boolean {
  if (coverage.includes('*') || coverage.includes(path)) return true;
  const parts = path.split('.');
  for (let i = 1; i < parts.length; i += 1) {
    if (coverage.includes(`${parts.slice(0, i).join('.')}.*`)) return true;
  }
  return false;
}

/** Whether a nest at `path` has anything covered inside it (so its children must be examined). */
export function hasCoveredInside(path: AttrPath, coverage: readonly AttrPath[]): boolean {
  return isCovered(path, coverage) || coverage.some((c) => c.startsWith(`${path}.`));
}
