/**
 * The elided strategy: rtnetlink as Linux runs it from 4.14 to 6.18. The dispatcher takes RTNL
 * around a doit unless the handler is flagged DOIT_UNLOCKED, and around a dump pass unless it is
 * flagged DUMP_UNLOCKED; unlocked handlers run with no big lock and rely on RCU, refcounts,
 * sequence counters or locks of their own.
 *
 * Handlers flagged DOIT_PERNET / DOIT_PERNET_WIP are DOIT_UNLOCKED to the dispatcher, but in the
 * kernel they call `rtnl_net_lock(net)` themselves; rtnlkit's handlers never take the big lock, so
 * this strategy takes it for them. Without `perNetRtnl` that is the global RTNL, which is what
 * `rtnl_net_lock()` is on production kernels (CONFIG_DEBUG_NET_SMALL_RTNL=n). With `perNetRtnl`
 * (Linux 6.13+ with CONFIG_DEBUG_NET_SMALL_RTNL=y) it is the global RTNL and then the namespace's
 * own mutex (`net->rtnl_mutex`, class `rtnl_net`), whose instances nest in `rtnl_net_lock_cmp_fn`
 * order: init_net first, then a stable order ({@link compareNets}).
 */
import {
  type AcquireOptions,
  aliasLock,
  callNets,
  compareNets,
  type LockClass,
  type LockClassName,
  LockError,
  type LockStrategy,
  Mutex,
  type Net,
  RTNL_FLAG,
  RTNL_FLAG_PERNET_MARK,
  type StrategyCall,
  type StrategyHost,
  type SubsystemLock,
  type Task,
} from '@rtnlkit/core';

/** The class of the per-namespace RTNL mutexes (`net->rtnl_mutex`). */
export const RTNL_NET_CLASS = 'rtnl_net';

export interface ElidedStrategyOptions {
  /**
   * Give each namespace its own RTNL inside the global one, for DOIT_PERNET handlers and for
   * `lock('rtnl_net', net)` (Linux 6.13+ with CONFIG_DEBUG_NET_SMALL_RTNL). Off by default: then
   * `rtnl_net` is the global RTNL, as on production kernels.
   */
  perNetRtnl?: boolean;
  /** The strategy's name in reports and comparisons; `elided` (or `elided-pernet`) by default. */
  name?: string;
}

/** What the strategy takes for one doit or dump pass. */
export type ElidedLocking = 'none' | 'rtnl' | 'rtnl+rtnl_net';

export interface ElidedStrategy extends LockStrategy {
  /** Whether DOIT_PERNET handlers and `rtnl_net` get per-namespace mutexes. */
  readonly perNetRtnl: boolean;
  /** The global RTNL mutex (class `rtnl`, rank 0, in the host's `LockEnv`); available once attached. */
  readonly rtnl: Mutex;
  /**
   * The namespace's own RTNL mutex, `rtnl_net(<net name>)`, made on first use. Only with
   * `perNetRtnl`; a LockError otherwise (there is no such mutex then).
   */
  rtnlNet(net: Net): Mutex;
}

/**
 * The dispatcher rule as a pure function: what a doit or dump pass of a handler with `flags`
 * runs under. DOIT_PERNET handlers carry DOIT_UNLOCKED, so the marker bit is checked first.
 */
export function elidedLocking(flags: number, kind: 'doit' | 'dump', perNetRtnl = false): ElidedLocking {
  if (kind === 'dump') return flags & RTNL_FLAG.DUMP_UNLOCKED ? 'none' : 'rtnl';
  if (flags & RTNL_FLAG_PERNET_MARK) return perNetRtnl ? 'rtnl+rtnl_net' : 'rtnl';
  return flags & RTNL_FLAG.DOIT_UNLOCKED ? 'none' : 'rtnl';
}

/** Per task: how many `rtnl_net` mutexes it holds through `lock('rtnl_net', …)`, and whether RTNL was taken for them. */
interface NetHolds {
  count: number;
  ownsRtnl: boolean;
}

