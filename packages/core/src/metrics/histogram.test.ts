import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Histogram } from './histogram';

describe('Histogram', () => {
  it('keeps exact count, min, max, total and mean', () => {
    const h = new Histogram();
    for (const v of [0, 1, 2, 3, 10]) h.record(v);
    expect(h.summary()).toMatchObject({ count: 5, min: 0, max: 10, total: 16, mean: 3.2 });
  });

  it('is all zeros when empty', () => {
    expect(new Histogram().summary()).toEqual({ count: 0, min: 0, max: 0, total: 0, mean: 0, p50: 0, p99: 0 });
  });

  test.prop([
    fc.array(fc.double({ min: 0.001, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 500 }),
    fc.double({ min: 0.01, max: 0.99, noNaN: true }),
  ])('answers quantiles within 2% of the exact sample quantile', (values, q) => {
    const h = new Histogram();
    for (const v of values) h.record(v);
    const sorted = [...values].sort((a, b) => a - b);
    const exact = sorted[Math.ceil(q * sorted.length) - 1] as number;
    const got = h.quantile(q);
    expect(Math.abs(got - exact) / exact).toBeLessThanOrEqual(0.02);
  });

  it('refuses negative values', () => {
    expect(() => new Histogram().record(-1)).toThrow(RangeError);
  });

  it('resets', () => {
    const h = new Histogram();
    h.record(5);
    h.reset();
    expect(h.count).toBe(0);
    expect(h.quantile(0.5)).toBe(0);
  });
});
