/**
 * Per-family link data (`struct rtnl_af_ops`, net/core/rtnetlink.c): the families that keep
 * their own settings on a device (AF_INET devconf, AF_INET6, …) and read and write them through
 * IFLA_AF_SPEC. One registry per rtnetlink instance.
 *
 * The list is guarded the way the seed proposes and Linux does since "net: core: rcu-ify rtnl
 * af_ops": writers (`rtnl_af_register`, `rtnl_af_unregister`) change it under RTNL, readers
 * (`rtnl_fill_link_af`, `rtnl_link_get_af_size`, `rtnl_af_lookup`) walk it inside an RCU read
 * section, and unregistering waits for a grace period *after* dropping RTNL, so that once it
 * returns no reader still uses the ops. Linux 6.13 adds a per-ops SRCU for the readers that keep
 * an ops found by `rtnl_af_lookup()` until `rtnl_af_put()`; here one RCU read section of
 * `rtnl.rcu` from lookup to put plays both parts (the seed's plan: the callbacks do not sleep,
 * so "it is enough to convert the callers to take the rcu read lock"), and the one
 * `synchronize()` stands for `synchronize_rcu()` and `synchronize_srcu()`. Unlike SRCU, such a
 * section must not sleep on a lock (lockdep says so); rtnlkit's sections may span a timer.
 *
 * The list is published copy-on-write (a new array on every change, never mutated), which is
 * what `list_add_tail_rcu` / `list_del_rcu` give a reader: the list it loaded stays walkable.
 */
import {
  Errno,
  ErrnoError,
  IFLA,
  NLA_HDRLEN,
  type Nlattr,
  type NlMsgBuilder,
  nlaAlign,
  type RcuReadGuard,
  type Rtnetlink,
  runTask,
  Task,
  walkAttrs,
} from '@rtnlkit/core';
import type { NetDevice } from './netdevice';

/**
 * `struct rtnl_af_ops` (without the stats callbacks). The callbacks do not sleep (the seed's
 * audit: "no callback needs to sleep"), so they are synchronous. Errors are thrown as
 * {@link ErrnoError}s, extack included, as the kernel's return an errno and set the extack.
 */
export interface RtnlAfOps {
  /** AF_*: the nest type inside IFLA_AF_SPEC. */
  readonly family: number;
  /**
   * `fill_link_af`: writes the family's attributes into its (already open) nest. Throwing an
   * ErrnoError(ENODATA) means "nothing to report for this device": the nest is dropped.
   */
  fillLinkAf?(b: NlMsgBuilder, dev: NetDevice, extFilterMask: number): void;
  /** `get_link_af_size`: the payload bytes `fillLinkAf` may write (attributes, padded). */
  getLinkAfSize?(dev: NetDevice, extFilterMask: number): number;
  /**
   * `validate_link_af`: checks the family's nest of a request before anything changes. `dev` is
   * the device, also for a creation (`rtnl_create_link()` validates the allocated device).
   */
  validateLinkAf?(dev: NetDevice, attr: Nlattr): void;
  /** `set_link_af`: applies the family's nest (already validated). */
  setLinkAf?(dev: NetDevice, attr: Nlattr): void;
}

/** An ops found by {@link rtnlAfLookup}, usable until disposed (`rtnl_af_put()`). */
export interface AfOpsRef extends Disposable {
  readonly ops: RtnlAfOps;
}

/** `static LIST_HEAD(rtnl_af_ops)` of one rtnetlink instance. */
export class RtnlAfRegistry {
  private list: readonly RtnlAfOps[] = [];

  constructor(readonly rtnl: Rtnetlink) {}

  /**
   * The registered ops in registration order, as a reader sees them (`list_for_each_entry_rcu`):
   * `task` must be inside an RCU read section, or the ops may be gone before it is done.
   */
  entries(task: Task): readonly RtnlAfOps[] {
    if (task.rcuDepth === 0) throw new Error(`${task} walks the af ops list outside an RCU read section`);
    return this.list;
  }

  /** How many ops are listed right now (for the fill's "none registered" shortcut and tests). */
  get size(): number {
    return this.list.length;
  }

  /**
   * `rtnl_af_register()`: appends `ops` under RTNL (taken through the strategy, as `task`, or a
   * task of its own). Linux does not look for a duplicate (each family registers once, from its
   * init) and a second entry would shadow nothing in lookups yet fill twice; rtnlkit refuses a
   * family that is already listed with EEXIST, as `rtnl_link_register()` does for a kind.
   */
  async register(ops: RtnlAfOps, task?: Task): Promise<void> {
    await withTask(task, 'rtnl_af_register', (t) =>
      this.rtnl.strategy.lock('rtnl').run(t, () => {
        if (this.list.some((o) => o.family === ops.family)) throw new ErrnoError(Errno.EEXIST);
        this.list = [...this.list, ops];
      }),
    );
  }

