import { describe, expect, it } from 'vitest';
import { CostModel, defaultCosts } from './cost-model';
import { VirtualClock } from './virtual-clock';

describe('CostModel', () => {
  it('documents every default', () => {
    for (const [name, spec] of Object.entries(defaultCosts)) {
      expect(spec.why, name).toBeTruthy();
      expect(spec.ms, name).toBeGreaterThanOrEqual(0);
    }
  });

  it('samples within the jitter band, repeatably for a seed', () => {
    const a = new CostModel({ 'rcu.gracePeriod': { ms: 100, jitter: 0.2 } }, 7);
    const b = new CostModel({ 'rcu.gracePeriod': { ms: 100, jitter: 0.2 } }, 7);
    const draws = Array.from({ length: 200 }, () => a.sample('rcu.gracePeriod'));
    expect(draws).toEqual(Array.from({ length: 200 }, () => b.sample('rcu.gracePeriod')));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(80);
    expect(Math.max(...draws)).toBeLessThanOrEqual(120);
    expect(new Set(draws).size).toBeGreaterThan(100);
  });

  it('spends a cost on a clock', async () => {
    const clock = new VirtualClock();
    const costs = new CostModel({ 'driver.ndo': { ms: 3 } });
    await clock.run(() => costs.spend(clock, 'driver.ndo'));
    expect(clock.now()).toBe(3);
  });

  it('refuses unknown names and bad values', () => {
    expect(() => new CostModel().sample('no.such.cost')).toThrow(/unknown cost/);
    expect(() => new CostModel({ x: { ms: -1 } })).toThrow(RangeError);
    expect(() => new CostModel({ x: { ms: 1, jitter: 2 } })).toThrow(RangeError);
  });

  it('takes new named costs', () => {
    expect(new CostModel({ 'bridge.fdbFlush': { ms: 4 } }).sample('bridge.fdbFlush')).toBe(4);
  });
});
