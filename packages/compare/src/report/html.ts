/**
 * The HTML report of `rtnlkit compare`: one self-contained page (inline CSS, charts as inline SVG
 * drawn in Node by Vega, no script, no URL), readable offline and printable. Per scenario: its
 * description, the summary tables, latency CDFs per request class, lock wait bars, a lock timeline
 * per strategy and the findings. Seeds merge as `aggregate.ts` says.
 */
import { isFlaggedRead, READ_RATIO_FLAG, type StrategyView, strategyViews } from './aggregate';
import { cdfChart, classWaitChart, lockWaitChart, timelineChart } from './charts';
import { formatCount, formatMs, formatRate, formatRatio } from './numbers';
import type { CompareResults, ScenarioResult } from './results';
import { renderSvg } from './svg';
import { findingKinds } from './tables';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

/** A fragment id made of the safe characters of a name (scenario names are kebab-case already). */
function anchor(...parts: string[]): string {
  return parts.map((part) => part.toLowerCase().replace(/[^a-z0-9-]+/g, '_')).join('--');
}

const STYLE = `
:root { color-scheme: light; --ink: #1d232a; --muted: #5b6570; --rule: #d8dde3; --flag: #fde4e1; --warn: #fff4d6; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1180px; padding: 24px 28px 64px; font: 15px/1.5 system-ui, sans-serif; color: var(--ink); }
h1 { font-size: 26px; margin: 0 0 8px; }
h2 { font-size: 21px; margin: 40px 0 4px; padding-top: 12px; border-top: 2px solid var(--ink); }
h2 code { font-size: 15px; color: var(--muted); font-weight: normal; }
h3 { font-size: 16px; margin: 24px 0 8px; }
p { max-width: 75ch; }
.run { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
.run dt { color: var(--muted); }
.run dd { margin: 0; }
.note { color: var(--muted); font-size: 13px; }
nav ul { padding-left: 20px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px; margin: 8px 0 16px; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--rule); text-align: right; white-space: nowrap; }
th { background: #f3f5f7; }
th.text, td.text { text-align: left; }
tr.group-start td { border-top: 1px solid var(--muted); }
tr.flag td { background: var(--flag); }
.charts { display: flex; flex-wrap: wrap; gap: 12px 24px; }
figure.chart { margin: 0; }
figure.chart figcaption { font-size: 13px; font-weight: 600; margin-bottom: 2px; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
.findings li { margin: 4px 0; }
.kind { font-family: ui-monospace, monospace; background: var(--warn); padding: 0 4px; border-radius: 3px; }
details pre { background: #f6f7f9; padding: 8px; overflow-x: auto; font-size: 12px; }
@media print { h2 { break-before: page; } figure.chart { break-inside: avoid; } }
`;

interface Cell {
  text: string;
  isText?: boolean;
}

