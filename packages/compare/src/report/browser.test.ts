/**
 * Issue 9's "Must show": the written report opens in headless Chromium (playwright-core driving
 * the system's chromium, Debian's package) with no console error and every chart drawn, and a
 * full-page screenshot is kept in `test-output/report.png`. Without a chromium the test skips and
 * says why; `scripts/ensure-chromium.mjs` installs one first when it can.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runCompare } from '../compare';
import { slowUnregister } from '../scenarios/index';
import { syntheticResults } from './fixture';
import { writeReport } from './write';

/** `CHROMIUM_PATH` if set, else Debian's `/usr/bin/chromium`, else a chromium on the PATH. */
function findChromium(): string | undefined {
  const override = process.env.CHROMIUM_PATH;
  if (override) return existsSync(override) ? override : undefined;
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .flatMap((dir) => [join(dir, 'chromium'), join(dir, 'chromium-browser')]);
  return ['/usr/bin/chromium', ...onPath].find((candidate) => existsSync(candidate));
}

const executablePath = findChromium();
if (!executablePath) {
  console.warn(
    'report browser test skipped: no chromium found (set CHROMIUM_PATH, or install Debian\'s "chromium" package; ' +
      '`node scripts/ensure-chromium.mjs` does it as root)',
  );
}

const outputDir = fileURLToPath(new URL('../../test-output/', import.meta.url));

interface ChartState {
  name: string;
  width: number;
  height: number;
  marks: number;
}

describe.skipIf(!executablePath)('the HTML report in headless Chromium', () => {
  it.each([
    ['the synthetic results', 'report', () => Promise.resolve(syntheticResults())],
    // A real run too: the figures, timelines and names a comparison really produces.
    ['a real run of slow-unregister', 'report-real', () => runCompare({ scenarios: [slowUnregister], seeds: [1] })],
  ] as const)(
    'renders every chart of %s with no console error, and keeps a screenshot',
    async (_what, name, make) => {
      const results = await make();
      const { html } = await writeReport(results, join(outputDir, name));
      // The sandbox needs user namespaces that a root shell in a container often lacks.
      const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
      const browser = await chromium.launch({ executablePath: executablePath ?? '', args });
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        const errors: string[] = [];
        const requests: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(message.text());
        });
        page.on('pageerror', (error) => errors.push(error.message));
        page.on('request', (request) => {
          if (!request.url().startsWith('file:')) requests.push(request.url());
        });
        await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });

        const charts: ChartState[] = await page.$$eval('figure.chart', (figures) =>
          figures.map((figure) => {
            const svg = figure.querySelector('svg');
            const box = svg?.getBoundingClientRect();
            return {
              name: figure.getAttribute('data-chart') ?? '',
              width: box?.width ?? 0,
              height: box?.height ?? 0,
              marks: svg?.querySelectorAll('.role-mark > path, .role-mark > line').length ?? 0,
            };
          }),
        );
        const expected = results.scenarios.reduce((total, scenario) => {
          const classes = new Set(scenario.runs.flatMap((run) => run.classes.map((cls) => cls.name)));
          return total + classes.size + 2 + results.strategies.length;
        }, 0);
        expect(charts).toHaveLength(expected);
        for (const chart of charts) {
          expect(chart.width, chart.name).toBeGreaterThan(100);
          expect(chart.height, chart.name).toBeGreaterThan(40); // a timeline of few tasks is short
          expect(chart.marks, chart.name).toBeGreaterThan(0);
        }
        expect(errors).toEqual([]);
        expect(requests).toEqual([]);

        await page.screenshot({ path: join(outputDir, `${name}.png`), fullPage: true });
        expect(existsSync(join(outputDir, `${name}.png`))).toBe(true);
      } finally {
        await browser.close();
      }
    },
    30_000,
  );
});