/** RTNL unless a handler is flagged unlocked; DOIT_PERNET handlers under RTNL (and their namespace's mutex). */
export function elidedStrategy(options: ElidedStrategyOptions = {}): ElidedStrategy {
  const perNetRtnl = options.perNetRtnl ?? false;
  const name = options.name ?? (perNetRtnl ? 'elided-pernet' : 'elided');
  let attachedTo: StrategyHost | undefined;
  let rtnl: Mutex | undefined;
  let netClass: LockClass | undefined;
  let instrumented = false;
  const aliases = new Map<LockClassName, SubsystemLock>();
  const netMutexes = new WeakMap<Net, Mutex>();
  const netLocks = new WeakMap<Net, SubsystemLock>();
  const netHolds = new WeakMap<Task, NetHolds>();

  const rtnlMutex = (): Mutex => {
    if (!rtnl) throw new LockError(`strategy ${name} used before attach()`);
    return rtnl;
  };

  const netMutex = (net: Net): Mutex => {
    if (!perNetRtnl) throw new LockError(`strategy ${name} has no per-namespace RTNL (perNetRtnl is off)`);
    if (!netClass) throw new LockError(`strategy ${name} used before attach()`);
    let mutex = netMutexes.get(net);
    if (!mutex) {
      mutex = new Mutex(netClass, { name: `${RTNL_NET_CLASS}(${net.name})`, key: net });
      netMutexes.set(net, mutex);
    }
    return mutex;
  };

  /**
   * `rtnl_net_lock(net)` for subsystem code: RTNL first (unless the task holds it already), then
   * the namespace's mutex; released in reverse, RTNL once the task's last namespace is unlocked.
   * A task that holds the namespace's mutex already (a DOIT_PERNET handler, which the strategy
   * locked) nests for free, the way aliases do.
   */
  const netLock = (net: Net): SubsystemLock => {
    const existing = netLocks.get(net);
    if (existing) return existing;
    const mutex = netMutex(net);
    const nested = new WeakMap<Task, number>();
    const self: SubsystemLock = {
      name: mutex.name,
      async lock(task, acquire) {
        if (mutex.ownerTask === task) {
          nested.set(task, (nested.get(task) ?? 0) + 1);
          return;
        }
        const big = rtnlMutex();
        const takeRtnl = big.ownerTask !== task;
        if (takeRtnl) await big.lock(task, acquire);
        try {
          await mutex.lock(task, acquire);
        } catch (error) {
          if (takeRtnl) big.unlock(task);
          throw error;
        }
        const holds = netHolds.get(task);
        if (holds) {
          holds.count += 1;
          holds.ownsRtnl ||= takeRtnl;
        } else netHolds.set(task, { count: 1, ownsRtnl: takeRtnl });
      },
      unlock(task) {
        const depth = nested.get(task) ?? 0;
        if (depth > 0) {
          nested.set(task, depth - 1);
          return;
        }
        mutex.unlock(task);
        const holds = netHolds.get(task);
        if (!holds) return; // locked by run() for a DOIT_PERNET handler, and released there
        holds.count -= 1;
        if (holds.count > 0) return;
        netHolds.delete(task);
        if (holds.ownsRtnl) rtnlMutex().unlock(task);
      },
      async run(task, body, acquire) {
        await self.lock(task, acquire);
        try {
          return await body();
        } finally {
          self.unlock(task);
        }
      },
      assertHeld(task) {
        // lockdep_rtnl_net_is_held(): RTNL and the namespace's mutex.
        rtnlMutex().assertHeld(task);
        mutex.assertHeld(task);
      },
    };
    netLocks.set(net, self);
    return self;
  };

  return {
    name,
    perNetRtnl,
    get rtnl() {
      return rtnlMutex();
    },
    rtnlNet: netMutex,
    attach(host: StrategyHost) {
      if (attachedTo === host) return;
      if (attachedTo) throw new LockError(`strategy ${name} is already attached to another rtnetlink instance`);
      attachedTo = host;
      rtnl = new Mutex(host.env.lockClass('rtnl', { rank: 0 }));
      if (perNetRtnl) netClass = host.env.lockClass(RTNL_NET_CLASS, { rank: 1, compare: compareNets });
      instrumented = host.env.instrumented;
    },
    async run<T>(call: StrategyCall, body: () => Promise<T>): Promise<T> {
      const locking = elidedLocking(call.handler.flags, call.kind, perNetRtnl);
      if (locking === 'none') return body();
      // `at` only matters to lockdep and statistics; without them the mutexes take their fast path.
      const acquire: AcquireOptions | undefined = instrumented ? { at: call.handler.name } : undefined;
      const big = rtnlMutex();
      if (locking === 'rtnl') return big.runExclusive(call.task, body, acquire);
      // rtnl_nets_lock(): rtnl_lock(), then __rtnl_net_lock() of each namespace in order — and
      // the reverse on the way out.
      const own = callNets(call).map(netMutex);
      await big.lock(call.task, acquire);
      const taken: Mutex[] = [];
      try {
        for (const mutex of own) {
          await mutex.lock(call.task, acquire);
          taken.push(mutex);
        }
        return await body();
      } finally {
        for (const mutex of taken.reverse()) mutex.unlock(call.task);
        big.unlock(call.task);
      }
    },
    lock(cls: LockClassName, net?: Net): SubsystemLock {
      if (cls === RTNL_NET_CLASS && perNetRtnl) {
        if (!net) throw new LockError(`${RTNL_NET_CLASS} is a per-namespace lock: say which namespace`);
        return netLock(net);
      }
      let lock = aliases.get(cls);
      if (!lock) {
        lock = aliasLock(cls, rtnlMutex());
        aliases.set(cls, lock);
      }
      return lock;
    },
  };
}
