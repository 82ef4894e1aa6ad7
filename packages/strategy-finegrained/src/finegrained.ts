/**
 * The finegrained strategy: the seed's proposal. Every declared lock class (`rtnl`, `devinet`,
 * `fib`, …) is a mutex of its own, and a task may only take classes in one enforced order, by
 * rank: a lock whose rank is lower than (or, for another class, equal to) that of a lock the task
 * already holds is an inversion, the ABBA the seed warns about ("mutex_lock(&fib_private); ...
 * rtnl_lock()"), and is refused before it waits (or, in `report` mode, recorded and let through).
 *
 * A doit or dump pass runs under the classes its handler declares, taken in rank order (ties by
 * name) in the request's namespace and released in reverse; a handler that declares nothing runs
 * under `rtnl`, unless it is flagged DOIT_UNLOCKED (not DOIT_PERNET) or DUMP_UNLOCKED, when it
 * takes nothing. Subsystem code taking a class the handler already holds for it nests for free.
 */
import {
  type AcquireOptions,
  callNets,
  compareNets,
  type HandlerEntry,
  type InstanceComparator,
  type LockClassDecl,
  type LockClassName,
  type LockClassOptions,
  LockdepError,
  type LockdepReport,
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
import { UndeclaredLockClassError } from './errors';
import { type OrderEvidence, orderReport, type ReportedLock } from './report';

/** What to do with an acquisition against the enforced order. */
export type ViolationMode = 'refuse' | 'report';

export interface FinegrainedOptions {
  /**
   * `refuse` (default): throw a `LockdepError` before waiting, so the request fails with EDEADLK
   * instead of risking the deadlock. `report`: record the report and take the lock anyway (a real
   * deadlock may follow; the virtual clock reports it).
   */
  onViolation?: ViolationMode;
}

/** A lock a task holds through the strategy. */
export interface HeldClassLock {
  /** Instance name: `fib`, or `rtnl_net(ns1)` for a per-namespace class. */
  readonly name: string;
  readonly cls: LockClassDecl;
  /** The namespace of a per-namespace instance. */
  readonly net: Net | undefined;
  readonly at: string | undefined;
  /** `run`: taken for the handler by the dispatcher; `lock`: taken by subsystem code. */
  readonly via: 'run' | 'lock';
  /** Acquisitions nested on top of this one (free: the task already holds the lock). */
  readonly nested: number;
}

export interface FinegrainedStrategy extends LockStrategy {
  readonly onViolation: ViolationMode;
  /**
   * The reports of acquisitions against the order, oldest first: one per distinct inversion
   * (pair of classes, or of instances), as lockdep reports each problem once. Every offending
   * acquisition is refused in `refuse` mode, reported or not; {@link violationCount} counts them all.
   */
  readonly violations: readonly LockdepReport[];
  /** How many acquisitions went against the order, repeats included. */
  readonly violationCount: number;
  /** The declared classes in the enforced order: rank, then name. */
  order(): LockClassDecl[];
  /** The mutex class `cls` maps to (in `net` for per-namespace classes), made on first use. */
  mutex(cls: LockClassName, net?: Net): Mutex;
  /** What `task` holds through this strategy, outermost first (a snapshot). */
  heldBy(task: Task): HeldClassLock[];
}

interface ClassState {
  readonly decl: LockClassDecl;
  /** For instances of one class held together: the declared comparator, or compareNets per namespace. */
  readonly compare: InstanceComparator | undefined;
  single: Instance | undefined;
  readonly perNet: WeakMap<Net, Instance>;
}

/** One mutex of a class (the only one, or one namespace's) and what subsystem code gets for it. */
class Instance {
  readonly lock: SubsystemLock;
  constructor(
    readonly state: ClassState,
    readonly mutex: Mutex,
    readonly net: Net | undefined,
    makeLock: (instance: Instance) => SubsystemLock,
  ) {
    this.lock = makeLock(this);
  }
}

class Held implements HeldClassLock {
  nested = 0;
  constructor(
    readonly instance: Instance,
    readonly at: string | undefined,
    readonly via: 'run' | 'lock',
  ) {}
  get name() {
    return this.instance.mutex.name;
  }
  get cls() {
    return this.instance.state.decl;
  }
  get net() {
    return this.instance.net;
  }
}

/** What one `run` did for one class: acquired it, or nested on a hold the task already had. */
interface Taken {
  readonly entry: Held;
  readonly acquired: boolean;
}

const NO_HELD: readonly Held[] = Object.freeze([]);

/** Orders classes by rank, then by name: the order `run` takes them in. */
export function compareClasses(a: LockClassDecl, b: LockClassDecl): number {
  return a.rank - b.rank || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Per-subsystem mutexes taken in one enforced order (the seed's proposal). */
export function finegrainedStrategy(options: FinegrainedOptions = {}): FinegrainedStrategy {
  return new Finegrained(options.onViolation ?? 'refuse');
}

class Finegrained implements FinegrainedStrategy {
  readonly name = 'finegrained';
  readonly violations: LockdepReport[] = [];
  violationCount = 0;
  private host: StrategyHost | undefined;
  private readonly classes = new Map<string, ClassState>();
  /** The classes each handler entry runs under (entries are immutable, so this stays right). */
  private readonly plans = new WeakMap<HandlerEntry, readonly ClassState[]>();
  private readonly held = new WeakMap<Task, Held[]>();
  /** "a>b": first task seen taking class (or instance) b while holding a. */
  private readonly evidence = new Map<string, OrderEvidence>();
  private readonly reported = new Set<string>();

  constructor(readonly onViolation: ViolationMode) {}

  attach(host: StrategyHost): void {
    if (this.host && this.host !== host) {
      throw new TypeError('this finegrained strategy is attached to another rtnetlink instance; make one per instance');
    }
    this.host = host;
  }

  async run<T>(call: StrategyCall, body: () => Promise<T>): Promise<T> {
    const plan = this.plan(call);
    if (plan.length === 0) return body();
    const task = call.task;
    const at = call.handler.name;
    // A per-namespace class is taken in every namespace of the call, in rtnl_nets_lock() order.
    const nets = callNets(call);
    const instances = plan.flatMap((state) =>
      state.decl.perNet ? nets.map((net) => this.instance(state, net)) : [this.instance(state, call.net)],
    );
    const held = this.heldList(task);
    // Check the whole plan against what the task held before, so that a refusal comes before any wait.
    const outside = held.length;
    for (const instance of instances) {
      if (!this.find(held, instance)) this.checkOrder(task, held, outside, instance, at);
    }
    const taken: Taken[] = [];
    try {
      for (const instance of instances) {
        const existing = this.find(held, instance);
        if (existing) {
          existing.nested += 1;
          taken.push({ entry: existing, acquired: false });
          continue;
        }
        await instance.mutex.lock(task, { at });
        const entry = new Held(instance, at, 'run');
        this.noteAcquired(task, held, entry);
        held.push(entry);
        taken.push({ entry, acquired: true });
      }
    } catch (error) {
      this.releaseAll(task, held, taken);
      throw error;
    }
    try {
      return await body();
    } finally {
      this.releaseAll(task, held, taken);
    }
  }

  lock(cls: LockClassName, net?: Net): SubsystemLock {
    return this.instance(this.resolve(cls), net).lock;
  }

  mutex(cls: LockClassName, net?: Net): Mutex {
    return this.instance(this.resolve(cls), net).mutex;
  }

  order(): LockClassDecl[] {
    return [...this.attached().lockClasses()].sort(compareClasses);
  }

  heldBy(task: Task): HeldClassLock[] {
    return (this.held.get(task) ?? NO_HELD).map(({ name, cls, net, at, via, nested }) => ({
      name,
      cls,
      net,
      at,
      via,
      nested,
    }));
  }

  // --- classes and instances -------------------------------------------------------------------

  private attached(): StrategyHost {
    if (!this.host) throw new LockError('finegrained strategy used before attach()');
    return this.host;
  }

  /** The class called `name`, resolved by name on first use (subsystems may declare it late). */
  private resolve(name: LockClassName): ClassState {
    const known = this.classes.get(name);
    if (known) return known;
    const decls = this.attached().lockClasses();
    const decl = decls.find((d) => d.name === name);
    if (!decl)
      throw new UndeclaredLockClassError(
        name,
        decls.map((d) => d.name),
      );
    const compare = decl.compare ?? (decl.perNet ? compareNets : undefined);
    const state: ClassState = { decl, compare, single: undefined, perNet: new WeakMap() };
    this.classes.set(name, state);
    return state;
  }

  private instance(state: ClassState, net: Net | undefined): Instance {
    if (!state.decl.perNet) {
      state.single ??= this.makeInstance(state, undefined);
      return state.single;
    }
    if (!net) throw new TypeError(`lock class ${state.decl.name} is per-namespace: name the namespace`);
    let instance = state.perNet.get(net);
    if (!instance) {
      instance = this.makeInstance(state, net);
      state.perNet.set(net, instance);
    }
    return instance;
  }

  private makeInstance(state: ClassState, net: Net | undefined): Instance {
    const { decl } = state;
    const classOptions: LockClassOptions = { rank: decl.rank };
    if (state.compare) classOptions.compare = state.compare;
    const lockClass = this.attached().env.lockClass(decl.name, classOptions);
    const mutex = net
      ? new Mutex(lockClass, { name: `${decl.name}(${net.name})`, key: net })
      : new Mutex(lockClass, { name: decl.name });
    return new Instance(state, mutex, net, (instance) => this.subsystemLock(instance));
  }

  /** The classes `call` runs under, in the enforced order. */
  private plan(call: StrategyCall): readonly ClassState[] {
    const { handler } = call;
    if (call.kind === 'dump' && handler.dumpLocks) {
      // A dumpit that declared what its passes need (none: RCU alone).
      return handler.dumpLocks.map((name) => this.resolve(name)).sort((a, b) => compareClasses(a.decl, b.decl));
    }
    if (handler.locks.length === 0) {
      const flags = handler.flags;
      const unlocked =
        call.kind === 'doit'
          ? (flags & RTNL_FLAG.DOIT_UNLOCKED) !== 0 && (flags & RTNL_FLAG_PERNET_MARK) === 0
          : (flags & RTNL_FLAG.DUMP_UNLOCKED) !== 0;
      return unlocked ? [] : [this.resolve('rtnl')];
    }
    let plan = this.plans.get(handler);
    if (!plan) {
      plan = handler.locks.map((name) => this.resolve(name)).sort((a, b) => compareClasses(a.decl, b.decl));
      this.plans.set(handler, plan);
    }
    return plan;
  }

  // --- what subsystem code gets ----------------------------------------------------------------

  private subsystemLock(instance: Instance): SubsystemLock {
    const self: SubsystemLock = {
      name: instance.mutex.name,
      lock: (task, options) => this.lockInstance(task, instance, options),
      unlock: (task) => this.unlockInstance(task, instance),
      run: async (task, body, options) => {
        await self.lock(task, options);
        try {
          return await body();
        } finally {
          self.unlock(task);
        }
      },
      assertHeld: (task) => instance.mutex.assertHeld(task),
    };
    return self;
  }

  private async lockInstance(task: Task, instance: Instance, options: AcquireOptions | undefined): Promise<void> {
    const held = this.heldList(task);
    const existing = this.find(held, instance);
    if (existing?.via === 'run') {
      // The handler declared this class and the dispatcher holds it for the task: nesting is free.
      existing.nested += 1;
      return;
    }
    const at = options?.at;
    // Held through lock() already: the mutex refuses the recursion (and lockdep reports it).
    if (!existing) this.checkOrder(task, held, held.length, instance, at);
    await instance.mutex.lock(task, options);
    const entry = new Held(instance, at, 'lock');
    this.noteAcquired(task, held, entry);
    held.push(entry);
  }

  private unlockInstance(task: Task, instance: Instance): void {
    const held = this.held.get(task) ?? [];
    let index = -1;
    for (let i = held.length - 1; i >= 0; i--) {
      if (held[i]?.instance === instance) {
        index = i;
        break;
      }
    }
    const entry = held[index];
    if (!entry) {
      // Not taken through the strategy: the mutex decides (a LockError unless the task owns it).
      instance.mutex.unlock(task);
      return;
    }
    if (entry.nested > 0) {
      entry.nested -= 1;
      return;
    }
    if (entry.via === 'run') {
      throw new LockError(
        `${task} unlocked ${entry.name}, which the dispatcher holds for it (at ${entry.at}); ` +
          'release only what you took',
      );
    }
    held.splice(index, 1);
    instance.mutex.unlock(task);
  }

  // --- bookkeeping -----------------------------------------------------------------------------

  private heldList(task: Task): Held[] {
    let held = this.held.get(task);
    if (!held) {
      held = [];
      this.held.set(task, held);
    }
    return held;
  }

  private find(held: readonly Held[], instance: Instance): Held | undefined {
    for (let i = held.length - 1; i >= 0; i--) {
      const entry = held[i];
      if (entry?.instance === instance) return entry;
    }
    return undefined;
  }

  /** Releases what `run` took, in reverse: unlocks what it acquired, un-nests what was already held. */
  private releaseAll(task: Task, held: Held[], taken: readonly Taken[]): void {
    for (let i = taken.length - 1; i >= 0; i--) {
      const { entry, acquired } = taken[i] as Taken;
      if (!acquired) {
        entry.nested -= 1;
        continue;
      }
      const index = held.lastIndexOf(entry);
      if (index >= 0) held.splice(index, 1);
      entry.instance.mutex.unlock(task);
    }
  }

  /** Remembers, per ordered pair, the first task seen taking `entry` while holding another lock. */
  private noteAcquired(task: Task, held: readonly Held[], entry: Held): void {
    for (const other of held) {
      const key = pairKey(other.instance, entry.instance);
      if (!this.evidence.has(key)) this.evidence.set(key, { task: String(task), at: entry.at });
    }
  }

  /**
   * Refuses (or records) taking `instance` while the task holds, among `held[0..upTo)`, a class
   * of higher or equal rank, or an instance of the same class that the comparator puts after it.
   */
  private checkOrder(task: Task, held: readonly Held[], upTo: number, instance: Instance, at: string | undefined) {
    const wanted = instance.state;
    for (let i = 0; i < upTo; i++) {
      const entry = held[i] as Held;
      const mine = entry.instance.state;
      let kind: 'rank-order' | 'instance-order';
      if (mine === wanted) {
        if (wanted.compare && wanted.compare(entry.instance.mutex.key, instance.mutex.key) < 0) continue;
        kind = 'instance-order';
      } else {
        if (wanted.decl.rank > mine.decl.rank) continue;
        kind = 'rank-order';
      }
      this.violation(kind, task, held.slice(0, upTo), entry, instance, at);
      return;
    }
  }

  private violation(
    kind: 'rank-order' | 'instance-order',
    task: Task,
    chain: readonly Held[],
    entry: Held,
    instance: Instance,
    at: string | undefined,
  ): void {
    this.violationCount += 1;
    const view = (h: Held): ReportedLock => ({ name: h.name, cls: h.cls, at: h.at });
    const report = orderReport({
      kind,
      task: String(task),
      wanted: { name: instance.mutex.name, cls: instance.state.decl, at },
      held: view(entry),
      chain: chain.map(view),
      order: this.order(),
      evidence: this.evidence.get(pairKey(instance, entry.instance)),
    });
    const key = `${kind}:${kind === 'rank-order' ? `${entry.cls.name}>${instance.state.decl.name}` : report.locks.join('>')}`;
    if (!this.reported.has(key)) {
      this.reported.add(key);
      this.violations.push(report);
    }
    if (this.onViolation === 'refuse') throw new LockdepError(report);
  }
}

/** The key of "b taken while holding a": by class, or by instance within one class. */
function pairKey(a: Instance, b: Instance): string {
  return a.state === b.state ? `${a.mutex.name}>${b.mutex.name}` : `${a.state.decl.name}>${b.state.decl.name}`;
}
