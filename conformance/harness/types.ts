/**
 * What a conformance scenario is: plain data. A socket (admin or not, options, groups), optional
 * setup requests that both sides run first, the steps (one datagram each) whose replies are
 * compared, and the state dumps to compare afterwards.
 */
import type { Rtnetlink } from '@rtnlkit/core';
import type { ExchangeRecord } from './client';

/**
 * One datagram: a message (e.g. `NlMsgBuilder#finish()`), several messages sent together in one
 * `sendmsg` (concatenated as they are, so give each its padding), or raw bytes as hex.
 */
export type DatagramSpec = Uint8Array | readonly Uint8Array[] | { readonly hex: string };

export type NetlinkOptionName = 'NETLINK_EXT_ACK' | 'NETLINK_CAP_ACK' | 'NETLINK_GET_STRICT_CHK';

export interface SocketSpec {
  /**
   * CAP_NET_ADMIN. Linux: the child runs with every capability, or with none (dropped through
   * `setpriv`, same uid); rtnlkit: `rtnl.socket({ admin })`.
   */
  readonly admin: boolean;
  /** SOL_NETLINK options turned on before the first step. */
  readonly options?: readonly NetlinkOptionName[];
  /** RTNLGRP_* groups joined before the first step: notifications are recorded with the replies. */
  readonly groups?: readonly number[];
}

export interface Step {
  /** What the step does, shown in differences (`step 2 (RTM_NEWLINK as non-admin)`). */
  readonly title: string;
  readonly send: DatagramSpec;
}

/** A dump compared after the steps: RTM_GETLINK (all families), RTM_GETADDR and RTM_GETROUTE (IPv4, all tables). */
export type StateKind = 'links' | 'addresses' | 'routes';
export const STATE_KINDS: readonly StateKind[] = ['links', 'addresses', 'routes'];

/** The rtnlkit instance a scenario runs against, for {@link Scenario.rtnlkitSetup}. */
export interface World {
  readonly rtnl: Rtnetlink;
  /** The strategy variant's name (`global`, `elided`, `elided-pernet`, `finegrained`). */
  readonly strategy: string;
}

/**
 * The descriptor number a scenario's requests use for its second namespace (IFLA_NET_NS_FD,
 * inside a veth peer's attributes, …) when it has {@link Scenario.peerNamespace}.
 */
export const PEER_NS_FD = 3;

export interface Scenario {
  /** Unique, kebab-case: printed on the result line and used to select scenarios. */
  readonly name: string;
  /** One or two sentences: what Linux does here, and why it matters. */
  readonly description: string;
  readonly socket: SocketSpec;
  /**
   * Requests both sides send first, from their own admin socket (no options): each must succeed
   * (no NLMSG_ERROR with an error, no NLMSG_DONE with one). Their replies are not compared.
   */
  readonly setup?: readonly DatagramSpec[];
  /**
   * Escape hatch for state that cannot be built with requests yet: `ip -n NS <command>` lines run
   * on the Linux side only, before `setup`. A scenario that has them must have an
   * {@link rtnlkitSetup} that builds the same state.
   */
  readonly ipSetup?: readonly string[];
  /**
   * A second namespace on both sides, open as fd {@link PEER_NS_FD} in the process that sends the
   * requests. Linux: another `ip netns add`, whose `/run/netns` file the child inherits as fd 3;
   * rtnlkit: `netnsOf(rtnl).create('peer')`, bound to fd 3 with `nsFiles(rtnl).bindFd`. Its
   * devices are compared through requests that name it (IFLA_TARGET_NETNSID once it has an id).
   */
  readonly peerNamespace?: boolean;
  /** The rtnlkit half of the escape hatch, run on a fresh instance before `setup`. */
  readonly rtnlkitSetup?: (world: World) => void | Promise<void>;
  readonly steps: readonly Step[];
  /** Dumps compared after the last step, in this order. */
  readonly state?: readonly StateKind[];
}

/** A scenario group file exports `scenarios`. */
export interface ScenarioModule {
  readonly scenarios: readonly Scenario[];
}

/** What one side (Linux or rtnlkit under one strategy) answered, as raw datagrams. */
export interface SideResult {
  setup: ExchangeRecord[];
  steps: ExchangeRecord[];
  state: Partial<Record<StateKind, ExchangeRecord>>;
}
