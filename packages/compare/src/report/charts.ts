/**
 * The report's charts as Vega-Lite specs, data inlined: latency CDFs, lock wait bars and the lock
 * timeline. `svg.ts` renders them; nothing here draws.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { StrategyView } from './aggregate';

/**
 * A log axis cannot show 0, and on the virtual clock a request with no simulated cost takes 0 ms:
 * such latencies are drawn at this floor (1 µs), and the chart's axis title says so.
 */
export const LOG_FLOOR_MS = 0.001;

/** One colour per strategy, the same in every chart of the report. */
function strategyColor(strategies: readonly string[]) {
  return { field: 'strategy', type: 'nominal', title: 'strategy', scale: { domain: [...strategies] } } as const;
}

const FONT = { font: 'system-ui, sans-serif' };

/** The latency CDF of one request class, one step line per strategy, log x axis. */
export function cdfChart(
  className: string,
  views: readonly StrategyView[],
  strategies: readonly string[],
): TopLevelSpec {
  const values: { strategy: string; ms: number; fraction: number }[] = [];
  for (const view of views) {
    const cls = view.classes.find((candidate) => candidate.name === className);
    if (!cls || cls.cdf.length === 0) continue;
    const first = cls.cdf[0]?.[0] ?? 0;
    // The line starts at fraction 0 so that the first step is drawn.
    values.push({ strategy: view.strategy, ms: Math.max(first, LOG_FLOOR_MS), fraction: 0 });
    for (const [ms, fraction] of cls.cdf)
      values.push({ strategy: view.strategy, ms: Math.max(ms, LOG_FLOOR_MS), fraction });
  }
  return {
    config: FONT,
    width: 300,
    height: 200,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
    encoding: {
      x: {
        field: 'ms',
        type: 'quantitative',
        scale: { type: 'log' },
        title: `latency (ms, log; 0 drawn at ${LOG_FLOOR_MS})`,
      },
      y: { field: 'fraction', type: 'quantitative', scale: { domain: [0, 1] }, title: 'fraction of requests' },
      color: strategyColor(strategies),
      order: { field: 'fraction', type: 'quantitative' },
    },
  };
}

/** Bars of total lock wait, grouped by `group` (lock class or request class), one bar per strategy. */
function waitBars(
  values: { group: string; strategy: string; waitMs: number }[],
  groupTitle: string,
  strategies: readonly string[],
): TopLevelSpec {
  return {
    config: FONT,
    // With xOffset the step is one bar's width, so a group is as wide as its strategies need.
    width: { step: 22 },
    height: 200,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'group', type: 'nominal', title: groupTitle, sort: null, axis: { labelAngle: 0 } },
      xOffset: { field: 'strategy', type: 'nominal', sort: [...strategies] },
      y: { field: 'waitMs', type: 'quantitative', title: 'lock wait (ms, total)' },
      color: strategyColor(strategies),
    },
  };
}

/** Total wait per lock class and strategy (lock_stat's wait time). */
export function lockWaitChart(views: readonly StrategyView[], strategies: readonly string[]): TopLevelSpec {
  const values = views.flatMap((view) =>
    view.locks.map((lock) => ({ group: lock.name, strategy: view.strategy, waitMs: lock.waitTotal })),
  );
  return waitBars(values, 'lock class', strategies);
}

/** Total lock wait of each request class's tasks, per strategy. */
export function classWaitChart(views: readonly StrategyView[], strategies: readonly string[]): TopLevelSpec {
  const values = views.flatMap((view) =>
    view.classes.map((cls) => ({ group: cls.name, strategy: view.strategy, waitMs: cls.lockWait })),
  );
  return waitBars(values, 'request class', strategies);
}

/**
 * The lock timeline of one strategy, Gantt-like: a row per task, split in a wait lane and a hold
 * lane, coloured by lock; waits are also paler.
 */
export function timelineChart(view: StrategyView): TopLevelSpec {
  const values = view.timeline.map((interval) => ({
    task: interval.task,
    lock: interval.lock,
    state: interval.state,
    requestClass: interval.requestClass,
    start: interval.start,
    end: interval.end,
  }));
  return {
    config: FONT,
    width: 720,
    height: { step: 16 },
    data: { values },
    mark: { type: 'bar', minBandSize: 1 },
    encoding: {
      y: { field: 'task', type: 'nominal', sort: null, title: 'task' },
      yOffset: { field: 'state', type: 'nominal', sort: ['wait', 'hold'], scale: { domain: ['wait', 'hold'] } },
      x: { field: 'start', type: 'quantitative', title: 'time (ms)' },
      x2: { field: 'end' },
      color: { field: 'lock', type: 'nominal', title: 'lock', scale: { scheme: 'dark2' } },
      opacity: {
        field: 'state',
        type: 'ordinal',
        sort: ['wait', 'hold'],
        title: 'state',
        scale: { domain: ['wait', 'hold'], range: [0.4, 1] },
      },
    },
  };
}
