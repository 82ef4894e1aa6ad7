/**
 * `net->ipv4.fib_seq`, the two ways the seed weighs (seed, "IP FIB"):
 *
 * - `atomic`: a plain counter bumped once, after the change is linked in (today's
 *   `call_fib4_notifiers()`, made `atomic_t`). A reader that read the counter before the link
 *   and again after it, but before the bump, sees no change: the seed's five-step missed update.
 * - `seqcount`: bumped right before the change (odd) and right after (even again). A reader waits
 *   for an even value first and compares at the end, so a change overlapping it always shows.
 *
 * Writers are serialised by whatever protects the FIB (RTNL or the `fib` class); readers take no
 * lock.
 */
import { SeqCount } from '@rtnlkit/core';

export type FibSeqMode = 'seqcount' | 'atomic';

export interface FibSeq {
  readonly mode: FibSeqMode;
  /** Before a change is linked in (seqcount: the count goes odd; atomic: nothing). */
  changeBegin(): void;
  /** After it is linked in (seqcount: even again; atomic: the one increment). */
  changeEnd(): void;
  /** The value now (`fib_seq_sum()`); odd while a seqcount write is in progress. */
  read(): number;
  /** A seqcount write is in progress: a reader that wants a stable start must wait. */
  readonly writing: boolean;
  /** Settles when no write is in progress (at once for the atomic counter). */
  stable(): Promise<void>;
}

class SeqCountFibSeq implements FibSeq {
  readonly mode = 'seqcount' as const;
  private readonly count = new SeqCount('fib_seq');
  private waiters: (() => void)[] = [];

  changeBegin(): void {
    this.count.writeBegin();
  }

  changeEnd(): void {
    this.count.writeEnd();
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  read(): number {
    return this.count.sequence;
  }

  get writing(): boolean {
    return this.count.writeInProgress;
  }

  stable(): Promise<void> {
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

class AtomicFibSeq implements FibSeq {
  readonly mode = 'atomic' as const;
  private value = 0;

  changeBegin(): void {}

  changeEnd(): void {
    this.value = (this.value + 1) >>> 0;
  }

  read(): number {
    return this.value;
  }

  get writing(): boolean {
    return false;
  }

  stable(): Promise<void> {
    return Promise.resolve();
  }
}

/** A fresh `fib_seq` of the given flavour. */
export function fibSeqCounter(mode: FibSeqMode): FibSeq {
  return mode === 'seqcount' ? new SeqCountFibSeq() : new AtomicFibSeq();
}
