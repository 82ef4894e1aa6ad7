/**
 * The terminal tables of `rtnlkit compare`: per scenario, the request classes × strategies, the
 * lock classes × strategies, the counters and the findings. Plain aligned text (ANSI colour only
 * when asked); seeds merge as `aggregate.ts` says, and the header says so when there are several.
 */
import { isFlaggedRead, READ_RATIO_FLAG, type StrategyView, strategyViews } from './aggregate';
import { formatCount, formatMs, formatRate, formatRatio } from './numbers';
import type { CompareResults, ScenarioResult } from './results';

export interface TableOptions {
  /** ANSI colours: bold headers, flagged reads in red, findings in yellow. Off by default. */
  color?: boolean;
}

/** Marks a read whose p99 ratio is over {@link READ_RATIO_FLAG}. */
export const FLAG = '!';

type Align = 'left' | 'right';
interface Column {
  header: string;
  align: Align;
}
/** A row of cells, `emphasis` colouring it whole; `null` is a blank line between groups. */
type Row = { cells: string[]; emphasis?: 'alert' | 'warn' } | null;

const ANSI = { bold: '\u001b[1m', red: '\u001b[31m', yellow: '\u001b[33m', reset: '\u001b[0m' };

/**
 * Names and summaries come from scenarios and handlers: a control character in one (a newline,
 * an escape sequence) would break the alignment or drive the terminal, so it is shown escaped.
 */
export function terminalSafe(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => {
    if (char === '\n') return '\\n';
    if (char === '\t') return '\\t';
    if (char === '\r') return '\\r';
    return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** Width in terminal columns, counting code points (every character here is one column wide). */
function width(text: string): number {
  return [...text].length;
}

function pad(text: string, size: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, size - width(text)));
  return align === 'left' ? text + fill : fill + text;
}

function renderTable(columns: readonly Column[], rows: readonly Row[], color: boolean): string[] {
  const safeRows = rows.map((row) => (row ? { ...row, cells: row.cells.map(terminalSafe) } : null));
  const widths = columns.map((column, i) =>
    Math.max(width(column.header), ...safeRows.map((row) => (row ? width(row.cells[i] ?? '') : 0))),
  );
  const line = (cells: readonly string[]) =>
    columns
      .map((column, i) => pad(cells[i] ?? '', widths[i] ?? 0, column.align))
      .join('  ')
      .trimEnd();
  const header = line(columns.map((column) => column.header));
  const lines = [color ? `${ANSI.bold}${header}${ANSI.reset}` : header];
  for (const row of safeRows) {
    if (!row) {
      lines.push('');
      continue;
    }
    const text = line(row.cells);
    const tint = row.emphasis === 'alert' ? ANSI.red : row.emphasis === 'warn' ? ANSI.yellow : '';
    lines.push(color && tint ? `${tint}${text}${ANSI.reset}` : text);
  }
  return lines;
}

function classTable(views: readonly StrategyView[], color: boolean): string[] {
  const columns: Column[] = [
    { header: 'request class', align: 'left' },
    { header: 'kind', align: 'left' },
    { header: 'strategy', align: 'left' },
    { header: 'done', align: 'right' },
    { header: 'errors', align: 'right' },
    { header: 'p50 ms', align: 'right' },
    { header: 'p99 ms', align: 'right' },
    { header: 'max ms', align: 'right' },
    { header: 'uncontended p99 ms', align: 'right' },
    { header: 'p99 ratio', align: 'right' },
    { header: '', align: 'left' },
    { header: 'req/s', align: 'right' },
    { header: 'lock wait ms', align: 'right' },
  ];
  const names: string[] = [];
  for (const view of views) for (const cls of view.classes) if (!names.includes(cls.name)) names.push(cls.name);
  const rows: Row[] = [];
  for (const [index, name] of names.entries()) {
    if (index > 0) rows.push(null);
    for (const view of views) {
      const cls = view.classes.find((candidate) => candidate.name === name);
      if (!cls) continue;
      const flagged = isFlaggedRead(cls);
      rows.push({
        cells: [
          cls.name,
          cls.kind,
          view.strategy,
          formatCount(cls.completed),
          formatCount(cls.errors),
          formatMs(cls.latency.p50),
          formatMs(cls.latency.p99),
          formatMs(cls.latency.max),
          formatMs(cls.uncontended.p99),
          formatRatio(cls.p99Ratio),
          flagged ? FLAG : '',
          formatRate(cls.throughput),
          formatMs(cls.lockWait),
        ],
        ...(flagged ? { emphasis: 'alert' as const } : {}),
      });
    }
  }
  return renderTable(columns, rows, color);
}

