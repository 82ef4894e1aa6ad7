/**
 * The global strategy: rtnetlink as Linux ran it up to 4.13. One RTNL mutex serialises every doit
 * and every dump pass, whatever the handler's flags say (there was no elision yet: `rtnetlink_rcv`
 * took `rtnl_lock()` around `netlink_rcv_skb`, and dumps ran under `cb_mutex == &rtnl_mutex`).
 * Every lock class a subsystem asks for is RTNL under another name: taking `fib` while holding
 * RTNL costs nothing and is not a new lock; taking it outside a request (a timer, a worker) takes
 * RTNL.
 */
import {
  type AcquireOptions,
  aliasLock,
  type LockClassName,
  LockError,
  type LockStrategy,
  Mutex,
  type StrategyCall,
  type StrategyHost,
  type SubsystemLock,
} from '@rtnlkit/core';

export interface GlobalStrategyOptions {
  /** The strategy's name in reports and comparisons; `global` by default. */
  name?: string;
}

export interface GlobalStrategy extends LockStrategy {
  /**
   * The RTNL mutex (class `rtnl`, rank 0, made in the host's `LockEnv` so that lockdep and lock
   * statistics see it). Available once the strategy is attached to an rtnetlink instance.
   */
  readonly rtnl: Mutex;
}

/** One RTNL mutex around every doit and every dump pass; every lock class aliases to it. */
export function globalStrategy(options: GlobalStrategyOptions = {}): GlobalStrategy {
  const name = options.name ?? 'global';
  let attachedTo: StrategyHost | undefined;
  let rtnl: Mutex | undefined;
  let instrumented = false;
  const aliases = new Map<LockClassName, SubsystemLock>();

  const mutex = (): Mutex => {
    if (!rtnl) throw new LockError(`strategy ${name} used before attach()`);
    return rtnl;
  };

  return {
    name,
    get rtnl() {
      return mutex();
    },
    attach(host: StrategyHost) {
      if (attachedTo === host) return;
      if (attachedTo) throw new LockError(`strategy ${name} is already attached to another rtnetlink instance`);
      attachedTo = host;
      rtnl = new Mutex(host.env.lockClass('rtnl', { rank: 0 }));
      instrumented = host.env.instrumented;
    },
    run<T>(call: StrategyCall, body: () => Promise<T>): Promise<T> {
      // `at` only matters to lockdep and statistics; without them the mutex takes its fast path.
      const acquire: AcquireOptions | undefined = instrumented ? { at: call.handler.name } : undefined;
      return mutex().runExclusive(call.task, body, acquire);
    },
    lock(cls: LockClassName): SubsystemLock {
      let lock = aliases.get(cls);
      if (!lock) {
        lock = aliasLock(cls, mutex());
        aliases.set(cls, lock);
      }
      return lock;
    },
  };
}