function table(headers: readonly Cell[], rows: readonly { cells: Cell[]; classes: string[] }[]): string {
  const cell = (tag: 'th' | 'td', c: Cell) =>
    `<${tag}${c.isText ? ' class="text"' : ''}>${escapeHtml(c.text)}</${tag}>`;
  const head = `<tr>${headers.map((c) => cell('th', c)).join('')}</tr>`;
  const body = rows
    .map((row) => {
      const classes = row.classes.length > 0 ? ` class="${row.classes.join(' ')}"` : '';
      return `<tr${classes}>${row.cells.map((c) => cell('td', c)).join('')}</tr>`;
    })
    .join('\n');
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function classTable(views: readonly StrategyView[], classNames: readonly string[]): string {
  const headers: Cell[] = [
    { text: 'request class', isText: true },
    { text: 'kind', isText: true },
    { text: 'strategy', isText: true },
    { text: 'done' },
    { text: 'errors' },
    { text: 'p50 ms' },
    { text: 'p99 ms' },
    { text: 'max ms' },
    { text: 'uncontended p99 ms' },
    { text: 'p99 ratio' },
    { text: 'req/s' },
    { text: 'lock wait ms' },
  ];
  const rows = classNames.flatMap((name) =>
    views.flatMap((view, index) => {
      const cls = view.classes.find((candidate) => candidate.name === name);
      if (!cls) return [];
      const flagged = isFlaggedRead(cls);
      return [
        {
          classes: [...(index === 0 ? ['group-start'] : []), ...(flagged ? ['flag'] : [])],
          cells: [
            { text: cls.name, isText: true },
            { text: cls.kind, isText: true },
            { text: view.strategy, isText: true },
            { text: formatCount(cls.completed) },
            { text: formatCount(cls.errors) },
            { text: formatMs(cls.latency.p50) },
            { text: formatMs(cls.latency.p99) },
            { text: formatMs(cls.latency.max) },
            { text: formatMs(cls.uncontended.p99) },
            { text: `${formatRatio(cls.p99Ratio)}${flagged ? ' ▲' : ''}` },
            { text: formatRate(cls.throughput) },
            { text: formatMs(cls.lockWait) },
          ],
        },
      ];
    }),
  );
  return table(headers, rows);
}

function lockTable(views: readonly StrategyView[]): string {
  const names = [...new Set(views.flatMap((view) => view.locks.map((lock) => lock.name)))];
  const headers: Cell[] = [
    { text: 'lock class', isText: true },
    { text: 'strategy', isText: true },
    { text: 'acquisitions' },
    { text: 'contentions' },
    { text: 'wait p99 ms' },
    { text: 'hold p99 ms' },
    { text: 'wait total ms' },
    { text: 'hold total ms' },
  ];
  const rows = names.flatMap((name) =>
    views.flatMap((view, index) => {
      const lock = view.locks.find((candidate) => candidate.name === name);
      if (!lock) return [];
      return [
        {
          classes: index === 0 ? ['group-start'] : [],
          cells: [
            { text: lock.name, isText: true },
            { text: view.strategy, isText: true },
            { text: formatCount(lock.acquisitions) },
            { text: formatCount(lock.contentions) },
            { text: formatMs(lock.waitP99) },
            { text: formatMs(lock.holdP99) },
            { text: formatMs(lock.waitTotal) },
            { text: formatMs(lock.holdTotal) },
          ],
        },
      ];
    }),
  );
  return table(headers, rows);
}

function counterTable(views: readonly StrategyView[]): string {
  const names = [...new Set(views.flatMap((view) => Object.keys(view.counters)))];
  if (names.length === 0) return '';
  const headers: Cell[] = [{ text: 'strategy', isText: true }, ...names.map((name) => ({ text: name }))];
  const rows = views.map((view) => ({
    classes: [],
    cells: [
      { text: view.strategy, isText: true },
      ...names.map((name) => ({ text: formatCount(view.counters[name] ?? 0) })),
    ],
  }));
  return table(headers, rows);
}

function findingsList(views: readonly StrategyView[]): string {
  const items = views.map((view) => {
    const heading = `<strong>${escapeHtml(view.strategy)}</strong>: ${view.findings.length} finding${view.findings.length === 1 ? '' : 's'}`;
    if (view.findings.length === 0) return `<li>${heading}</li>`;
    const findings = view.findings
      .map((finding) => {
        const line = `<span class="kind">${escapeHtml(finding.kind)}</span> ${escapeHtml(finding.summary)} <span class="note">(seed ${finding.seed})</span>`;
        const detail = finding.detail
          ? `<details><summary>detail</summary><pre>${escapeHtml(finding.detail)}</pre></details>`
          : '';
        return `<li>${line}${detail}</li>`;
      })
      .join('\n');
    return `<li>${heading} (${escapeHtml(findingKinds(view.findings))})<ul>\n${findings}\n</ul></li>`;
  });
  return `<ul class="findings">\n${items.join('\n')}\n</ul>`;
}

/** A chart in its figure; `data-chart` names it for the browser test and for readers' tools. */
async function figure(id: string, caption: string, spec: Parameters<typeof renderSvg>[0]): Promise<string> {
  // An empty chart is only axes: say plainly that there was nothing to draw.
  const data = 'data' in spec ? spec.data : undefined;
  if (data && 'values' in data && Array.isArray(data.values) && data.values.length === 0) {
    return `<p class="note chart-empty" data-chart="${escapeHtml(id)}"><strong>${escapeHtml(caption)}</strong>: nothing recorded.</p>`;
  }
  const svg = await renderSvg(spec);
  return `<figure class="chart" data-chart="${escapeHtml(id)}"><figcaption>${escapeHtml(caption)}</figcaption>${svg}</figure>`;
}

async function scenarioSection(scenario: ScenarioResult, strategies: readonly string[]): Promise<string> {
  const views = strategyViews(scenario, strategies);
  const shown = views.map((view) => view.strategy);
  const classNames = [...new Set(views.flatMap((view) => view.classes.map((cls) => cls.name)))];
  const kindOf = (name: string) => views.flatMap((view) => view.classes).find((cls) => cls.name === name)?.kind ?? '';
  const [cdfs, waits, timelines] = await Promise.all([
    Promise.all(
      classNames.map((name) =>
        figure(anchor(scenario.name, 'cdf', name), `${name} (${kindOf(name)})`, cdfChart(name, views, shown)),
      ),
    ),
    Promise.all([
      figure(anchor(scenario.name, 'lock-wait'), 'lock wait per lock class', lockWaitChart(views, shown)),
      figure(anchor(scenario.name, 'class-wait'), 'lock wait per request class', classWaitChart(views, shown)),
    ]),
    Promise.all(
      views.map((view) => {
        const cut = view.timelineTruncated ? ', first intervals only' : '';
        const caption = `${view.strategy} (seed ${view.timelineSeed ?? '-'}, ${view.timeline.length} intervals${cut})`;
        return figure(anchor(scenario.name, 'timeline', view.strategy), caption, timelineChart(view));
      }),
    ),
  ]);
  const throughput = views.map((view) => `${view.strategy} ${formatRate(view.throughput)} req/s`).join(', ');
  return `<section class="scenario" id="${anchor(scenario.name)}">
<h2>${escapeHtml(scenario.title)} <code>${escapeHtml(scenario.name)}</code></h2>
<p>${escapeHtml(scenario.description)}</p>
<h3>Summary</h3>
${classTable(views, classNames)}
<p class="note">Throughput, all classes: ${escapeHtml(throughput)}. ▲ marks a read whose p99 is more than ${READ_RATIO_FLAG}× its uncontended p99.</p>
${lockTable(views)}
${counterTable(views)}
<h3>Latency CDFs</h3>
<div class="charts">
${cdfs.join('\n')}
</div>
<h3>Lock contention</h3>
<div class="charts">
${waits.join('\n')}
</div>
<h3>Lock timelines</h3>
<p class="note">A row per task: the upper, paler lane is waiting for the lock, the lower lane holding it.</p>
<div class="charts">
${timelines.join('\n')}
</div>
<h3>Findings</h3>
${findingsList(views)}
</section>`;
}

/** The whole report as one HTML document (async: Vega renders asynchronously). */
export async function renderHtmlReport(results: CompareResults): Promise<string> {
  const sections = await Promise.all(
    results.scenarios.map((scenario) => scenarioSection(scenario, results.strategies)),
  );
  const seedNote =
    results.seeds.length > 1
      ? '<p class="note">Several seeds: p50, p99 and req/s are medians over seeds, max is the max over seeds, counts and totals are sums, CDFs pool every seed, timelines show the first seed.</p>'
      : '';
  const toc = results.scenarios
    .map((scenario) => `<li><a href="#${anchor(scenario.name)}">${escapeHtml(scenario.title)}</a></li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rtnlkit compare, ${escapeHtml(results.generatedAt)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>rtnlkit compare</h1>
<dl class="run">
<dt>date</dt><dd>${escapeHtml(results.generatedAt)}</dd>
<dt>clock</dt><dd>${escapeHtml(results.clock)}</dd>
<dt>seeds</dt><dd>${escapeHtml(results.seeds.join(', '))}</dd>
<dt>strategies</dt><dd>${escapeHtml(results.strategies.join(', '))}</dd>
<dt>results version</dt><dd>${escapeHtml(String(results.version))}</dd>
</dl>
${seedNote}
<nav><ul>
${toc}
</ul></nav>
</header>
<main>
${sections.join('\n')}
</main>
</body>
</html>
`;
}
