import { defineConfig, type Options } from 'tsup';

/**
 * The one build recipe every package shares: ESM + CJS + declarations for both, Node 20 target.
 * `entry` maps output names to sources, e.g. `{ index: 'src/index.ts', testing: 'src/testing/index.ts' }`.
 */
export function packageBuild(entry: Record<string, string> = { index: 'src/index.ts' }, extra: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    treeshake: true,
    ...extra,
  });
}
