/**
 * The whole rtnlkit side, state dumps included, against answers Linux gave (the kernel
 * captures): under every strategy the same answer passes, and one changed attribute fails with a
 * line that names it.
 */
import { Buffer } from 'node:buffer';
import { AF, buildAck, NLM_F, NLMSG, RTM, readHeader } from '@rtnlkit/core';
import { describe, expect, it } from 'vitest';
import { message } from './build';
import { datagramBytes, STATE_SEQ } from './plan';
import type { Coverage } from './rules';
import { judgeScenario } from './run-scenario';
import { STRATEGY_VARIANTS } from './strategies';
import {
  dumpParts,
  editAttr,
  FIXTURE_PORT,
  fixture,
  mapMessages,
  record,
  replayWorld,
  restamp,
  withData,
} from './test-support';
import type { Scenario, SideResult, StateKind } from './types';
import { createWorld } from './world';

const EVERYTHING: Coverage = { link: ['*'], address: ['*'], route: ['*'] };

const scenario: Scenario = {
  name: 'state-test',
  description: 'a NOOP, then the state',
  socket: { admin: true },
  steps: [{ title: 'NOOP', send: message(NLMSG.NOOP, NLM_F.REQUEST | NLM_F.ACK, 1) }],
  state: ['links', 'addresses', 'routes'],
};

/** What Linux answered, from the captures, as the kernel child would have recorded it. */
function kernelResult(): SideResult {
  const request = datagramBytes(scenario.steps[0]?.send ?? { hex: '' });
  const ack = buildAck(
    request,
    readHeader(request),
    FIXTURE_PORT,
    0,
    { msg: undefined, offset: undefined },
    {
      extAck: false,
      capAck: false,
    },
  );
  const dump = (name: string, kind: StateKind) =>
    record(mapMessages(fixture(name).replies, (m) => restamp(m, { seq: STATE_SEQ[kind] })));
  return {
    setup: [],
    steps: [record([Buffer.from(ack).toString('hex')])],
    state: {
      links: dump('getlink-dump', 'links'),
      addresses: dump('getaddr-dump', 'addresses'),
      routes: dump('getroute-dump', 'routes'),
    },
  };
}

/** The captured links with other MAC addresses and other counters, as another machine has them. */
function otherMachineLinks(mtuOfLo?: number): Uint8Array[] {
  return dumpParts('getlink-dump').map((m, i) => {
    let out = editAttr(m, 'address', (node) =>
      node.data?.some((b) => b !== 0) ? { ...node, data: Buffer.from([2, 0, 0, 0, 0, i]) } : node,
    );
    out = editAttr(out, 'stats64', (node) => ({ ...node, data: new Uint8Array(node.data?.length ?? 0).fill(i) }));
    if (i === 0 && mtuOfLo !== undefined) {
      const mtu = Buffer.alloc(4);
      mtu.writeUInt32LE(mtuOfLo, 0);
      out = editAttr(out, 'mtu', withData(mtu));
    }
    return out;
  });
}

describe('runRtnlkit and judgeScenario', () => {
  it('passes the same state under every strategy', async () => {
    const outcomes = await judgeScenario(scenario, kernelResult(), STRATEGY_VARIANTS, {
      makeWorld: replayWorld({ links: otherMachineLinks() }),
      coverage: EVERYTHING,
    });
    expect(outcomes.map((o) => [o.strategy, o.differences])).toEqual(STRATEGY_VARIANTS.map((v) => [v.name, []]));
  });

  it('fails a changed attribute with a line that names it', async () => {
    const [outcome] = await judgeScenario(scenario, kernelResult(), STRATEGY_VARIANTS.slice(0, 1), {
      makeWorld: replayWorld({ links: otherMachineLinks(1500) }),
      coverage: EVERYTHING,
    });
    expect(outcome?.ok).toBe(false);
    expect(outcome?.differences).toEqual(['state links, reply 1: attr mtu: kernel 65536, rtnlkit 1500']);
  });

  it('reports what rtnlkit has no handler for yet', async () => {
    // A world without the IPv4 FIB's handlers: route dumps have none.
    const withoutFib = async (variant: Parameters<typeof createWorld>[0]) => {
      const world = await createWorld(variant);
      world.rtnl.handlers.unregister(AF.INET, RTM.GETROUTE);
      return world;
    };
    const [outcome] = await judgeScenario(scenario, kernelResult(), STRATEGY_VARIANTS.slice(0, 1), {
      coverage: EVERYTHING,
      makeWorld: withoutFib,
    });
    expect(outcome?.differences).toContain('state routes: kernel sent 3 replies, rtnlkit 1');
    expect(outcome?.differences).toContain(
      'state routes, reply 1: kernel RTM_NEWROUTE flags=MULTI|DUMP_FILTERED seq=<state routes>, rtnlkit NLMSG_ERROR errno=EOPNOTSUPP seq=<state routes>',
    );
  });

  it('fails on the Linux side failing, and on rtnlkit throwing', async () => {
    const [outcome] = await judgeScenario(scenario, new Error('no namespace'), STRATEGY_VARIANTS.slice(0, 1));
    expect(outcome?.differences).toEqual(['the Linux side failed: no namespace']);
    const [thrown] = await judgeScenario(scenario, kernelResult(), STRATEGY_VARIANTS.slice(0, 1), {
      makeWorld: () => Promise.reject(new Error('broken world')),
    });
    expect(thrown?.differences[0]).toMatch(/^the rtnlkit side threw: Error: broken world/);
  });
});
