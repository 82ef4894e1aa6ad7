/** The scenario folder: every file loads, names are unique, and malformed scenarios are refused. */
import { NLM_F, NLMSG } from '@rtnlkit/core';
import { describe, expect, it } from 'vitest';
import { message } from './build';
import { HARNESS_SEQ_BASE } from './client';
import { loadScenarios } from './load';
import { planOf, scenarioProblems } from './plan';
import type { Scenario } from './types';

const noop = (seq: number) => message(NLMSG.NOOP, NLM_F.REQUEST | NLM_F.ACK, seq);
const base: Scenario = {
  name: 'ok-name',
  description: '',
  socket: { admin: true },
  steps: [{ title: 'x', send: noop(1) }],
};

describe('loadScenarios', () => {
  it('finds at least 15 scenarios with unique names, each with a plan', async () => {
    const scenarios = await loadScenarios();
    expect(scenarios.length).toBeGreaterThanOrEqual(15);
    expect(new Set(scenarios.map((s) => s.name)).size).toBe(scenarios.length);
    for (const scenario of scenarios) {
      expect(scenario.description.length).toBeGreaterThan(0);
      expect(planOf(scenario).steps.length).toBe(scenario.steps.length);
    }
  });
});

describe('scenarioProblems', () => {
  it('accepts a plain scenario', () => {
    expect(scenarioProblems(base)).toEqual([]);
  });

  it('refuses what would make a scenario wrong or unfair', () => {
    expect(scenarioProblems({ ...base, name: 'Bad Name' })).toEqual(['name must be kebab-case']);
    expect(scenarioProblems({ ...base, steps: [] })).toEqual(['has no steps']);
    expect(scenarioProblems({ ...base, ipSetup: ['link add ifb0 type ifb'] })).toEqual([
      'has ipSetup (Linux only) but no rtnlkitSetup building the same state in rtnlkit',
    ]);
    expect(scenarioProblems({ ...base, steps: [{ title: 'x', send: noop(HARNESS_SEQ_BASE) }] })).toEqual([
      'datagram 1 uses a sequence number reserved for the harness (>= 0xfff00000)',
    ]);
    expect(scenarioProblems({ ...base, steps: [{ title: 'x', send: { hex: '' } }] })).toEqual(['datagram 1 is empty']);
    expect(scenarioProblems({ ...base, steps: [{ title: 'x', send: { hex: 'xyz' } }] })).toEqual([
      'datagram 1: not hex: xyz',
    ]);
  });

  it('sends several messages as one datagram', () => {
    const plan = planOf({ ...base, steps: [{ title: 'two', send: [noop(1), noop(2)] }] });
    expect(plan.steps).toEqual([Buffer.concat([noop(1), noop(2)]).toString('hex')]);
  });
});
