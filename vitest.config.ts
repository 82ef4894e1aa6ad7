import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const folders = (group: string) =>
  readdirSync(new URL(`./${group}`, import.meta.url), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
const packages = folders('packages');
const examples = folders('examples');

export default defineConfig({
  resolve: {
    // Tests run against the sources: `@rtnlkit/x` and `@rtnlkit/x/sub` resolve to packages/x/src.
    alias: [
      { find: /^@rtnlkit\/([^/]+)$/, replacement: `${root}packages/$1/src/index.ts` },
      { find: /^@rtnlkit\/([^/]+)\/(.+)$/, replacement: `${root}packages/$1/src/$2/index.ts` },
    ],
  },
  test: {
    reporters: ['default', './scripts/vitest-summary-reporter.ts'],
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: { name, root: `${root}packages/${name}`, include: ['src/**/*.test.ts'] },
      })),
      ...examples.map((name) => ({
        extends: true as const,
        test: { name: `example-${name}`, root: `${root}examples/${name}`, include: ['src/**/*.test.ts'] },
      })),
      {
        extends: true as const,
        test: { name: 'workspace', root, include: ['scripts/**/*.test.ts', 'conformance/**/*.test.ts'] },
      },
    ],
  },
});
