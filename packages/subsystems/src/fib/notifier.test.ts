import { describe, expect, it } from 'vitest';
import { RT_SCOPE } from './constants';
import { registerFibNotifier } from './notifier';
import { fibNet } from './table';
import { addRoute, fibWorld, routeAnswer, upDevices } from './test-support';

describe('fib_seq and register_fib_notifier', () => {
  it('replays the tables, then hears the changes', async () => {
    const { rtnl, table } = await fibWorld();
    await upDevices(rtnl, 'ifb0');
    const ifb0 = table.getByName('ifb0')?.ifindex as number;
    await routeAnswer(rtnl, addRoute({ dst: '198.51.100.0', len: 24, oif: ifb0, scope: RT_SCOPE.LINK }));
    const seen: string[] = [];
    const unregister = await registerFibNotifier(fibNet(rtnl.initNet), {
      event: (event, route) => {
        seen.push(`${event} ${route.dst.toString(16)}/${route.dstLen}`);
      },
    });
    await routeAnswer(rtnl, addRoute({ dst: '203.0.113.0', len: 24, gw: '198.51.100.2' }));
    expect(seen).toEqual(['ENTRY_REPLACE c6336400/24', 'ENTRY_REPLACE cb007100/24']);
    unregister();
  });

  it('with the seqcount, a change during the replay is seen: the replay runs again', async () => {
    const { rtnl, table } = await fibWorld({ fibSeq: 'seqcount' });
    await upDevices(rtnl, 'ifb0');
    const ifb0 = table.getByName('ifb0')?.ifindex as number;
    await routeAnswer(rtnl, addRoute({ dst: '198.51.100.0', len: 24, oif: ifb0, scope: RT_SCOPE.LINK }));
    const fib = fibNet(rtnl.initNet);
    let replays = 0;
    let raced = false;
    await registerFibNotifier(fib, {
      event: async () => {
        replays += 1;
        if (!raced) {
          raced = true;
          await routeAnswer(rtnl, addRoute({ dst: '10.0.0.0', len: 8, oif: ifb0, scope: RT_SCOPE.LINK }));
        }
      },
      flush: () => {},
    });
    // first attempt: 1 route, inconsistent; second: 2 routes
    expect(replays).toBe(3);
  });

  it('the atomic counter moves once per change, after the link; the seqcount twice, around it', async () => {
    for (const mode of ['atomic', 'seqcount'] as const) {
      const { rtnl, table } = await fibWorld({ fibSeq: mode });
      await upDevices(rtnl, 'ifb0');
      const fib = fibNet(rtnl.initNet);
      const before = fib.seq.read();
      const ifb0 = table.getByName('ifb0')?.ifindex as number;
      await routeAnswer(rtnl, addRoute({ dst: '198.51.100.0', len: 24, oif: ifb0, scope: RT_SCOPE.LINK }));
      expect(fib.seq.read() - before).toBe(mode === 'atomic' ? 1 : 2);
    }
  });
});
