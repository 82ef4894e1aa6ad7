/**
 * The cost model: named, documented durations for simulated work, so that no code sleeps a
 * hard-coded number. A scenario overrides what it wants; jitter is drawn from a seeded generator
 * so a run is repeatable.
 */
import type { Clock } from './clock';
import { SeededRandom } from './random';

export interface CostSpec {
  /** Mean duration in milliseconds. */
  readonly ms: number;
  /** Relative spread: a sample is uniform in ms × [1 − jitter, 1 + jitter]. Default 0. */
  readonly jitter?: number;
  /** Why this value: shown in reports and the README. */
  readonly why?: string;
}

/** The defaults, each with its reason. Values are orders of magnitude, not measurements. */
export const defaultCosts = {
  'rcu.gracePeriod': {
    ms: 20,
    jitter: 0.5,
    why: 'synchronize_rcu(): every CPU must pass a quiescent state; milliseconds to tens of ms on a busy box',
  },
  'rcu.expedited': {
    ms: 0.5,
    jitter: 0.5,
    why: 'synchronize_rcu_expedited(): IPIs force quiescent states; sub-millisecond, at a cost to other CPUs',
  },
  'driver.ndo': { ms: 0.05, jitter: 0.5, why: 'an ndo_* call into a driver (open, stop, set_mac) that may sleep' },
  'driver.slowOp': {
    ms: 50,
    jitter: 0.5,
    why: 'a slow driver operation under RTNL, e.g. firmware reconfiguration on link up/down',
  },
  'alloc.sleep': { ms: 0.01, jitter: 1, why: 'a GFP_KERNEL allocation that may sleep for reclaim' },
  'netdev.refWait': {
    ms: 250,
    jitter: 0.5,
    why: 'how long another subsystem keeps a reference to an unregistering device (the slow unregister path)',
  },
  'netdev.unregisterReport': {
    ms: 10_000,
    why: 'net.core.netdev_unregister_timeout_secs: interval of "waiting for X to become free" reports',
  },
  'netlink.copy': { ms: 0.002, why: 'building and copying one netlink message' },
  'cpu.doit': {
    ms: 0.02,
    jitter: 0.3,
    why: 'parsing a request and running its doit, or one dump pass, on a CPU (tens of µs); charged only with `chargeCpu`',
  },
  'fib.insert': { ms: 0.001, why: 'inserting one prefix into the FIB trie' },
} as const satisfies Record<string, CostSpec>;

export type CostName = keyof typeof defaultCosts;

export class CostModel {
  private readonly costs = new Map<string, CostSpec>();
  private readonly random: SeededRandom;

  constructor(overrides: Partial<Record<CostName, CostSpec>> & Record<string, CostSpec> = {}, seed = 1) {
    for (const [name, spec] of Object.entries(defaultCosts)) this.costs.set(name, spec);
    for (const [name, spec] of Object.entries(overrides)) {
      if (!(Number.isFinite(spec.ms) && spec.ms >= 0)) throw new RangeError(`cost ${name}: ms must be >= 0`);
      const jitter = spec.jitter ?? 0;
      if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`cost ${name}: jitter must be within [0, 1]`);
      this.costs.set(name, spec);
    }
    this.random = new SeededRandom(seed);
  }

  /** The spec of a cost; an unknown name is an error rather than a silent zero. */
  get(name: CostName | (string & {})): CostSpec {
    const spec = this.costs.get(name);
    if (!spec) throw new RangeError(`unknown cost ${JSON.stringify(name)}`);
    return spec;
  }

  /** One draw of the cost, in ms. */
  sample(name: CostName | (string & {})): number {
    const { ms, jitter = 0 } = this.get(name);
    if (jitter === 0 || ms === 0) return ms;
    return ms * (1 - jitter + 2 * jitter * this.random.next());
  }

  /** Spends one draw of the cost on `clock`. */
  spend(clock: Clock, name: CostName | (string & {}), signal?: AbortSignal): Promise<void> {
    return clock.sleep(this.sample(name), signal);
  }

  /** Every cost with its value, for reports. */
  entries(): [string, CostSpec][] {
    return [...this.costs.entries()];
  }
}
