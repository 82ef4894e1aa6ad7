/**
 * Lock statistics, like the kernel's lock_stat (Documentation/locking/lockstat.rst): per lock
 * class, how often it was taken, how often a taker had to wait, how long waits and holds lasted,
 * and who waited (contention points: the waiting tasks' names) for whom (contended points: the
 * holders' names). Times are in the environment clock's milliseconds.
 */
import { Histogram, type HistogramSummary } from '../metrics/histogram';
import type { LockClass } from './lock-class';

export interface LockStatRow {
  class: string;
  acquisitions: number;
  contentions: number;
  wait: HistogramSummary;
  hold: HistogramSummary;
  /** The task names that waited most often, most first (at most 4, like lock_stat). */
  contentionPoints: { task: string; count: number }[];
  /** The holders that made others wait most often, most first (at most 4). */
  contendedPoints: { task: string; count: number }[];
}

class ClassStats {
  acquisitions = 0;
  contentions = 0;
  readonly wait = new Histogram();
  readonly hold = new Histogram();
  readonly waiters = new Map<string, number>();
  readonly holders = new Map<string, number>();
}

const TOP = 4;

function top(counts: Map<string, number>): { task: string; count: number }[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, TOP)
    .map(([task, count]) => ({ task, count }));
}

/**
 * Sees every wait and hold as an interval (`start`, `end` in the clock's ms), with the task's name:
 * what a lock timeline is drawn from. Waits of zero length are not reported.
 */
export type LockTracer = (lock: string, task: string, state: 'wait' | 'hold', start: number, end: number) => void;

export class LockStats {
  private readonly classes = new Map<string, ClassStats>();
  /** Set to watch every interval (see {@link LockTracer}); statistics are kept either way. */
  tracer: LockTracer | undefined;

  private of(cls: LockClass): ClassStats {
    let stats = this.classes.get(cls.name);
    if (!stats) {
      stats = new ClassStats();
      this.classes.set(cls.name, stats);
    }
    return stats;
  }

  /**
   * A task got the lock after `waitMs`; `holder` names who held it when the task had to wait;
   * `now` is the clock's time of the grant (for the tracer).
   */
  acquired(cls: LockClass, waiter: string, waitMs: number, holder: string | undefined, now = 0): void {
    if (this.tracer && waitMs > 0) this.tracer(cls.name, waiter, 'wait', now - waitMs, now);
    const stats = this.of(cls);
    stats.acquisitions += 1;
    stats.wait.record(waitMs);
    if (holder !== undefined) {
      stats.contentions += 1;
      stats.waiters.set(waiter, (stats.waiters.get(waiter) ?? 0) + 1);
      stats.holders.set(holder, (stats.holders.get(holder) ?? 0) + 1);
    }
  }

  /** `task` released the lock after holding it `holdMs`, at `now`. */
  released(cls: LockClass, holdMs: number, task = '', now = 0): void {
    this.tracer?.(cls.name, task, 'hold', now - holdMs, now);
    this.of(cls).hold.record(holdMs);
  }

  /** One row per class, most contended first. */
  snapshot(): LockStatRow[] {
    return [...this.classes.entries()]
      .map(([name, s]) => ({
        class: name,
        acquisitions: s.acquisitions,
        contentions: s.contentions,
        wait: s.wait.summary(),
        hold: s.hold.summary(),
        contentionPoints: top(s.waiters),
        contendedPoints: top(s.holders),
      }))
      .sort(
        (a, b) => b.contentions - a.contentions || b.acquisitions - a.acquisitions || a.class.localeCompare(b.class),
      );
  }

  /** Like `echo 0 > /proc/lock_stat`. */
  reset(): void {
    this.classes.clear();
  }

  toJSON(): { version: string; classes: LockStatRow[] } {
    return { version: 'rtnlkit lock_stat 1', classes: this.snapshot() };
  }

  /** A table in the spirit of /proc/lock_stat (times in ms). */
  format(): string {
    const header = [
      'class',
      'contentions',
      'waittime-min',
      'waittime-max',
      'waittime-total',
      'waittime-avg',
      'acquisitions',
      'holdtime-min',
      'holdtime-max',
      'holdtime-total',
      'holdtime-avg',
    ];
    const ms = (v: number) => v.toFixed(3);
    const rows = this.snapshot().map((r) => [
      r.class,
      String(r.contentions),
      ms(r.wait.min),
      ms(r.wait.max),
      ms(r.wait.total),
      ms(r.wait.mean),
      String(r.acquisitions),
      ms(r.hold.min),
      ms(r.hold.max),
      ms(r.hold.total),
      ms(r.hold.mean),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]) =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
    const out = [line(header), ...rows.map(line)];
    for (const r of this.snapshot()) {
      for (const p of r.contentionPoints) out.push(`  ${r.class}: waited by ${p.task} (${p.count})`);
    }
    return out.join('\n');
  }
}
