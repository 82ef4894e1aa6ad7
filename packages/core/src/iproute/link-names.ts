/**
 * What `ip` knows about links while it prints other objects: iproute2's ll_map cache, which maps
 * an ifindex to a name (for `dev`, `master`, `@peer`) and flags (for `M-DOWN`). `ip` fills it with
 * a link dump and `ip monitor` keeps it current from the link notifications it sees.
 */
import { nla } from '../wire/attrs';
import { NLA_F_NESTED, NLMSG_HDRLEN } from '../wire/constants';
import { RTM } from '../wire/generated';
import { IFLA } from '../wire/generated/rt-link';
import { decodeIfInfoMsg, IFINFOMSG_LEN } from '../wire/headers';
import { readHeader } from '../wire/nlmsg';
import { messageAttrs, u32 } from './attrs';

/** One link as ll_map remembers it. */
export interface KnownLink {
  readonly name: string;
  /** IFF_* flags. */
  readonly flags: number;
  /** IFLA_TXQLEN, when a message carried it (what iproute2 would otherwise ask with SIOCGIFTXQLEN). */
  readonly txqlen?: number;
}

export class LinkNames {
  private readonly byIndex = new Map<number, KnownLink>();

  /** The links of RTM_NEWLINK messages (e.g. a link dump); other messages are ignored. */
  static fromMessages(messages: Iterable<Uint8Array>): LinkNames {
    const names = new LinkNames();
    for (const message of messages) names.remember(message);
    return names;
  }

  /** From plain `[ifindex, name]` pairs (flags unknown: no `M-DOWN` is ever printed for them). */
  static fromNames(entries: Iterable<readonly [number, string]>): LinkNames {
    const names = new LinkNames();
    for (const [index, name] of entries) names.set(index, { name, flags: -1 });
    return names;
  }

  /**
   * `ll_remember_index()`: RTM_NEWLINK adds or updates its link, RTM_DELLINK forgets it; any other
   * message is ignored. Returns whether the message was a link message.
   */
  remember(message: Uint8Array): boolean {
    const { type, len } = readHeader(message);
    if (type !== RTM.NEWLINK && type !== RTM.DELLINK) return false;
    if (len < NLMSG_HDRLEN + IFINFOMSG_LEN || message.length < NLMSG_HDRLEN + IFINFOMSG_LEN) return false;
    const ifi = decodeIfInfoMsg(message, NLMSG_HDRLEN);
    if (type === RTM.DELLINK) {
      this.byIndex.delete(ifi.index);
      return true;
    }
    const tb = messageAttrs(message, IFINFOMSG_LEN, NLA_F_NESTED);
    const ifname = tb[IFLA.IFNAME];
    const previous = this.byIndex.get(ifi.index);
    const name = ifname ? nla.string(ifname) : previous?.name;
    const txqlen = tb[IFLA.TXQLEN] ? u32(tb[IFLA.TXQLEN]) : previous?.txqlen;
    if (name !== undefined)
      this.byIndex.set(ifi.index, { name, flags: ifi.flags, ...(txqlen === undefined ? {} : { txqlen }) });
    return true;
  }

  set(index: number, link: KnownLink): void {
    this.byIndex.set(index, link);
  }

  get(index: number): KnownLink | undefined {
    return this.byIndex.get(index);
  }

  /** `ll_index_to_name()`: the name, `*` for ifindex 0, `if<N>` for a link it does not know. */
  name(index: number): string {
    if (index === 0) return '*';
    return this.byIndex.get(index)?.name ?? `if${index >>> 0}`;
  }

  /** The queue length of a link, when a link message told it (`ip` would ask the kernel). */
  txqlen(index: number): number | undefined {
    return this.byIndex.get(index)?.txqlen;
  }

  /** `ll_index_to_flags()`: the flags, 0 for ifindex 0, -1 for a link it does not know. */
  flags(index: number): number {
    if (index === 0) return 0;
    return this.byIndex.get(index)?.flags ?? -1;
  }
}
