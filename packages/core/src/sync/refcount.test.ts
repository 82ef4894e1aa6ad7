import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CancelTimer, type Clock, realClock, sleepOn } from '../time/clock';
import { RefCount, RefCountError, type RefTracker, type RefWaitReport } from './refcount';

/** A clock that moves only when told, and counts the timers it still has armed. */
class ManualClock implements Clock {
  readonly kind = 'virtual' as const;
  private time = 0;
  private nextId = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): CancelTimer {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn });
    return () => this.timers.delete(id);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  get armedTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in time order. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at <= target && (next === undefined || entry[1].at < next[1].at)) next = entry;
      }
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].fn();
    }
    this.time = target;
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await flush();
  return settled;
}

const UNDERFLOW = /^refcount_t: underflow; use-after-free\./;

describe('RefCount holders', () => {
  it('counts references by holder name and forgets holders that hold none', () => {
    const ref = new RefCount('eth0');
    const a1 = ref.hold('in_dev');
    ref.hold('in_dev');
    const b = ref.hold('fib_nh');
    ref.get();
    expect(ref.count).toBe(4);
    expect([...ref.holders()]).toEqual([
      ['in_dev', 2],
      ['fib_nh', 1],
      ['untracked', 1],
    ]);
    ref.put(b);
    ref.put(a1);
    ref.putUntracked();
    expect(ref.count).toBe(1);
    expect([...ref.holders()]).toEqual([['in_dev', 1]]);
  });

  it('hands out trackers that name their holder and refcount', () => {
    const ref = new RefCount('eth0');
    const first = ref.hold('a');
    const second = ref.hold('a');
    expect(first).toMatchObject({ refcount: 'eth0', holder: 'a' });
    expect(second.id).toBeGreaterThan(first.id);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('counts initial references as untracked', () => {
    const ref = new RefCount('lo', { initial: 2 });
    expect(ref.count).toBe(2);
    expect([...ref.holders()]).toEqual([['untracked', 2]]);
    expect(() => new RefCount('x', { initial: -1 })).toThrow(RangeError);
    expect(() => new RefCount('x', { initial: 0.5 })).toThrow(RangeError);
  });

  it('returns a copy from holders()', () => {
    const ref = new RefCount('eth0');
    ref.hold('a');
    ref.holders().set('a', 99);
    expect(ref.holders().get('a')).toBe(1);
  });
});

describe('RefCount misuse', () => {
  it('throws on a tracker put twice and leaves the count alone', () => {
    const ref = new RefCount('eth0');
    const tracker = ref.hold('a');
    ref.hold('b');
    ref.put(tracker);
    expect(() => ref.put(tracker)).toThrow(RefCountError);
    expect(() => ref.put(tracker)).toThrow(UNDERFLOW);
    expect(ref.count).toBe(1);
    expect([...ref.holders()]).toEqual([['b', 1]]);
  });

  it('throws on an untracked put without an untracked get, even while tracked references exist', () => {
    const ref = new RefCount('eth0');
    ref.hold('a');
    expect(() => ref.putUntracked()).toThrow(UNDERFLOW);
    expect(ref.count).toBe(1);
    expect([...ref.holders()]).toEqual([['a', 1]]);
  });

  it("refuses another refcount's tracker", () => {
    const eth0 = new RefCount('eth0');
    const eth1 = new RefCount('eth1');
    const tracker = eth1.hold('a');
    eth0.hold('a');
    expect(() => eth0.put(tracker)).toThrow(RefCountError);
    expect(eth0.count).toBe(1);
    expect(eth1.count).toBe(1);
  });

  it('reserves the holder name "untracked" for get/putUntracked', () => {
    const ref = new RefCount('eth0');
    expect(() => ref.hold('untracked')).toThrow(RefCountError);
    expect(ref.count).toBe(0);
  });

  it('names itself in its errors', () => {
    const error = new RefCountError('x');
    expect(error.name).toBe('RefCountError');
    expect(error).toBeInstanceOf(Error);
  });
});

describe('RefCount.waitForZero', () => {
  it('resolves at once when nothing is held, without arming a timer', async () => {
    const clock = new ManualClock();
    const ref = new RefCount('eth0', { clock });
    await expect(ref.waitForZero()).resolves.toBeUndefined();
    expect(clock.armedTimers).toBe(0);
  });

  it('resolves exactly when the last holder puts', async () => {
    const clock = new ManualClock();
    const ref = new RefCount('eth0', { clock });
    const a = ref.hold('a');
    const b = ref.hold('b');
    const zero = ref.waitForZero();
    ref.put(a);
    expect(await hasSettled(zero)).toBe(false);
    ref.put(b);
    expect(await hasSettled(zero)).toBe(true);
    await zero;
    expect(clock.armedTimers).toBe(0);
  });

  it('wakes every waiter', async () => {
    const ref = new RefCount('eth0', { clock: new ManualClock() });
    const a = ref.hold('a');
    const waits = [ref.waitForZero(), ref.waitForZero(), ref.waitForZero()];
    ref.put(a);
    await expect(Promise.all(waits)).resolves.toHaveLength(3);
  });

  it('reports every interval, naming the holders, and stops reporting at zero', async () => {
    const clock = new ManualClock();
    const ref = new RefCount('eth0', { clock });
    const a = ref.hold('in_dev');
    const b = ref.hold('fib_nh');
    const b2 = ref.hold('fib_nh');
    const reports: RefWaitReport[] = [];
    const zero = ref.waitForZero({ interval: 1000, onWaiting: (report) => reports.push(report) });

    clock.advance(999);
    expect(reports).toHaveLength(0);
    clock.advance(1);
    expect(reports).toEqual([
      {
        name: 'eth0',
        count: 3,
        holders: [
          { holder: 'in_dev', count: 1 },
          { holder: 'fib_nh', count: 2 },
        ],
        waitedMs: 1000,
        message: [
          'unregister_netdevice: waiting for eth0 to become free. Usage count = 3',
          '  holder: in_dev (1)',
          '  holder: fib_nh (2)',
        ].join('\n'),
      },
    ]);

    ref.put(a);
    clock.advance(1000);
    expect(reports).toHaveLength(2);
    expect(reports[1]).toMatchObject({ count: 2, holders: [{ holder: 'fib_nh', count: 2 }], waitedMs: 2000 });
    expect(reports[1]?.message).toBe(
      'unregister_netdevice: waiting for eth0 to become free. Usage count = 2\n  holder: fib_nh (2)',
    );

    ref.put(b);
    ref.put(ref.hold('x')); // back to one reference, not through zero
    expect(await hasSettled(zero)).toBe(false);
    expect(clock.armedTimers).toBe(1);
    clock.advance(1000);
    expect(reports[2]?.holders).toEqual([{ holder: 'fib_nh', count: 1 }]);

    ref.put(b2);
    await zero;
    expect(clock.armedTimers).toBe(0);
    clock.advance(5000);
    expect(reports).toHaveLength(3);
  });

  it('cancels its timer once zero is reached', async () => {
    const clock = new ManualClock();
    const ref = new RefCount('eth0', { clock });
    const a = ref.hold('a');
    const onWaiting = vi.fn();
    const zero = ref.waitForZero({ interval: 100, onWaiting });
    clock.advance(250);
    expect(onWaiting).toHaveBeenCalledTimes(2);
    ref.put(a);
    await zero;
    expect(clock.armedTimers).toBe(0);
    clock.advance(10_000);
    expect(onWaiting).toHaveBeenCalledTimes(2);
  });

  it('reports every 10 s by default, like netdev_unregister_timeout_secs', () => {
    const clock = new ManualClock();
    const ref = new RefCount('eth0', { clock });
    ref.hold('a');
    const onWaiting = vi.fn();
    void ref.waitForZero({ onWaiting });
    clock.advance(9_999);
    expect(onWaiting).not.toHaveBeenCalled();
    clock.advance(1);
    expect(onWaiting).toHaveBeenCalledTimes(1);
  });

  it('rejects with the abort reason and cancels its timer', async () => {
    const clock = new ManualClock();
    const ref = new RefCount('eth0', { clock });
    const a = ref.hold('a');
    const controller = new AbortController();
    const onWaiting = vi.fn();
    const zero = ref.waitForZero({ interval: 100, onWaiting, signal: controller.signal });
    expect(clock.armedTimers).toBe(1);
    const reason = new Error('gave up');
    controller.abort(reason);
    await expect(zero).rejects.toBe(reason);
    expect(clock.armedTimers).toBe(0);
    clock.advance(1000);
    expect(onWaiting).not.toHaveBeenCalled();
    ref.put(a);
    expect(ref.count).toBe(0);
  });

  it('rejects an already-aborted signal, even at zero', async () => {
    const ref = new RefCount('eth0', { clock: new ManualClock() });
    const reason = new Error('no');
    await expect(ref.waitForZero({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('rejects with what onWaiting throws and stops reporting', async () => {
    const clock = new ManualClock();
    const ref = new RefCount('eth0', { clock });
    ref.hold('a');
    const boom = new Error('boom');
    const zero = ref.waitForZero({
      interval: 100,
      onWaiting: () => {
        throw boom;
      },
    });
    clock.advance(100);
    await expect(zero).rejects.toBe(boom);
    expect(clock.armedTimers).toBe(0);
  });

  it('does not re-arm when onWaiting puts the last reference', async () => {
    const clock = new ManualClock();
    const ref = new RefCount('eth0', { clock });
    const a = ref.hold('a');
    const zero = ref.waitForZero({ interval: 100, onWaiting: () => ref.put(a) });
    clock.advance(100);
    await zero;
    expect(clock.armedTimers).toBe(0);
  });

  it('arms no timer with an infinite interval, and refuses a non-positive one', async () => {
    const clock = new ManualClock();
    const ref = new RefCount('eth0', { clock });
    const a = ref.hold('a');
    const zero = ref.waitForZero({ interval: Number.POSITIVE_INFINITY });
    expect(clock.armedTimers).toBe(0);
    await expect(ref.waitForZero({ interval: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(ref.waitForZero({ interval: Number.NaN })).rejects.toBeInstanceOf(RangeError);
    ref.put(a);
    await zero;
  });
});

describe('RefCount.waitForZero on the real clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports through setTimeout and clears it at zero, so the process can exit', async () => {
    vi.useFakeTimers();
    const ref = new RefCount('eth0', { clock: realClock });
    const a = ref.hold('a');
    const onWaiting = vi.fn();
    const zero = ref.waitForZero({ onWaiting });
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(onWaiting).toHaveBeenCalledTimes(1);
    expect(onWaiting.mock.calls[0]?.[0]).toMatchObject({ count: 1, holders: [{ holder: 'a', count: 1 }] });
    ref.put(a);
    await zero;
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clears its setTimeout on abort', async () => {
    vi.useFakeTimers();
    const ref = new RefCount('eth0');
    ref.hold('a');
    const controller = new AbortController();
    const zero = ref.waitForZero({ signal: controller.signal });
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    await expect(zero).rejects.toBeDefined();
    expect(vi.getTimerCount()).toBe(0);
  });
});

type Step = { op: 'hold'; holder: string } | { op: 'put'; pick: number } | { op: 'get' } | { op: 'putUntracked' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('hold' as const), holder: fc.constantFrom('in_dev', 'fib_nh', 'neigh', 'dst', 'x') }),
  fc.record({ op: fc.constant('put' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('get' as const) }),
  fc.record({ op: fc.constant('putUntracked' as const) }),
);

describe('RefCount accounting', () => {
  test.prop([fc.array(stepArb, { maxLength: 60 })])(
    'count equals the sum of holders(), never goes negative, and matches a model',
    (steps) => {
      const ref = new RefCount('dev');
      const trackers: RefTracker[] = []; // live and already-put trackers alike
      const model = new Map<string, number>();
      const live = new Set<RefTracker>();
      const bump = (holder: string, by: number) => {
        const next = (model.get(holder) ?? 0) + by;
        if (next === 0) model.delete(holder);
        else model.set(holder, next);
      };

      for (const step of steps) {
        if (step.op === 'hold') {
          const tracker = ref.hold(step.holder);
          trackers.push(tracker);
          live.add(tracker);
          bump(step.holder, 1);
        } else if (step.op === 'get') {
          ref.get();
          bump('untracked', 1);
        } else if (step.op === 'putUntracked') {
          if (model.has('untracked')) {
            ref.putUntracked();
            bump('untracked', -1);
          } else {
            expect(() => ref.putUntracked()).toThrow(RefCountError);
          }
        } else if (trackers.length > 0) {
          const tracker = trackers[step.pick % trackers.length] as RefTracker;
          if (live.has(tracker)) {
            ref.put(tracker);
            live.delete(tracker);
            bump(tracker.holder, -1);
          } else {
            expect(() => ref.put(tracker)).toThrow(UNDERFLOW);
          }
        }

        const holders = ref.holders();
        const sum = [...holders.values()].reduce((total, n) => total + n, 0);
        expect(ref.count).toBe(sum);
        expect(ref.count).toBeGreaterThanOrEqual(0);
        for (const n of holders.values()) expect(n).toBeGreaterThan(0);
        expect(Object.fromEntries(holders)).toEqual(Object.fromEntries(model));
      }
    },
  );
});
