/**
 * The rtnetlink handler table (`rtnl_msg_handlers`): one entry per (family, message type), each
 * merging a doit, a dumpit, flags, lock classes and an owner. Entries are immutable and replaced
 * whole on every change (the kernel's copy-on-write under RCU), so a request that already looked
 * an entry up keeps a consistent one while the table changes under it.
 */

import type { LockClassName } from '../strategy/strategy';
import { RTM_BASE, RTM_MAX, RTNL_FAMILY_MAX, RTNL_FLAG, RTNL_KIND, rtnlMsgtypeKind } from '../wire/constants';
import type { HandlerOwner } from './owner';
import type { DoIt, DumpIt, Prepare } from './request';

export interface HandlerSpec {
  /** PF_* (AF_*), or PF_UNSPEC (0) for the fallback used by every family without its own. */
  family: number;
  /** RTM_* */
  type: number;
  doit?: DoIt;
  /**
   * The doit's unlocked first stage (parse, look up, name the namespaces to lock); see
   * {@link Prepare}. It belongs to the doit: registered and replaced with it.
   */
  prepare?: Prepare;
  dumpit?: DumpIt;
  /** RTNL_FLAG_* */
  flags?: number;
  /** The lock classes the handler touches, for strategies that lock per class. */
  locks?: readonly LockClassName[];
  /**
   * The classes a dump pass needs, when they differ from `locks`: `[]` says the dumpit is safe
   * under RCU alone (consistency through `cb.seq` and NLM_F_DUMP_INTR), whatever the kernel's
   * flags say. Strategies that lock per class (finegrained) honour it; the ones that model Linux
   * (global, elided) go by the flags.
   */
  dumpLocks?: readonly LockClassName[];
  owner?: HandlerOwner;
  /** For reports, e.g. "rtnl_newlink"; defaults to the doit's or dumpit's function name. */
  name?: string;
}

export interface HandlerEntry {
  readonly family: number;
  readonly type: number;
  readonly doit: DoIt | undefined;
  readonly prepare: Prepare | undefined;
  readonly dumpit: DumpIt | undefined;
  readonly flags: number;
  readonly locks: readonly LockClassName[];
  readonly dumpLocks: readonly LockClassName[] | undefined;
  readonly owner: HandlerOwner | undefined;
  readonly name: string;
}

const key = (family: number, type: number) => (family << 8) | (type - RTM_BASE);

export class HandlerTable {
  private readonly entries = new Map<number, HandlerEntry>();

  /** `rtnl_msg_handlers[family][type]`, or undefined. */
  get(family: number, type: number): HandlerEntry | undefined {
    return this.entries.get(key(family, type));
  }

  /**
   * `rtnl_register_internal`: merges the spec into its slot. Conflicting doits, dumpits or owners,
   * or BULK_DEL_SUPPORTED on a non-DEL type, are programming errors: a TypeError, nothing changed.
   */
  register(spec: HandlerSpec): void {
    this.entries.set(key(spec.family, spec.type), this.merged(spec));
  }

  /** `rtnl_register_many`: all or nothing. Returns a function that unregisters them again. */
  registerMany(specs: readonly HandlerSpec[]): () => void {
    const merged = specs.map((spec) => this.merged(spec));
    const before = specs.map((spec) => this.get(spec.family, spec.type));
    merged.forEach((entry) => {
      this.entries.set(key(entry.family, entry.type), entry);
    });
    let done = false;
    return () => {
      if (done) return;
      done = true;
      // Restore what each slot held before, in reverse, like the kernel's unwind.
      for (let i = specs.length - 1; i >= 0; i--) {
        const spec = specs[i] as HandlerSpec;
        const previous = before[i];
        if (previous) this.entries.set(key(spec.family, spec.type), previous);
        else this.entries.delete(key(spec.family, spec.type));
      }
    };
  }

  /** `rtnl_unregister`: empties the slot; requests already running keep their entry. */
  unregister(family: number, type: number): boolean {
    return this.entries.delete(key(family, type));
  }

  /** `rtnl_unregister_all`: every handler of a family. */
  unregisterAll(family: number): void {
    for (const [k, entry] of this.entries) if (entry.family === family) this.entries.delete(k);
  }

  /** Every registered entry. */
  list(): HandlerEntry[] {
    return [...this.entries.values()];
  }

  private merged(spec: HandlerSpec): HandlerEntry {
    const { family, type } = spec;
    if (!(Number.isInteger(family) && family >= 0 && family <= RTNL_FAMILY_MAX)) {
      throw new TypeError(`handler family ${family} is outside 0..${RTNL_FAMILY_MAX}`);
    }
    if (!(Number.isInteger(type) && type >= RTM_BASE && type <= RTM_MAX)) {
      throw new TypeError(`handler message type ${type} is outside ${RTM_BASE}..${RTM_MAX}`);
    }
    const flags = spec.flags ?? 0;
    if (flags & RTNL_FLAG.BULK_DEL_SUPPORTED && rtnlMsgtypeKind(type) !== RTNL_KIND.DEL) {
      throw new TypeError(`BULK_DEL_SUPPORTED on message type ${type}, which is not a DEL`);
    }
    const old = this.get(family, type);
    if (old?.owner && spec.owner && old.owner !== spec.owner) {
      throw new TypeError(`(${family}, ${type}) is owned by ${old.owner.name}`);
    }
    if (old?.doit && spec.doit && old.doit !== spec.doit)
      throw new TypeError(`(${family}, ${type}) already has a doit`);
    if (old?.dumpit && spec.dumpit && old.dumpit !== spec.dumpit) {
      throw new TypeError(`(${family}, ${type}) already has a dumpit`);
    }
    if (spec.prepare && !spec.doit) throw new TypeError(`(${family}, ${type}): a prepare stage needs its doit`);
    const doit = spec.doit ?? old?.doit;
    const prepare = spec.doit ? spec.prepare : old?.prepare;
    const dumpit = spec.dumpit ?? old?.dumpit;
    return Object.freeze({
      family,
      type,
      doit,
      prepare,
      dumpit,
      flags: (old?.flags ?? 0) | flags,
      locks: Object.freeze([...new Set([...(old?.locks ?? []), ...(spec.locks ?? [])])]),
      dumpLocks: spec.dumpLocks ? Object.freeze([...spec.dumpLocks]) : old?.dumpLocks,
      owner: spec.owner ?? old?.owner,
      name: spec.name ?? old?.name ?? (doit?.name || dumpit?.name || `rtm_${type}`),
    });
  }
}
