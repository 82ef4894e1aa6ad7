import { Errno, RTN } from '@rtnlkit/core';
import { describe, expect, it } from 'vitest';
import { RT_SCOPE, RT_TABLE } from './constants';
import { FibRes, type FibResult, fibLookup, fibLookupRes, fibTableLookup, fibTableLookupRes } from './lookup';
import { ipv4ToU32 } from './lpm';
import { fibNet } from './table';
import { addRoute, fibWorld, routeAnswer, upDevices } from './test-support';

const LINK = RT_SCOPE.LINK;

async function world() {
  const w = await fibWorld();
  await upDevices(w.rtnl, 'ifb0', 'ifb1');
  const ifb0 = w.table.getByName('ifb0')?.ifindex as number;
  const ifb1 = w.table.getByName('ifb1')?.ifindex as number;
  const add = async (spec: Parameters<typeof addRoute>[0]) => {
    const [errno] = await routeAnswer(w.rtnl, addRoute(spec));
    if (errno) throw new Error(`route add failed: errno ${errno}`);
  };
  return { ...w, ifb0, ifb1, add, fib: fibNet(w.rtnl.initNet) };
}

/** The fields both APIs answer, for comparing them. */
const fields = (r: FibResult | number) =>
  typeof r === 'number' ? r : ([r.table.id, r.prefix, r.prefixLen, r.alias, r.nh?.oif, r.type, r.scope] as const);

describe('fib_lookup into a caller-owned fib_result', () => {
  it('answers what the object API answers: longest prefix, tos, scope, oif, backtracking, errnos', async () => {
    const { fib, ifb0, ifb1, add } = await world();
    await add({ dst: '10.0.0.0', len: 8, oif: ifb0, scope: LINK });
    await add({ dst: '10.1.0.0', len: 16, oif: ifb1, scope: LINK });
    await add({ dst: '10.1.2.0', len: 24, oif: ifb1, scope: LINK, tos: 0x10 });
    await add({ dst: '10.9.0.0', len: 16, type: RTN.BLACKHOLE });
    await add({ dst: '192.0.2.0', len: 24, type: RTN.LOCAL, table: RT_TABLE.LOCAL, oif: ifb0, scope: RT_SCOPE.HOST });
    await add({ dst: '192.0.0.0', len: 16, oif: ifb1, scope: LINK });
    const res = new FibRes();
    const flows = [
      { daddr: ipv4ToU32('10.1.2.3') }, // /24 needs tos 0x10: backtracks to /16
      { daddr: ipv4ToU32('10.1.2.3'), tos: 0x10 },
      { daddr: ipv4ToU32('10.1.2.3'), oif: ifb0 }, // only 10/8 leaves through ifb0
      { daddr: ipv4ToU32('10.1.2.3'), scope: RT_SCOPE.HOST }, // every route is narrower
      { daddr: ipv4ToU32('10.9.9.9') }, // blackhole: EINVAL
      { daddr: ipv4ToU32('192.0.2.9') }, // local /24 beats main's /16
      { daddr: ipv4ToU32('192.0.3.9') },
      { daddr: ipv4ToU32('198.51.100.1') }, // nothing: ENETUNREACH
    ];
    const answers = flows.map((f) => {
      const err = fibLookupRes(fib, res, f.daddr, f.oif, f.scope, f.tos);
      return err === 0 ? [res.table.id, res.prefixLen, res.nh?.oif, res.type] : err;
    });
    // What the object API answered before fib_result became the caller's.
    expect(answers).toEqual([
      [RT_TABLE.MAIN, 16, ifb1, RTN.UNICAST],
      [RT_TABLE.MAIN, 24, ifb1, RTN.UNICAST],
      [RT_TABLE.MAIN, 8, ifb0, RTN.UNICAST],
      Errno.ENETUNREACH,
      Errno.EINVAL,
      [RT_TABLE.LOCAL, 24, ifb0, RTN.LOCAL],
      [RT_TABLE.MAIN, 16, ifb1, RTN.UNICAST],
      Errno.ENETUNREACH,
    ]);
    for (const flow of flows) {
      const err = fibLookupRes(fib, res, flow.daddr, flow.oif, flow.scope, flow.tos);
      expect(err === 0 ? fields(res) : err).toEqual(fields(fibLookup(fib, flow)));
    }
    expect(fibLookupRes(fib, res, ipv4ToU32('10.1.2.3'))).toBe(0);
    expect([res.prefixLen, res.nh?.oif]).toEqual([16, ifb1]);
    expect(fibLookupRes(fib, res, ipv4ToU32('192.0.2.9'))).toBe(0);
    expect([res.table.id, res.type, res.prefix]).toEqual([RT_TABLE.LOCAL, RTN.LOCAL, ipv4ToU32('192.0.2.0')]);
    const main = fib.getTable(RT_TABLE.MAIN);
    if (!main) throw new Error('no main table');
    const addr = ipv4ToU32('10.1.2.3');
    expect(fibTableLookupRes(main, res, addr, 0, 0, 0x10, 0)).toBe(0);
    expect(fields(res)).toEqual(fields(fibTableLookup(main, { daddr: addr, tos: 0x10 })));
    expect(res.prefixLen).toBe(24);
  });

  it('hands out a fresh object from the object API, unchanged by later lookups', async () => {
    const { fib, ifb0, add } = await world();
    await add({ dst: '10.0.0.0', len: 8, oif: ifb0, scope: LINK });
    await add({ dst: '10.1.0.0', len: 16, oif: ifb0, scope: LINK });
    const first = fibLookup(fib, { daddr: ipv4ToU32('10.1.0.1') });
    const second = fibLookup(fib, { daddr: ipv4ToU32('10.2.0.1') });
    expect(typeof first !== 'number' && first.prefixLen).toBe(16);
    expect(typeof second !== 'number' && second.prefixLen).toBe(8);
  });
});
