/**
 * `npm run soak -- [--requests N] [--round N] [--warmup N] [--strategy NAME]`: the soak of issue
 * 10. One rtnlkit instance serves the load mix (`packages/compare/src/load/load.ts`) in rounds of
 * `--round` requests until `--requests` (default 1,000,000 in rounds of 50,000); the heap is
 * measured after `global.gc()` once the `--warmup` rounds are done (default 2) and at the end.
 * Fails when it grew by 5% or more, or on any violation of the load checks. Needs `--expose-gc`
 * (the npm script passes it).
 */
import { parseArgs } from 'node:util';
import { runLoad } from '../packages/compare/src/load/load';
import { STRATEGY_VARIANTS } from '../packages/compare/src/strategies';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000000' },
    round: { type: 'string', default: '50000' },
    warmup: { type: 'string', default: '2' },
    strategy: { type: 'string', default: 'finegrained' },
    seed: { type: 'string', default: '10' },
  },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run node with --expose-gc (npm run soak does)');
const variant = STRATEGY_VARIANTS.find((v) => v.name === values.strategy);
if (!variant) throw new Error(`no strategy ${values.strategy}`);
const perRound = Number(values.round);
const rounds = Math.ceil(Number(values.requests) / perRound);
const warmup = Number(values.warmup);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const heap = () => {
  // Twice: the first pass may only queue finalisers.
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
let afterWarmup = 0;
// Measured at the end of each round, while the instance is alive: after runLoad returns it is
// garbage, and a heap measured then says nothing about its growth.
let end = 0;
let peak = 0;
const t0 = performance.now();
const stats = await runLoad(variant, {
  requests: perRound,
  seed: Number(values.seed),
  rounds,
  onRound(round, s) {
    const used = heap();
    if (round + 1 === warmup) afterWarmup = used;
    if (round + 1 >= warmup) peak = Math.max(peak, used);
    end = used;
    console.log(
      `round ${round + 1}/${rounds}: ${s.requests} requests, heap ${mib(used)}, ` +
        `${((performance.now() - t0) / 1000).toFixed(0)} s, violations ${s.violations.length}`,
    );
  },
});
const growth = afterWarmup ? (end - afterWarmup) / afterWarmup : 0;
console.log(
  `soak ${variant.name}: ${stats.requests} requests; heap after warm-up (${warmup} rounds) ${mib(afterWarmup)}, ` +
    `at the end ${mib(end)} (peak ${mib(peak)}), growth ${(growth * 100).toFixed(2)}% (limit 5%); ` +
    `violations ${stats.violations.length}`,
);
for (const v of stats.violations) console.log(`  ${v}`);
process.exitCode = stats.violations.length || growth >= 0.05 ? 1 : 0;
