/**
 * core.task: what task identity costs code that takes no lock. Each figure comes from a fresh
 * child process (AsyncLocalStorage, once used, slows every later await in its process).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchSuite } from '../../../../scripts/bench/kit';

const child = fileURLToPath(new URL('./promise-heavy.child.ts', import.meta.url));

function measure(mode: 'plain' | 'loaded' | 'ambient'): number {
  const result = spawnSync(process.execPath, ['--import', 'tsx', child, mode, '600'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${mode} child failed: ${result.stderr}`);
  return (JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { opsPerSecond: number }).opsPerSecond;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const suite: BenchSuite = {
  suite: 'core.task',
  async run(kit) {
    const runs = { plain: [] as number[], loaded: [] as number[], ambient: [] as number[] };
    for (let i = 0; i < 3; i++)
      for (const mode of ['plain', 'loaded', 'ambient'] as const) runs[mode].push(measure(mode));
    kit.record({
      name: 'promise-heavy code, no lock taken: rtnlkit loaded (explicit tasks)',
      unit: 'awaits/s',
      better: 'higher',
      ours: median(runs.loaded),
      baselineName: 'without rtnlkit',
      baseline: median(runs.plain),
    });
    kit.record({
      name: 'promise-heavy code inside an ambient (AsyncLocalStorage) task',
      unit: 'awaits/s',
      better: 'higher',
      ours: median(runs.ambient),
      baselineName: 'without rtnlkit',
      baseline: median(runs.plain),
    });
  },
};

export default suite;
