/**
 * The FIB notifier chain (`fib_chain`, net/core/fib_notifier.c) and `register_fib_notifier()`:
 * in-kernel listeners (switchdev drivers, mlxsw) that mirror the FIB. Registration replays every
 * table, then checks that `fib_seq` did not move; if it did, the listener is told to flush and the
 * replay runs again, at most `FIB_DUMP_MAX_RETRIES` times, then EBUSY.
 */
import { Errno, ErrnoError } from '@rtnlkit/core';
import type { FibNet, FibRoute } from './table';

/** `enum fib_event_type`, the entry events. */
export type FibEvent = 'ENTRY_REPLACE' | 'ENTRY_APPEND' | 'ENTRY_DEL';

/** A listener: sees each route change (and, at registration, each route as ENTRY_REPLACE). */
export interface FibNotifier {
  event(event: FibEvent, route: FibRoute, tbId: number): void | Promise<void>;
  /** Called when a replay turned out inconsistent, before the next attempt: forget what it saw. */
  flush?(): void;
  /**
   * Called at the instant the replay was judged consistent (`fib_dump_is_consistent()` true),
   * before registration returns: what the listener replayed is the FIB it now mirrors, and every
   * later change reaches it as an event. Lets a test compare the two at that instant.
   */
  dumpConsistent?(): void;
}

/** `FIB_DUMP_MAX_RETRIES`. */
export const FIB_DUMP_MAX_RETRIES = 5;

const chains = new WeakMap<FibNet, Set<FibNotifier>>();

function chainOf(fib: FibNet): Set<FibNotifier> {
  let chain = chains.get(fib);
  if (!chain) {
    chain = new Set();
    chains.set(fib, chain);
  }
  return chain;
}

/** `call_fib4_notifiers()` without the counter (the caller bumps `fib_seq`). */
export async function callFibNotifiers(fib: FibNet, event: FibEvent, route: FibRoute, tbId: number): Promise<void> {
  const chain = chains.get(fib);
  if (!chain || chain.size === 0) return;
  for (const nb of [...chain]) await nb.event(event, route, tbId);
}

/** Whether any listener is registered (lets writers skip building events). */
export function hasFibNotifiers(fib: FibNet): boolean {
  return (chains.get(fib)?.size ?? 0) > 0;
}

/**
 * `register_fib_notifier()`: replays every table to `nb` (awaiting each callback, so other tasks
 * may change the FIB meanwhile), then registers it if `fib_seq` still reads what it read before
 * the replay; otherwise `nb.flush()` and again. EBUSY after {@link FIB_DUMP_MAX_RETRIES}.
 * Returns the unregister function.
 */
export async function registerFibNotifier(fib: FibNet, nb: FibNotifier): Promise<() => void> {
  for (let attempt = 0; attempt < FIB_DUMP_MAX_RETRIES; attempt += 1) {
    // fib_seq_sum(): with the seqcount, wait for a write in progress to end first.
    await fib.seq.stable();
    const seq = fib.seq.read();
    for (const table of fib.tablesInOrder()) {
      for (const route of table.routes()) await nb.event('ENTRY_REPLACE', route, table.id);
    }
    // fib_dump_is_consistent(): register, then compare.
    const chain = chainOf(fib);
    chain.add(nb);
    if (fib.seq.read() === seq) {
      nb.dumpConsistent?.();
      return () => chain.delete(nb);
    }
    chain.delete(nb);
    nb.flush?.();
  }
  throw new ErrnoError(Errno.EBUSY);
}
