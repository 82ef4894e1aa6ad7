/**
 * `npm run load -- [--requests N] [--sockets N] [--strategy NAME] [--seed N]`: the load run of
 * issue 10 at full size (50,000 requests from 200 sockets under each strategy by default); the
 * checks are those of `packages/compare/src/load/load.ts`. Exits 1 on any violation.
 */
import { parseArgs } from 'node:util';
import { runLoad } from '../packages/compare/src/load/load';
import { STRATEGY_VARIANTS } from '../packages/compare/src/strategies';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '50000' },
    sockets: { type: 'string', default: '200' },
    strategy: { type: 'string' },
    seed: { type: 'string', default: '10' },
  },
});
const variants = STRATEGY_VARIANTS.filter((v) => !values.strategy || v.name === values.strategy);
if (variants.length === 0) throw new Error(`no strategy ${values.strategy}`);
let violations = 0;
for (const variant of variants) {
  const t0 = performance.now();
  const stats = await runLoad(variant, {
    requests: Number(values.requests),
    sockets: Number(values.sockets),
    seed: Number(values.seed),
  });
  violations += stats.violations.length;
  console.log(
    `${variant.name}: ${stats.requests} requests on ${stats.sockets} sockets in ` +
      `${((performance.now() - t0) / 1000).toFixed(1)} s (${(stats.virtualMs / 1000).toFixed(1)} s virtual)\n` +
      `  answers ${JSON.stringify(stats.answers)}\n` +
      `  ${stats.dumps} dumps (${stats.dumpMessages} messages); ${stats.notifications} notifications read ` +
      `(${stats.keeperNotifications} by keepers), ${stats.dropped} dropped; laggards overflowed (ENOBUFS) / kept up: ` +
      `${stats.laggardsOverflowed} / ${stats.laggardsKeptUp}\n  violations: ${stats.violations.length}`,
  );
  for (const v of stats.violations) console.log(`    ${v}`);
}
process.exitCode = violations ? 1 : 0;
