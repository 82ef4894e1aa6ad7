import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticResults } from './fixture';
import { escapeHtml, renderHtmlReport } from './html';
import type { CompareResults } from './results';

/** Each chart figure of the page: its `data-chart` name and its markup. */
function figures(html: string): { name: string; markup: string }[] {
  return [...html.matchAll(/<figure class="chart" data-chart="([^"]+)">([\s\S]*?)<\/figure>/g)].map((match) => ({
    name: match[1] ?? '',
    markup: match[2] ?? '',
  }));
}

describe('renderHtmlReport', () => {
  const results = syntheticResults();
  let html = '';
  beforeAll(async () => {
    html = await renderHtmlReport(results);
  }, 30_000);

  it('is self-contained: no URL, no script, no external resource', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\ssrc=|<script|<link|@import|url\(/i);
    expect(html).toMatch(/<style>[\s\S]+<\/style>/);
  });

  it('names the run in its header', () => {
    const header = html.split('</header>')[0] ?? '';
    for (const text of ['2026-11-25T07:00:00.000Z', 'virtual', '1, 2', 'global, elided, elided-pernet, finegrained']) {
      expect(header).toContain(text);
    }
  });

  it('has every scenario with its description, and every strategy in each', () => {
    for (const scenario of results.scenarios) {
      const section = html.split(`<section class="scenario" id="${scenario.name}">`)[1]?.split('</section>')[0] ?? '';
      expect(section).toContain(escapeHtml(scenario.title));
      expect(section).toContain(escapeHtml(scenario.description));
      for (const strategy of results.strategies) {
        expect(section).toContain(`data-chart="${scenario.name}--timeline--${strategy}"`);
        expect(section).toMatch(new RegExp(`<td class="text">${strategy}</td>`));
        expect(section).toContain(`<strong>${strategy}</strong>`);
      }
    }
  });

  it('renders every chart as an SVG with marks', () => {
    const charts = figures(html);
    const expected = results.scenarios.reduce((total, scenario) => {
      const classes = new Set(scenario.runs.flatMap((run) => run.classes.map((cls) => cls.name)));
      return total + classes.size + 2 + results.strategies.length;
    }, 0);
    expect(charts).toHaveLength(expected);
    for (const chart of charts) {
      expect(chart.markup, chart.name).toMatch(/<svg [^>]*width="\d/);
      const kind = chart.name.includes('--cdf--') ? 'line' : 'rect';
      expect(chart.markup, chart.name).toMatch(new RegExp(`class="mark-${kind} role-mark[^"]*"[^>]*>\\s*<path`));
    }
  });

  it('flags slow reads, lists findings with their detail folded', () => {
    expect(html).toMatch(
      /<tr class="group-start flag"><td class="text">dump-links<\/td><td class="text">read<\/td><td class="text">global<\/td>/,
    );
    expect(html).toContain('<span class="kind">lockdep</span> possible circular locking dependency');
    expect(html).toMatch(
      /<details><summary>detail<\/summary><pre>=+\nWARNING: possible circular locking dependency detected/,
    );
  });

  it('says "nothing recorded" instead of drawing an empty chart', async () => {
    const sparse: CompareResults = structuredClone(syntheticResults([1]));
    for (const run of sparse.scenarios[0]?.runs ?? []) {
      run.timeline = [];
      run.timelineTruncated = false;
      run.locks = [];
    }
    const page = await renderHtmlReport(sparse);
    expect(page).toContain(
      'data-chart="slow-unregister--timeline--global"><strong>global (seed 1, 0 intervals)</strong>: nothing recorded.',
    );
    expect(page).toContain('<strong>lock wait per lock class</strong>: nothing recorded.');
    expect(figures(page).some((chart) => chart.name === 'slow-unregister--timeline--global')).toBe(false);
  }, 30_000);

  it('escapes every text it shows', async () => {
    const hostile: CompareResults = structuredClone(syntheticResults([1]));
    const scenario = hostile.scenarios[0];
    const run = scenario?.runs[0];
    const cls = run?.classes[0];
    if (!scenario || !run || !cls) throw new Error('fixture has no class');
    scenario.title = '<script>alert("title")</script>';
    scenario.description = 'a & b <i>not italic</i>';
    cls.name = '<img src=x onerror=alert(1)>';
    run.findings = [{ kind: 'fault', summary: '</li><script>', detail: '</pre></details><b>' }];
    const page = await renderHtmlReport(hostile);
    expect(page).not.toMatch(/<script|<img|<i>|<\/pre><\/details><b>|<\/li><script>/);
    expect(page).toContain('&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;');
    expect(page).toContain('a &amp; b &lt;i&gt;not italic&lt;/i&gt;');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  }, 30_000);
});
