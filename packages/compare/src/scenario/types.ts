/**
 * What a comparison scenario is: a starting state, request classes (concurrent clients, each a task
 * with its own socket, issuing a stream of requests with an arrival process), a cost model, a
 * duration, and optional correctness checks. A scenario is plain data plus functions, so a user
 * can write one in a file and run it (`rtnlkit compare --scenario ./mine.ts`).
 */
import type { Clock, CostSpec, Net, Rtnetlink, SeededRandom } from '@rtnlkit/core';
import type { Finding } from '../report/results';
import type { StrategyVariant } from '../strategies';

/** When a client sends its next request. */
export type Arrival =
  /** Closed loop: the next request `thinkMs` after the previous one was answered. */
  | { readonly kind: 'closed'; readonly thinkMs: number }
  /** Open loop: a request every `intervalMs` (± `jitter` of it), answered or not. */
  | { readonly kind: 'open'; readonly intervalMs: number; readonly jitter?: number };

/** What a request of a class gets to build itself. */
export interface RequestContext {
  readonly world: ScenarioWorld;
  /** Which of the class's tasks (0-based). */
  readonly task: number;
  /** How many requests this task sent before (0-based). */
  readonly index: number;
  /** A sequence number unique in the run, for nlmsg_seq. */
  readonly seq: number;
}

/** One request class: `tasks` clients sending requests of one kind. */
export interface RequestClassSpec {
  /** Short, unique in the scenario: `dump-links`, `route-get`, `del-link`. */
  readonly name: string;
  /** Reads change nothing (dumps, GET doits); the 1.1× goal is about them. */
  readonly kind: 'read' | 'write';
  /** Concurrent clients of this class (default 1). */
  readonly tasks?: number;
  /** Requests per client; without it a client stops when the scenario's duration is over. */
  readonly count?: number;
  /** When the clients start, in ms after the measured part of the run began (default 0). */
  readonly startMs?: number;
  /** Default: closed loop with no think time. */
  readonly arrival?: Arrival;
  /**
   * The request: netlink message bytes the client sends (one request: its answer is the ACK,
   * an NLMSG_ERROR or, for a dump, NLMSG_DONE), or an in-process operation timed the same way (a
   * kind unregistration, a FIB notifier registration); an ErrnoError it throws counts as an error.
   */
  readonly request: (ctx: RequestContext) => Uint8Array | { readonly run: () => Promise<void> };
}

/** The running instance a scenario's functions see. */
export interface ScenarioWorld {
  readonly rtnl: Rtnetlink;
  readonly clock: Clock;
  /** init_net. */
  readonly net: Net;
  /** The run's seeded generator: scenarios draw from it so a seed replays a run exactly. */
  readonly random: SeededRandom;
  /** The strategy variant's name. */
  readonly strategy: string;
  /** Counters for the report (`dumps flagged DUMP_INTR`, …). */
  readonly counters: Record<string, number>;
  /** Records a correctness finding. */
  finding(finding: Finding): void;
  /** The ifindex of the device called `name` in init_net (throws if there is none). */
  ifindex(name: string): number;
  /** Sends `request` on an admin socket and waits for its answer; throws an Error on an error answer. */
  must(request: Uint8Array): Promise<void>;
}

export interface CompareScenario {
  /** kebab-case, unique: `slow-unregister`. */
  readonly name: string;
  readonly title: string;
  /** The paragraph the report shows: what it models, what to look for, what the seed says. */
  readonly description: string;
  /** How long the clients run (ms on the run's clock). */
  readonly durationMs: number;
  /** Cost overrides for this scenario (e.g. a long grace period), each with its reason. */
  readonly costs?: Readonly<Record<string, CostSpec>>;
  /** FIB counter flavour (`fib_seq`); default seqcount. */
  readonly fibSeq?: 'seqcount' | 'atomic';
  /**
   * Strategy variants this scenario runs under besides the chosen ones (e.g. a deliberately
   * naive one that shows what goes wrong).
   */
  readonly extraVariants?: readonly StrategyVariant[];
  /** Builds the starting state (not measured), e.g. with `world.must(request)`. */
  readonly setup?: (world: ScenarioWorld) => Promise<void>;
  readonly classes: readonly RequestClassSpec[];
  /** After the clients are done: looks for inconsistencies and records findings. */
  readonly check?: (world: ScenarioWorld) => void | Promise<void>;
  /**
   * Called once the world is built, before `setup`: hooks that watch the run (a notifier, a dump
   * observer). Whatever it returns is disposed of at the end.
   */
  readonly instrument?: (world: ScenarioWorld) => (() => void) | undefined;
}
