/**
 * `npm run bench -- [--suite NAME] [--json FILE] [--quick]`: runs every `*.bench.ts` under
 * packages/ (or the suites whose name starts with NAME) and prints each figure beside its
 * baseline; `--json` also writes `{ "rows": [...] }` in DESIGN.md's format.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type BenchRow, type BenchSuite, createKit } from './bench/kit';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    suite: { type: 'string' },
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
  strict: true,
});

function benchFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...benchFiles(path));
    else if (entry.endsWith('.bench.ts')) out.push(path);
  }
  return out.sort();
}

const format = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(n < 10 ? 3 : 1);

const rows: BenchRow[] = [];
const wanted = values.suite;
let ran = 0;
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
);
for (const file of benchFiles(join(root, 'packages'))) {
  const suite = ((await import(pathToFileURL(file).href)) as { default: BenchSuite }).default;
  if (wanted && !(suite.suite === wanted || suite.suite.startsWith(`${wanted}.`))) continue;
  ran += 1;
  console.log(`\n${suite.suite}  (${relative(root, file)})`);
  const before = rows.length;
  await suite.run(createKit(suite.suite, rows, values.quick ? { time: 150 } : {}));
  for (const row of rows.slice(before)) {
    const base =
      row.baseline === undefined
        ? ''
        : `   vs ${row.baselineName}: ${format(row.baseline)} ${row.unit}   ratio ${row.ratio?.toFixed(2)}×`;
    console.log(`  ${row.name.padEnd(58)} ${format(row.ours).padStart(9)} ${row.unit}${base}`);
  }
}
if (ran === 0) {
  console.error(`no benchmark suite matches ${JSON.stringify(wanted)}`);
  process.exit(2);
}
if (values.json) {
  writeFileSync(values.json, `${JSON.stringify({ rows }, null, 2)}\n`);
  console.log(`\nwrote ${rows.length} rows to ${values.json}`);
}
