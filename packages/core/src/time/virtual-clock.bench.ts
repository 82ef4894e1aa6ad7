/** core.clock: how many timer events per second the virtual clock fires. */
import type { BenchSuite } from '../../../../scripts/bench/kit';
import { SeededRandom } from './random';
import { VirtualClock } from './virtual-clock';

const TASKS = 100;
const SLEEPS = 20;

const suite: BenchSuite = {
  suite: 'core.clock',
  async run(kit) {
    for (const seed of [undefined, 1]) {
      const events = await kit.opsPerSecond({
        ops: TASKS * SLEEPS,
        async run() {
          const clock = new VirtualClock(seed === undefined ? {} : { seed });
          const random = new SeededRandom(9);
          await clock.run(() =>
            Promise.all(
              Array.from({ length: TASKS }, async () => {
                for (let i = 0; i < SLEEPS; i++) await clock.sleep(1 + random.int(5));
              }),
            ),
          );
        },
      });
      kit.record({
        name: `virtual clock: ${TASKS} tasks sleeping, ${seed === undefined ? 'creation order' : 'seeded order'}`,
        unit: 'events/s',
        better: 'higher',
        ours: events,
      });
    }
  },
};

export default suite;