  /**
   * `rtnl_af_unregister()`: unlists `ops` under RTNL, drops RTNL, then waits for a grace period
   * (`synchronize_rcu()`), so that every reader that could have found `ops` has left its section
   * when this returns. The wait is outside RTNL: readers that need RTNL to finish (a doit that
   * looked the ops up) would otherwise never leave. Unregistering ops that are not listed returns
   * at once.
   */
  async unregister(ops: RtnlAfOps, task?: Task): Promise<void> {
    await withTask(task, 'rtnl_af_unregister', async (t) => {
      const listed = await this.rtnl.strategy.lock('rtnl').run(t, () => {
        if (!this.list.includes(ops)) return false;
        this.list = this.list.filter((o) => o !== ops);
        return true;
      });
      if (listed) await this.rtnl.rcu.synchronize(t);
    });
  }

  /**
   * `rtnl_af_lookup()`: the ops of `family`, held in an RCU read section of `task` until the
   * returned reference is disposed (`rtnl_af_put()`); undefined (and no section) if none. The
   * holder must not sleep on a lock before it lets go (lockdep reports "suspicious RCU usage"):
   * Linux's SRCU would allow that, rtnlkit's plain RCU section does not, and no af ops user needs it.
   */
  lookup(family: number, task: Task): AfOpsRef | undefined {
    const guard = this.rtnl.rcu.readLock(task);
    const ops = this.list.find((o) => o.family === family);
    if (!ops) {
      guard.release();
      return undefined;
    }
    return afOpsRef(ops, guard);
  }
}

function afOpsRef(ops: RtnlAfOps, guard: RcuReadGuard): AfOpsRef {
  return {
    ops,
    [Symbol.dispose]() {
      guard[Symbol.dispose]();
    },
  };
}

async function withTask<T>(task: Task | undefined, name: string, body: (task: Task) => Promise<T>): Promise<T> {
  return task ? await body(task) : await runTask(name, body);
}

const registries = new WeakMap<Rtnetlink, RtnlAfRegistry>();

/** The af ops registry of `rtnl`, created (empty) on first use. */
export function rtnlAfOps(rtnl: Rtnetlink): RtnlAfRegistry {
  let registry = registries.get(rtnl);
  if (!registry) {
    registry = new RtnlAfRegistry(rtnl);
    registries.set(rtnl, registry);
  }
  return registry;
}

/** `rtnl_af_register()`; see {@link RtnlAfRegistry.register}. */
export function rtnlAfRegister(rtnl: Rtnetlink, ops: RtnlAfOps, task?: Task): Promise<void> {
  return rtnlAfOps(rtnl).register(ops, task);
}

/** `rtnl_af_unregister()`; see {@link RtnlAfRegistry.unregister}. */
export function rtnlAfUnregister(rtnl: Rtnetlink, ops: RtnlAfOps, task?: Task): Promise<void> {
  return rtnlAfOps(rtnl).unregister(ops, task);
}

/** `rtnl_af_lookup()`; dispose the reference (`using`) for `rtnl_af_put()`. */
export function rtnlAfLookup(rtnl: Rtnetlink, family: number, task: Task): AfOpsRef | undefined {
  return rtnlAfOps(rtnl).lookup(family, task);
}

/**
 * Runs a synchronous reader inside an RCU read section of `task`, or of a short-lived task of its
 * own for callers that have none (notifications raised by device operations): the section opens
 * and closes within one synchronous step, so a grace period can neither end nor be waited for
 * inside it.
 */
function readSection<T>(rtnl: Rtnetlink, task: Task | undefined, body: (task: Task) => T): T {
  const reader = task ?? new Task('rtnl_fill_link_af');
  try {
    using _section = rtnl.rcu.readLock(reader);
    return body(reader);
  } finally {
    if (!task) reader.end();
  }
}

/** `nla_total_size()`. */
const nlaTotalSize = (payload: number) => nlaAlign(NLA_HDRLEN + payload);

/**
 * `rtnl_link_get_af_size()`: what IFLA_AF_SPEC of `dev` may take in a message: the nest header,
 * and for each ops with `getLinkAfSize` a family nest header and its payload. 0 when no ops is
 * registered (rtnlkit writes no IFLA_AF_SPEC then, see {@link rtnlFillLinkAf}).
 */
