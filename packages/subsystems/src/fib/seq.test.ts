/**
 * The seed's five-step missed update, played out step by step on a reader that checks its walk
 * of a table against `fib_seq` (what `register_fib_notifier` and a dump consistent against the
 * counter do): with the atomic counter the reader misses a route and believes itself
 * consistent; with the seqcount the same interleaving is caught.
 */
import { describe, expect, it } from 'vitest';
import { RT_SCOPE } from './constants';
import { fibNet } from './table';
import { addRoute, fibWorld, routeAnswer, upDevices } from './test-support';

/** A walk of main that yields after every prefix and checks fib_seq at both ends. */
async function checkedWalk(fib: ReturnType<typeof fibNet>, between: () => Promise<void>) {
  await fib.seq.stable();
  const start = fib.seq.read();
  const seen: number[] = [];
  const routes = fib.getTable(254)?.routes() ?? [];
  // The walk takes its snapshot of each key as it gets there: emulate that by re-reading the
  // table at each step from the next key on.
  let next = 0;
  for (let i = 0; i < routes.length + 1; i += 1) {
    let found: number | undefined;
    fib.getTable(254)?.forEachKey(next, (key) => {
      found = key;
      return false;
    });
    if (found === undefined) break;
    seen.push(found);
    next = found + 1;
    await between();
  }
  return { seen, consistent: fib.seq.read() === start };
}

describe('fib_seq: the five-step missed update', () => {
  for (const mode of ['atomic', 'seqcount'] as const) {
    it(`${mode}: a route linked behind the walk, counter bumped after the walk's check`, async () => {
      const { rtnl, table } = await fibWorld({ fibSeq: mode });
      await upDevices(rtnl, 'ifb0');
      const ifb0 = table.getByName('ifb0')?.ifindex as number;
      const fib = fibNet(rtnl.initNet);
      for (const dst of ['10.0.0.0', '10.2.0.0', '10.3.0.0'])
        await routeAnswer(rtnl, addRoute({ dst, len: 16, oif: ifb0, scope: RT_SCOPE.LINK }));
      // Step 3 happens while the reader is past 10.0.0.0; step 5 waits until the reader checked.
      let release: () => void = () => {};
      const bumpLater = new Promise<void>((resolve) => {
        release = resolve;
      });
      let writer: Promise<unknown> | undefined;
      let step = 0;
      const result = await checkedWalk(fib, async () => {
        step += 1;
        if (step === 2) {
          fib.preemptionPoint = () => bumpLater; // the writer is preempted between link and bump
          writer = routeAnswer(rtnl, addRoute({ dst: '10.1.0.0', len: 16, oif: ifb0, scope: RT_SCOPE.LINK }));
          // let the writer run up to its preemption point (the route is linked)
          for (let i = 0; i < 50; i += 1) await Promise.resolve();
        }
      });
      release();
      await writer;
      const missed = !result.seen.includes(0x0a010000);
      expect(missed).toBe(true); // the walk had passed 10.1.0.0's place when it was linked
      if (mode === 'atomic')
        expect(result.consistent).toBe(true); // … and believes itself consistent
      else expect(result.consistent).toBe(false); // the seqcount was odd across the link: caught
    });
  }
});
