/**
 * Load (issue 10): 200 sockets issue mixed requests at once under each strategy; see
 * `load/load.ts` for what is checked. Prints the counts of each run.
 *
 * The size: 50,000 requests under each strategy (250 per socket), 15–25 s per strategy on
 * this 2-CPU machine when it is quiet (several times that when it is busy, hence the generous
 * timeout). RTNLKIT_LOAD_REQUESTS sets another size; `npm run load` is the same run as a command.
 */
import { describe, expect, it } from 'vitest';
import { runLoad } from '../load/load';
import { STRATEGY_VARIANTS } from '../strategies';

const REQUESTS = Number(process.env.RTNLKIT_LOAD_REQUESTS ?? 50_000);

describe('load: 200 sockets, mixed requests, listeners', () => {
  for (const variant of STRATEGY_VARIANTS) {
    it(`${variant.name}: every request answered once on its own socket, notifications complete or ENOBUFS, no lock left`, async () => {
      const t0 = performance.now();
      const stats = await runLoad(variant, { sockets: 200, requests: REQUESTS, seed: 10 });
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      console.log(
        `load ${variant.name}: ${stats.requests} requests on ${stats.sockets} sockets in ${seconds} s ` +
          `(${(stats.virtualMs / 1000).toFixed(1)} s virtual); answers ${JSON.stringify(stats.answers)}; ` +
          `${stats.dumps} dumps (${stats.dumpMessages} messages); ${stats.notifications} notifications read ` +
          `(${stats.keeperNotifications} by keepers), ${stats.dropped} dropped; laggards overflowed/kept up ` +
          `${stats.laggardsOverflowed}/${stats.laggardsKeptUp}; violations ${stats.violations.length}`,
      );
      expect(stats.violations).toEqual([]);
      expect(stats.requests).toBe(REQUESTS);
      // Both kinds of slow listener happen: the small buffers overflow, the big ones keep up.
      expect(stats.laggardsOverflowed).toBe(3);
      expect(stats.laggardsKeptUp).toBe(3);
    }, 600_000);
  }
});