export function rtnlLinkGetAfSize(rtnl: Rtnetlink, dev: NetDevice, extFilterMask: number, task?: Task): number {
  const registry = registries.get(rtnl);
  if (!registry || registry.size === 0) return 0;
  return readSection(rtnl, task, (reader) => {
    let size = nlaTotalSize(0);
    for (const ops of registry.entries(reader)) {
      if (ops.getLinkAfSize) size += nlaTotalSize(0) + ops.getLinkAfSize(dev, extFilterMask);
    }
    return size;
  });
}

/**
 * `rtnl_fill_link_af()`: IFLA_AF_SPEC with one nest per family that has `fillLinkAf` (both
 * without NLA_F_NESTED, `nla_nest_start_noflag()`), in registration order; a family that throws
 * ENODATA is left out (`nla_nest_cancel()`), any other error fails the fill with EMSGSIZE as in
 * the kernel. The walk runs inside an RCU read section (`task`'s, or a short one of its own).
 *
 * Deviation, on purpose: with no af ops registered at all rtnlkit writes no IFLA_AF_SPEC, where
 * Linux would write an empty nest. Linux always has AF_INET and AF_INET6 registered, so it always
 * writes IFLA_AF_SPEC with their data; an rtnlkit without them cannot reproduce that data, and
 * conformance treats an attribute rtnlkit sends but does not cover as a difference. So the
 * attribute appears once a family is registered (the devinet subsystem, or a test's family).
 */
export function rtnlFillLinkAf(
  b: NlMsgBuilder,
  rtnl: Rtnetlink,
  dev: NetDevice,
  extFilterMask: number,
  task?: Task,
): void {
  const registry = registries.get(rtnl);
  if (!registry || registry.size === 0) return;
  readSection(rtnl, task, (reader) => {
    const list = registry.entries(reader);
    if (list.length === 0) return;
    b.beginNest(IFLA.AF_SPEC, false);
    for (const ops of list) {
      if (!ops.fillLinkAf) continue;
      b.beginNest(ops.family, false);
      try {
        ops.fillLinkAf(b, dev, extFilterMask);
      } catch (error) {
        b.cancelNest();
        if (error instanceof ErrnoError && error.errno === Errno.ENODATA) continue;
        b.cancelNest();
        throw new ErrnoError(Errno.EMSGSIZE);
      }
      b.endNest();
    }
    b.endNest();
  });
}

/**
 * The family nests of a request's IFLA_AF_SPEC, as `nla_for_each_nested()` walks them: it stops
 * silently at a header that does not fit (trailing bytes are ignored, as in the kernel).
 */
export function afSpecEntries(afSpec: Nlattr): Nlattr[] {
  return walkAttrs(afSpec.data, 0, afSpec.data.length, afSpec.offset + NLA_HDRLEN).attrs;
}

/**
 * The IFLA_AF_SPEC part of `validate_linkmsg()`: for each family nest, `rtnl_af_lookup()`
 * (EAFNOSUPPORT when the family has no ops), then EOPNOTSUPP when the ops has no `set_link_af`
 * (Linux 6.18 answers this at validation, before anything changes), else its `validate_link_af`.
 * Each ops is held (read section) only while it is checked, as between lookup and `rtnl_af_put()`.
 */
export function validateLinkAfSpec(rtnl: Rtnetlink, dev: NetDevice, entries: readonly Nlattr[], task: Task): void {
  for (const attr of entries) {
    const ref = rtnlAfLookup(rtnl, attr.type, task);
    if (!ref) throw new ErrnoError(Errno.EAFNOSUPPORT);
    using held = ref;
    if (!held.ops.setLinkAf) throw new ErrnoError(Errno.EOPNOTSUPP);
    held.ops.validateLinkAf?.(dev, attr);
  }
}

/**
 * One family's part of `do_setlink()`'s IFLA_AF_SPEC loop: looks the ops up again (it may have
 * been unregistered since validation by a writer that did not need our locks: EAFNOSUPPORT) and
 * calls its `set_link_af` inside the read section.
 */
export function setLinkAf(rtnl: Rtnetlink, dev: NetDevice, attr: Nlattr, task: Task): void {
  const ref = rtnlAfLookup(rtnl, attr.type, task);
  if (!ref) throw new ErrnoError(Errno.EAFNOSUPPORT);
  using held = ref;
  if (!held.ops.setLinkAf) throw new ErrnoError(Errno.EOPNOTSUPP);
  held.ops.setLinkAf(dev, attr);
}
