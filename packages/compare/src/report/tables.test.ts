import { describe, expect, it } from 'vitest';
import { syntheticResults } from './fixture';
import type { CompareResults } from './results';
import { FLAG, formatTables, terminalSafe } from './tables';

/** The rows of the request-class table of one scenario, split on the two-space column gaps. */
function classRows(text: string, scenario: string): string[][] {
  const section = text.split(`${scenario}: `)[1] ?? '';
  const table = section.split('\nthroughput')[0] ?? '';
  return table
    .split('\n')
    .filter((line) => / (read|write) /.test(line))
    .map((line) => line.trim().split(/ {2,}/));
}

describe('formatTables', () => {
  const results = syntheticResults();
  const text = formatTables(results);

  it('names the run and explains how seeds merge', () => {
    const header = text.split('\n').slice(0, 3).join('\n');
    expect(header).toContain('strategies global, elided, elided-pernet, finegrained');
    expect(header).toContain('seeds 1, 2');
    expect(header).toContain('virtual clock');
    expect(header).toContain('medians over seeds');
    expect(formatTables(syntheticResults([7]))).not.toContain('medians over seeds');
  });

  it('has a row per request class and strategy, and the lock, counter and finding tables', () => {
    for (const scenario of results.scenarios) {
      expect(text).toContain(`${scenario.name}: ${scenario.title}`);
      const rows = classRows(text, scenario.name);
      const classes = new Set(scenario.runs.flatMap((run) => run.classes.map((cls) => cls.name)));
      expect(rows).toHaveLength(classes.size * results.strategies.length);
    }
    expect(text).toMatch(/^rtnl +global +\d+ +\d+ /m);
    expect(text).toMatch(/^fib +finegrained /m);
    expect(text).toContain('dumps flagged DUMP_INTR');
    expect(text).toMatch(/^finegrained +3 +deadlock 1, partial-change 1, fault 1 +deadlock: 2 tasks stuck/m);
    expect(text).toMatch(/^global +0$/m);
  });

  it('aligns every column: the right-aligned figures end at the same column in every row', () => {
    const lines = text.split('\n');
    const headerIndex = lines.findIndex((line) => line.startsWith('request class'));
    const header = lines[headerIndex] ?? '';
    const p99End = header.indexOf('p99 ms') + 'p99 ms'.length;
    const rows = lines.slice(headerIndex + 1).filter((line) => / (read|write) /.test(line));
    expect(rows.length).toBeGreaterThan(4);
    for (const row of rows.slice(0, 16)) {
      expect(row[p99End - 1]).not.toBe(' ');
      expect(row[p99End]).toBe(' ');
    }
  });

  it('flags reads whose p99 ratio is over 1.1, never writes', () => {
    for (const scenario of ['slow-unregister', 'route-churn']) {
      for (const cells of classRows(text, scenario)) {
        const [, kind, , , , , , , , ratioText] = cells;
        const ratio = ratioText === '∞×' ? Number.POSITIVE_INFINITY : Number.parseFloat(ratioText ?? '');
        const flagged = cells.includes(FLAG);
        expect(flagged).toBe(kind === 'read' && ratio > 1.1);
      }
    }
    expect(classRows(text, 'slow-unregister').find((cells) => cells[0] === 'dump-links')).toContain(FLAG);
    expect(text).toMatch(/^add-route +write +global .*×( {2,}|$)/m);
  });

  it('shows a ratio of an uncontended p99 of 0 as infinite', () => {
    const lookup = classRows(text, 'slow-unregister').find(
      (cells) => cells[0] === 'route-lookup' && cells[2] === 'global',
    );
    expect(lookup).toContain('∞×');
  });

  it('escapes control characters so a name cannot break the table or drive the terminal', () => {
    const hostile: CompareResults = structuredClone(results);
    const run = hostile.scenarios[0]?.runs[0];
    const cls = run?.classes[0];
    if (!run || !cls) throw new Error('fixture has no class');
    cls.name = 'evil\u001b[2Jname\nsecond line';
    run.findings = [{ kind: 'fault', summary: 'tab\there\rand\u0007bell' }];
    const out = formatTables(hostile);
    expect(out).not.toContain('\u001b');
    expect(out).not.toContain('\u0007');
    expect(out).toContain('evil\\x1b[2Jname\\nsecond line');
    expect(out).toContain('tab\\there\\rand\\x07bell');
    expect(terminalSafe('plain ünïcode ×')).toBe('plain ünïcode ×');
  });

  it('colours headers and flagged rows only when asked', () => {
    expect(text).not.toContain('\u001b[');
    const coloured = formatTables(results, { color: true });
    expect(coloured).toContain('\u001b[1mrequest class');
    const flaggedRow = coloured.split('\n').find((line) => line.includes('dump-links') && line.includes('global'));
    expect(flaggedRow?.startsWith('\u001b[31mdump-links')).toBe(true);
  });
});