function lockTable(views: readonly StrategyView[], color: boolean): string[] {
  const columns: Column[] = [
    { header: 'lock class', align: 'left' },
    { header: 'strategy', align: 'left' },
    { header: 'acquisitions', align: 'right' },
    { header: 'contentions', align: 'right' },
    { header: 'wait p99 ms', align: 'right' },
    { header: 'hold p99 ms', align: 'right' },
    { header: 'wait total ms', align: 'right' },
  ];
  const names: string[] = [];
  for (const view of views) for (const lock of view.locks) if (!names.includes(lock.name)) names.push(lock.name);
  const rows: Row[] = [];
  for (const [index, name] of names.entries()) {
    if (index > 0) rows.push(null);
    for (const view of views) {
      const lock = view.locks.find((candidate) => candidate.name === name);
      if (!lock) continue;
      rows.push({
        cells: [
          lock.name,
          view.strategy,
          formatCount(lock.acquisitions),
          formatCount(lock.contentions),
          formatMs(lock.waitP99),
          formatMs(lock.holdP99),
          formatMs(lock.waitTotal),
        ],
      });
    }
  }
  return renderTable(columns, rows, color);
}

function counterTable(views: readonly StrategyView[], color: boolean): string[] {
  const names: string[] = [];
  for (const view of views) for (const name of Object.keys(view.counters)) if (!names.includes(name)) names.push(name);
  if (names.length === 0) return [];
  const columns: Column[] = [
    { header: 'strategy', align: 'left' },
    ...names.map((name) => ({ header: name, align: 'right' as const })),
  ];
  const rows: Row[] = views.map((view) => ({
    cells: [view.strategy, ...names.map((name) => formatCount(view.counters[name] ?? 0))],
  }));
  return renderTable(columns, rows, color);
}

/** `inconsistent-dump 2, lockdep 1`, in order of first appearance. */
export function findingKinds(findings: readonly { kind: string }[]): string {
  const counts = new Map<string, number>();
  for (const finding of findings) counts.set(finding.kind, (counts.get(finding.kind) ?? 0) + 1);
  return [...counts].map(([kind, count]) => `${kind} ${count}`).join(', ');
}

function findingTable(views: readonly StrategyView[], color: boolean): string[] {
  const columns: Column[] = [
    { header: 'strategy', align: 'left' },
    { header: 'findings', align: 'right' },
    { header: 'kinds', align: 'left' },
    { header: 'first finding', align: 'left' },
  ];
  const rows: Row[] = views.map((view) => {
    const first = view.findings[0];
    return {
      cells: [
        view.strategy,
        formatCount(view.findings.length),
        findingKinds(view.findings),
        first ? `${first.kind}: ${first.summary} (seed ${first.seed})` : '',
      ],
      ...(first ? { emphasis: 'warn' as const } : {}),
    };
  });
  return renderTable(columns, rows, color);
}

function scenarioSection(scenario: ScenarioResult, strategies: readonly string[], color: boolean): string[] {
  const views = strategyViews(scenario, strategies);
  const title = terminalSafe(`${scenario.name}: ${scenario.title}`);
  const lines = [color ? `${ANSI.bold}${title}${ANSI.reset}` : title, '='.repeat(width(title)), ''];
  lines.push(...classTable(views, color), '');
  lines.push(
    `throughput, all classes: ${views.map((view) => `${terminalSafe(view.strategy)} ${formatRate(view.throughput)} req/s`).join(', ')}`,
    '',
  );
  lines.push(...lockTable(views, color), '');
  const counters = counterTable(views, color);
  if (counters.length > 0) lines.push(...counters, '');
  lines.push(...findingTable(views, color));
  return lines;
}

/** Every scenario's tables, with a header naming the run; ends with a newline. */
export function formatTables(results: CompareResults, options: TableOptions = {}): string {
  const color = options.color ?? false;
  const lines = [
    terminalSafe(
      `rtnlkit compare: ${results.scenarios.length} scenarios; strategies ${results.strategies.join(', ')}; ` +
        `seeds ${results.seeds.join(', ')}; ${results.clock} clock; ${results.generatedAt}`,
    ),
  ];
  if (results.seeds.length > 1) {
    lines.push(
      'Several seeds: p50, p99 and req/s are medians over seeds, max is the max over seeds, counts and totals are sums.',
    );
  }
  lines.push(`${FLAG} marks a read whose p99 is more than ${READ_RATIO_FLAG}× its uncontended p99.`);
  for (const scenario of results.scenarios) lines.push('', ...scenarioSection(scenario, results.strategies, color));
  return `${lines.join('\n')}\n`;
}
