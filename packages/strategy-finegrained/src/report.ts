/**
 * The report the finegrained strategy makes when a task takes a lock against the enforced order,
 * laid out like a lockdep splat (and like core's `Lockdep` reports): the banner, the lock the task
 * is trying to acquire and the one it already holds, why that is an inversion (the declared
 * ranks, or the class comparator for two instances of one class), both chains, the "Possible
 * unsafe locking scenario" table, and the task's held locks.
 */
import type { DependencyStep, LockClassDecl, LockdepReport, LockdepReportKind } from '@rtnlkit/core';

/** A lock as the report names it: the instance, its class and where it was (or is being) taken. */
export interface ReportedLock {
  /** Instance name: `fib`, or `rtnl_net(ns1)` for a per-namespace class. */
  readonly name: string;
  readonly cls: LockClassDecl;
  readonly at: string | undefined;
}

/** Who was first seen taking the two locks in the order the report says is the right one. */
export interface OrderEvidence {
  readonly task: string;
  readonly at: string | undefined;
}

export interface OrderViolation {
  kind: Extract<LockdepReportKind, 'rank-order' | 'instance-order'>;
  /** `name/id` of the task making the acquisition. */
  task: string;
  /** The lock it is trying to take. */
  wanted: ReportedLock;
  /** The held lock that must come after `wanted`. */
  held: ReportedLock;
  /** Every lock the task holds through the strategy, outermost first. */
  chain: readonly ReportedLock[];
  /** Every declared class, in the enforced order. */
  order: readonly LockClassDecl[];
  /** A task seen taking `wanted` and then `held`: the other half of the ABBA, if one was seen. */
  evidence: OrderEvidence | undefined;
}

const BANNER = '======================================================';
const RULE = '------------------------------------------------------';

export const RANK_ORDER_TITLE = 'lock rank order violation detected';
export const INSTANCE_ORDER_TITLE = 'lock ordering violation within one lock class';

const ranked = (cls: LockClassDecl) => `${cls.name} (rank ${cls.rank})`;
const lockText = (lock: ReportedLock) => `(${lock.name}){rank ${lock.cls.rank}}`;
const atText = (at: string | undefined) => (at ? `, at: ${at}` : '');
const pad = (text: string) => text.padEnd(24);

/** Why the acquisition is an inversion, in one or two sentences. */
function reason(v: OrderViolation): string[] {
  if (v.kind === 'instance-order') {
    return [
      `instances of class ${v.wanted.cls.name} must be taken in the order of its comparator:`,
      `${v.wanted.name} must be taken before ${v.held.name}, never while holding it.`,
    ];
  }
  const same = v.wanted.cls.rank === v.held.cls.rank;
  const lines = [
    same
      ? 'which lock has the same rank as the held one in the enforced order:'
      : 'which lock comes before the held one in the enforced order:',
    `  ${v.order.map(ranked).join(' -> ')}`,
  ];
  if (same) {
    lines.push(
      `${ranked(v.wanted.cls)} and ${ranked(v.held.cls)} share a rank: neither may be taken while the other is`,
      'held (only a handler that declares both gets them, taken in name order).',
    );
  } else {
    lines.push(`${ranked(v.wanted.cls)} must be taken before ${ranked(v.held.cls)}.`);
  }
  return lines;
}

/** Builds the report, text included. */
export function orderReport(v: OrderViolation): LockdepReport {
  const title = v.kind === 'rank-order' ? RANK_ORDER_TITLE : INSTANCE_ORDER_TITLE;
  const other = v.evidence?.task ?? 'another task';
  const thisChain = [
    ...v.chain.map((lock, i) => `-> #${i} ${lockText(lock)}${atText(lock.at)}`),
    `-> #${v.chain.length} ${lockText(v.wanted)}${atText(v.wanted.at)}   <- trying to acquire`,
  ];
  const otherChain = [
    `-> #0 ${lockText(v.wanted)}`,
    `-> #1 ${lockText(v.held)}`,
    v.evidence
      ? `       taken in this order by ${v.evidence.task}${atText(v.evidence.at)}`
      : '       (no task seen doing so yet: any task that follows the enforced order does)',
  ];
  const body = [
    `${v.task} is trying to acquire lock:`,
    `  ${lockText(v.wanted)}${atText(v.wanted.at)}`,
    '',
    'but task is already holding lock:',
    `  ${lockText(v.held)}${atText(v.held.at)}`,
    '',
    ...reason(v),
    '',
    `the chain of ${v.task} (held locks in the order taken):`,
    '',
    ...thisChain,
    '',
    'the chain it can deadlock with (the enforced order):',
    '',
    ...otherChain,
    '',
    'other info that might help us debug this:',
    '',
    ' Possible unsafe locking scenario:',
    '',
    `       ${pad(v.task)}${other}`,
    `       ${pad('----')}----`,
    `  lock(${v.held.name});`,
    `       ${pad('')}lock(${v.wanted.name});`,
    `       ${pad('')}lock(${v.held.name});`,
    `  lock(${v.wanted.name});`,
    '',
    ' *** DEADLOCK ***',
    '',
    `${v.chain.length} lock${v.chain.length === 1 ? '' : 's'} held by ${v.task}:`,
    ...v.chain.map((lock, i) => ` #${i}: ${lockText(lock)}${atText(lock.at)}`),
  ];
  const chain: DependencyStep[] = [
    { from: v.held.name, to: v.wanted.name, task: v.task, at: v.wanted.at },
    { from: v.wanted.name, to: v.held.name, task: v.evidence?.task ?? '(enforced order)', at: v.evidence?.at },
  ];
  return {
    kind: v.kind,
    title,
    task: v.task,
    locks: [v.held.name, v.wanted.name],
    chain,
    text: [BANNER, `WARNING: ${title}`, RULE, ...body].join('\n'),
  };
}
