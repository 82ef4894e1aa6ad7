/**
 * Network namespaces (net/core/net_namespace.c): the namespace list, pernet operations and
 * namespace creation and destruction, on top of core's {@link Net}.
 *
 * Locks, as in the kernel:
 * - `pernet_ops_rwsem` (an {@link RwSemaphore}): written by pernet ops registration, read by
 *   namespace creation (`copy_net_ns` → `setup_net`) and destruction (`cleanup_net`), so the
 *   pernet list and the set of namespaces an op was initialised in never change under either.
 * - `net_rwsem`: guards the namespace list; written to add (end of `setup_net`) or remove
 *   (`cleanup_net`) a namespace, read by whoever walks the list (`for_each_net`).
 *
 * Both are core lock classes of the instance's {@link LockEnv} (lockdep watches them), not
 * strategy classes: every strategy has them, as every kernel does. The order is the kernel's:
 * `pernet_ops_rwsem` → RTNL (pernet hooks take RTNL through the strategy themselves), and
 * `net_rwsem` is taken alone or inside RTNL, never around it.
 */
import { Net, type Rtnetlink, RwSemaphore, type Task } from '@rtnlkit/core';
import { nsFiles } from './ns-files';
import { unhashNsid } from './nsid';

/** `struct pernet_operations`: hooks run in every namespace, existing and future. */
export interface PernetOps {
  readonly name: string;
  /** Runs when a namespace is set up (and for every existing one when the ops register). */
  init?(net: Net, task: Task): void | Promise<void>;
  /** Runs when a namespace goes away (and for every one when the ops unregister). */
  exit?(net: Net, task: Task): void | Promise<void>;
}

/** The netns state of one rtnetlink instance (a simulated kernel). */
export class Netns {
  /** `pernet_ops_rwsem`. */
  readonly pernetOpsRwsem: RwSemaphore;
  /** `net_rwsem`: guards {@link nets}. */
  readonly netRwsem: RwSemaphore;
  private readonly list: Net[];
  private readonly ops: PernetOps[] = [];
  private readonly dying = new WeakSet<Net>();

  constructor(readonly rtnl: Rtnetlink) {
    this.pernetOpsRwsem = new RwSemaphore(rtnl.env.lockClass('pernet_ops_rwsem'));
    this.netRwsem = new RwSemaphore(rtnl.env.lockClass('net_rwsem'));
    this.list = [rtnl.initNet];
  }

  /** `net_namespace_list`, init_net first, then in creation order (a snapshot). */
  get nets(): readonly Net[] {
    return [...this.list];
  }

  /** The registered pernet ops, in registration order (a snapshot). */
  get pernetOps(): readonly PernetOps[] {
    return [...this.ops];
  }

  /** A namespace of the list by name. */
  byName(name: string): Net | undefined {
    return this.list.find((net) => net.name === name);
  }

  /**
   * `register_pernet_subsys()`: runs `init` in every existing namespace, then lists the ops so
   * that every later namespace runs it too. If `init` fails in one namespace, `exit` runs in the
   * namespaces already initialised (in reverse) and the error is thrown; nothing stays registered.
   */
  async register(ops: PernetOps, task: Task): Promise<void> {
    await this.pernetOpsRwsem.write(task, async () => {
      if (this.ops.includes(ops)) throw new TypeError(`pernet ops ${ops.name} are already registered`);
      const done: Net[] = [];
      try {
        for (const net of this.list) {
          await ops.init?.(net, task);
          done.push(net);
        }
      } catch (error) {
        for (const net of done.reverse()) await ops.exit?.(net, task);
        throw error;
      }
      this.ops.push(ops);
    });
  }

  /** `unregister_pernet_subsys()`: unlists the ops, then runs `exit` in every namespace. */
  async unregister(ops: PernetOps, task: Task): Promise<void> {
    await this.pernetOpsRwsem.write(task, async () => {
      const at = this.ops.indexOf(ops);
      if (at < 0) return;
      this.ops.splice(at, 1);
      for (const net of this.list) await ops.exit?.(net, task);
    });
  }

  /**
   * `copy_net_ns()` → `setup_net()`: a new namespace, every pernet `init` run in it in
   * registration order, then listed. When an `init` fails, the `exit`s of the ops already run are
   * called in reverse and the error is thrown: the namespace never appears in the list.
   */
  async create(name: string, task: Task): Promise<Net> {
    if (this.byName(name)) throw new TypeError(`a namespace called ${name} exists`);
    return await this.pernetOpsRwsem.read(task, async () => {
      const net = new Net(name);
      const done: PernetOps[] = [];
      try {
        for (const ops of this.ops) {
          await ops.init?.(net, task);
          done.push(ops);
        }
      } catch (error) {
        for (const ops of done.reverse()) await ops.exit?.(net, task);
        throw error;
      }
      await this.netRwsem.write(task, () => {
        this.list.push(net);
      });
      return net;
    });
  }

  /**
   * `cleanup_net()`: unlists the namespace, then runs every pernet `exit` in reverse registration
   * order. init_net is never destroyed.
   */
  async destroy(net: Net, task: Task): Promise<void> {
    if (net.isInit) throw new TypeError('init_net cannot be destroyed');
    if (this.dying.has(net)) return;
    this.dying.add(net);
    await this.pernetOpsRwsem.read(task, async () => {
      await this.netRwsem.write(task, () => {
        const at = this.list.indexOf(net);
        if (at >= 0) this.list.splice(at, 1);
      });
      unhashNsid(net, this.list);
      nsFiles(this.rtnl).forget(net);
      for (const ops of [...this.ops].reverse()) await ops.exit?.(net, task);
    });
  }

  /** Whether `net` is listed (created and not yet destroyed). */
  isAlive(net: Net): boolean {
    return this.list.includes(net);
  }
}

const instances = new WeakMap<Rtnetlink, Netns>();

/** The netns state of `rtnl`, created on first use with init_net alone in the list. */
export function netnsOf(rtnl: Rtnetlink): Netns {
  let netns = instances.get(rtnl);
  if (!netns) {
    netns = new Netns(rtnl);
    instances.set(rtnl, netns);
  }
  return netns;
}
