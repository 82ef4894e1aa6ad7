/**
 * Lock classes and the environment they live in.
 *
 * Like lockdep, rtnlkit reasons about lock *classes*: every per-namespace RTNL is one class
 * `rtnl_net` with many instances. A {@link LockEnv} is one simulated machine: the clock its locks
 * time themselves with, and whether lockdep and lock statistics watch them. Instrumentation is
 * fixed when the environment is made, so a lock knows with one flag whether to pay for it.
 */
import { type Clock, realClock } from '../time/clock';
import { LockStats } from './lock-stats';
import { Lockdep, type LockdepOptions } from './lockdep';

/** Orders two instances of one class (the kernel's `lock_set_cmp_fn`): negative when `a` nests before `b`. */
export type InstanceComparator = (a: unknown, b: unknown) => number;

export interface LockClassOptions {
  /** Orders instances of this class so that several may be held at once, in this order. */
  compare?: InstanceComparator;
  /** Rank used by ranked strategies (finegrained): lower ranks are taken first. Lockdep ignores it. */
  rank?: number;
}

export interface LockEnvOptions {
  clock?: Clock;
  /** `true` or options turn lockdep on; an existing instance is shared. Off by default. */
  lockdep?: boolean | LockdepOptions | Lockdep;
  /** `true` turns lock statistics on; an existing instance is shared. Off by default. */
  stats?: boolean | LockStats;
}

let nextClassId = 1;

export class LockEnv {
  readonly clock: Clock;
  readonly lockdep: Lockdep | undefined;
  readonly stats: LockStats | undefined;
  /** True when lockdep or statistics watch this environment's locks. */
  readonly instrumented: boolean;
  private readonly classes = new Map<string, LockClass>();

  constructor(options: LockEnvOptions = {}) {
    this.clock = options.clock ?? realClock;
    const { lockdep, stats } = options;
    this.lockdep =
      lockdep instanceof Lockdep ? lockdep : lockdep ? new Lockdep(lockdep === true ? {} : lockdep) : undefined;
    this.stats = stats instanceof LockStats ? stats : stats ? new LockStats() : undefined;
    this.instrumented = this.lockdep !== undefined || this.stats !== undefined;
  }

  /** The class called `name`, made on first use; later calls must not change its options. */
  lockClass(name: string, options: LockClassOptions = {}): LockClass {
    const existing = this.classes.get(name);
    if (existing) {
      if (
        (options.compare && options.compare !== existing.compare) ||
        (options.rank ?? existing.rank) !== existing.rank
      ) {
        throw new TypeError(`lock class ${name} already exists with other options`);
      }
      return existing;
    }
    const cls = new LockClass(name, this, options);
    this.classes.set(name, cls);
    return cls;
  }

  /** Every class made so far, in creation order. */
  allClasses(): LockClass[] {
    return [...this.classes.values()];
  }
}

export class LockClass {
  readonly id = nextClassId++;
  readonly compare: InstanceComparator | undefined;
  readonly rank: number | undefined;
  readonly instrumented: boolean;

  /** Use {@link LockEnv.lockClass}; a class made here directly lives in the default environment. */
  constructor(
    readonly name: string,
    readonly env: LockEnv = defaultLockEnv,
    options: LockClassOptions = {},
  ) {
    this.compare = options.compare;
    this.rank = options.rank;
    this.instrumented = env.instrumented;
  }

  toString(): string {
    return this.name;
  }
}

/** Real clock, no lockdep, no statistics: what a lock gets when nobody says otherwise. */
export const defaultLockEnv = new LockEnv();
