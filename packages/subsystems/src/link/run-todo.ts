/**
 * The slow half of a device's unregistration (net/core/dev.c `netdev_run_todo()`), which the
 * kernel runs from `rtnl_unlock()`, after RTNL is released: an RCU grace period, then waiting
 * until every other holder put its reference (`netdev_wait_allrefs_any()`, which every
 * `netdev_unregister_timeout_secs` prints "unregister_netdevice: waiting for X to become free"
 * with the holders), then the device is freed. `dev_unreg_count` counts the devices between
 * their unlisting and that end; `rtnl_link_unregister()` waits for it to reach 0
 * (`rtnl_lock_unregistering_all()`).
 *
 * The link handlers take the list before their locks are released and free it through
 * `req.afterUnlock()` (the dispatcher's `rtnl_unlock()`); other callers (kind unregistration,
 * namespace exit) do the same around their own locked sections.
 */
import { type RefWaitReport, type Rtnetlink, type Task, waitPoint } from '@rtnlkit/core';
import type { NetDevice } from './netdevice';

/** `net_todo_list`, `dev_unreg_count` and the wait reports of one rtnetlink instance. */
export class NetdevTodo {
  private list: NetDevice[] = [];
  private unregistering = 0;
  private idle: (() => void)[] = [];
  /** Devices unlisted and not freed yet, whichever run has them, with who waits for their free. */
  private readonly unfreed = new Map<NetDevice, (() => void)[]>();
  /** Every "waiting for X to become free" report so far (the kernel's `pr_emerg` lines). */
  readonly reports: RefWaitReport[] = [];
  /** Called with each report as it is made. */
  onReport: ((report: RefWaitReport) => void) | undefined;

  /** `dev_unreg_count`: devices unlisted and not yet freed. */
  get count(): number {
    return this.unregistering;
  }

  /** `net_set_todo()` + `dev_unreg_count++`: called by the unregistration under RTNL. */
  add(dev: NetDevice): void {
    this.list.push(dev);
    this.unfreed.set(dev, []);
    this.unregistering += 1;
  }

  /** `list_replace_init(&net_todo_list, &list)`: what one run takes over. */
  take(): NetDevice[] {
    const taken = this.list;
    this.list = [];
    return taken;
  }

  /** `dev` is freed: `dev_unreg_count--`; whoever waits for it, or for 0 at 0, is woken. */
  freed(dev: NetDevice): void {
    for (const wake of this.unfreed.get(dev) ?? []) wake();
    this.unfreed.delete(dev);
    this.unregistering -= 1;
    if (this.unregistering === 0) for (const wake of this.idle.splice(0)) wake();
  }

  /** The devices unlisted and not yet freed, whichever `netdevRunTodo()` took them. */
  pending(): NetDevice[] {
    return [...this.unfreed.keys()];
  }

  /** Resolves once `dev` is freed (at once if it is not between unlisting and free). */
  whenFreed(dev: NetDevice): Promise<void> {
    const waiters = this.unfreed.get(dev);
    if (!waiters) return Promise.resolve();
    return new Promise((resolve) => waiters.push(resolve));
  }

  /** `rtnl_lock_unregistering_all()`'s wait: resolves once no device is between unlisting and free. */
  allUnregistered(): Promise<void> {
    if (this.unregistering === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}

const todos = new WeakMap<Rtnetlink, NetdevTodo>();

/** The unregistration work list of `rtnl`, created on first use. */
export function netdevTodo(rtnl: Rtnetlink): NetdevTodo {
  let todo = todos.get(rtnl);
  if (!todo) {
    todo = new NetdevTodo();
    todos.set(rtnl, todo);
  }
  return todo;
}

/**
 * `netdev_run_todo()`: takes the devices unregistered so far, waits for an RCU grace period
 * (readers that found a device before its unlisting are done with it), then for each device's
 * last reference, reporting the holders every `netdev.unregisterReport` ms of the cost model,
 * and frees them (`reg_state` UNREGISTERED). Call it without RTNL held, with the devices the
 * caller took with `netdevTodo(rtnl).take()` while it still held RTNL (the kernel's
 * `list_replace_init()` before `__rtnl_unlock()`: each unlocker frees what its own critical
 * section unregistered); without them it takes whatever is queued now.
 */
export async function netdevRunTodo(
  rtnl: Rtnetlink,
  task?: Task,
  devices: readonly NetDevice[] = netdevTodo(rtnl).take(),
): Promise<void> {
  const todo = netdevTodo(rtnl);
  if (devices.length === 0) return;
  await rtnl.rcu.synchronize(task);
  const interval = rtnl.costs.get('netdev.unregisterReport').ms;
  await Promise.all(
    devices.map(async (dev) => {
      waitPoint(rtnl, 'netdev_wait_allrefs');
      await dev.refcnt.waitForZero({
        interval,
        onWaiting: (report) => {
          todo.reports.push(report);
          todo.onReport?.(report);
        },
      });
      dev.regState = 'unregistered';
      todo.freed(dev);
    }),
  );
}
