/**
 * What `rtnlkit compare` measures, as plain JSON-serialisable data: the results file (`--json`),
 * the input of the terminal tables and of the HTML report. Times are milliseconds on the clock the
 * run used (the virtual clock by default, so the same seed gives the same figures).
 *
 * Bump {@link COMPARE_RESULTS_VERSION} when a field changes meaning or goes away.
 */

export const COMPARE_RESULTS_VERSION = 1;

/** p50 / p99 / max and friends of a set of samples (milliseconds). */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

/** One request class of a scenario (e.g. `dump links`, `add route`): a task kind with its stream. */
export interface RequestClassResult {
  /** Short, unique in the scenario: `dump-links`, `route-lookup`, `del-link`. */
  name: string;
  /** Reads never change state (dumps, GET doits, lookups); the goal is about them. */
  kind: 'read' | 'write';
  /** Requests completed, and how many of them got an error answer (NLMSG_ERROR with errno != 0). */
  completed: number;
  errors: number;
  /** Request latency: from the send to the last reply (NLMSG_DONE or the ACK). */
  latency: LatencySummary;
  /**
   * The same requests with nothing else running: the ideal this class would see, measured in the
   * same run under the same strategy with one client: on a fresh world with the starting state,
   * and for reads also on the state the contended run ended with (the slower of the two, since a
   * dump's cost follows the state's size).
   */
  uncontended: LatencySummary;
  /** `latency.p99 / uncontended.p99` (1 = no cost from the others; Infinity if uncontended is 0). */
  p99Ratio: number;
  /** The empirical CDF of latency, at most 200 points `[ms, fraction]`, fraction increasing to 1. */
  cdf: [number, number][];
  /** Time this class's tasks spent waiting for and holding locks, by lock class name. */
  lockWait: Record<string, number>;
  lockHold: Record<string, number>;
}

/** lock_stat for one lock class over the run. */
export interface LockClassResult {
  name: string;
  acquisitions: number;
  contentions: number;
  wait: LatencySummary;
  hold: LatencySummary;
}

/** One interval of the lock timeline: `task` waited for, or held, `lock` from `start` to `end`. */
export interface LockInterval {
  lock: string;
  task: string;
  /** The request class of the task (or `kernel` for work outside requests, e.g. netdev_run_todo). */
  requestClass: string;
  state: 'wait' | 'hold';
  start: number;
  end: number;
}

/** A correctness finding: what was seen, where, with the evidence. */
export interface Finding {
  kind: 'inconsistent-dump' | 'missed-update' | 'partial-change' | 'deadlock' | 'lockdep' | 'fault';
  /** One line: "dump of links not flagged DUMP_INTR lacks veth3". */
  summary: string;
  /** The full report (lockdep's text, the stuck tasks and what they wait for, …). */
  detail?: string;
}

/** One scenario under one strategy, one seed. */
export interface RunResult {
  strategy: string;
  seed: number;
  /** Simulated (or real, with --real-time) duration of the run. */
  durationMs: number;
  /** Completed requests per second over the run, all classes. */
  throughput: number;
  classes: RequestClassResult[];
  locks: LockClassResult[];
  /** At most a few thousand intervals, the first ones of the run (`timelineTruncated` says if cut). */
  timeline: LockInterval[];
  timelineTruncated: boolean;
  findings: Finding[];
  /** Counters the scenario reports (e.g. `dumps flagged DUMP_INTR`, `updates missed`). */
  counters: Record<string, number>;
}

export interface ScenarioResult {
  /** kebab-case: `slow-unregister`. */
  name: string;
  title: string;
  /** The paragraph shown in the report: what it models and what to look for. */
  description: string;
  runs: RunResult[];
}

export interface CompareResults {
  version: typeof COMPARE_RESULTS_VERSION;
  /** ISO date of the run. */
  generatedAt: string;
  clock: 'virtual' | 'real';
  strategies: string[];
  seeds: number[];
  scenarios: ScenarioResult[];
}
