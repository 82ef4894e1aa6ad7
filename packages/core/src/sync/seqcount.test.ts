import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { SeqCount, SeqCountError } from './seqcount';

/** Lets every pending microtask and promise callback run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Whether `promise` has settled once everything runnable has run. */
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

describe('SeqCount writes', () => {
  it('is odd exactly while a write is in progress', () => {
    const seq = new SeqCount('fib_seq');
    expect(seq.name).toBe('fib_seq');
    expect(seq.sequence).toBe(0);
    seq.writeBegin();
    expect(seq.sequence).toBe(1);
    expect(seq.writeInProgress).toBe(true);
    seq.writeEnd();
    expect(seq.sequence).toBe(2);
    expect(seq.writeInProgress).toBe(false);
  });

  it('reports a second writer instead of letting writes overlap', () => {
    const seq = new SeqCount('s');
    seq.writeBegin();
    expect(() => seq.writeBegin()).toThrow(SeqCountError);
    expect(seq.sequence).toBe(1);
    seq.writeEnd();
    expect(() => seq.writeEnd()).toThrow(SeqCountError);
    expect(seq.sequence).toBe(2);
  });

  it('ends the write when the section throws or rejects', async () => {
    const seq = new SeqCount('s');
    const boom = new Error('boom');
    await expect(
      seq.write(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(seq.sequence).toBe(2);
    await expect(
      seq.write(async () => {
        await flush();
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(seq.sequence).toBe(4);
  });

  it('rejects write() while another write is in progress', async () => {
    const seq = new SeqCount('s');
    seq.writeBegin();
    await expect(seq.write(() => 1)).rejects.toBeInstanceOf(SeqCountError);
    expect(seq.sequence).toBe(1);
  });

  it('begins and ends a synchronous write in the same turn', async () => {
    const seq = new SeqCount('s');
    const result = seq.write(() => 'done');
    expect(seq.writeInProgress).toBe(false);
    expect(seq.sequence).toBe(2);
    await expect(result).resolves.toBe('done');
  });

  it('keeps an async write in progress until its section settles', async () => {
    const seq = new SeqCount('s');
    let finish!: () => void;
    const result = seq.write(() => new Promise<void>((resolve) => (finish = resolve)));
    await flush();
    expect(seq.writeInProgress).toBe(true);
    finish();
    await result;
    expect(seq.sequence).toBe(2);
  });
});

describe('SeqCount readBegin / readRetry', () => {
  it('passes a read that no write overlapped', () => {
    const seq = new SeqCount('s');
    const start = seq.readBegin();
    expect(seq.readRetry(start)).toBe(false);
  });

  it('catches a write that happened between begin and retry', () => {
    const seq = new SeqCount('s');
    const start = seq.readBegin();
    seq.writeBegin();
    seq.writeEnd();
    expect(seq.readRetry(start)).toBe(true);
  });

  it('catches a write still in progress at retry', () => {
    const seq = new SeqCount('s');
    const start = seq.readBegin();
    seq.writeBegin();
    expect(seq.readRetry(start)).toBe(true);
  });

  it('fails a read that began during a write even if nothing moved since', () => {
    const seq = new SeqCount('s');
    seq.writeBegin();
    const start = seq.readBegin();
    expect(start % 2).toBe(1);
    expect(seq.readRetry(start)).toBe(true);
  });
});

describe('SeqCount.read', () => {
  it('returns at once when no write is in progress', async () => {
    const seq = new SeqCount('s');
    await expect(seq.read(() => 42)).resolves.toBe(42);
  });

  it('waits for an in-progress write to end instead of reading during it', async () => {
    const seq = new SeqCount('s');
    let value = 'old';
    let calls = 0;
    seq.writeBegin();
    const result = seq.read(() => {
      calls++;
      return value;
    });
    expect(await hasSettled(result)).toBe(false);
    expect(calls).toBe(0);
    value = 'new';
    seq.writeEnd();
    await expect(result).resolves.toBe('new');
    expect(calls).toBe(1);
  });

  it('retries an async section that a write overlapped', async () => {
    const seq = new SeqCount('s');
    let a = 0;
    let b = 0;
    let attempts = 0;
    const result = seq.read(async () => {
      attempts++;
      const x = a;
      await flush();
      return [x, b];
    });
    // Runs while the first attempt sits between reading a and b.
    await seq.write(() => {
      a = 1;
      b = 1;
    });
    await expect(result).resolves.toEqual([1, 1]);
    expect(attempts).toBe(2);
  });

  it('gives up after maxRetries inconsistent attempts', async () => {
    const seq = new SeqCount('s');
    let attempts = 0;
    const result = seq.read(
      () => {
        attempts++;
        void seq.write(() => undefined); // every attempt sees a write
      },
      { maxRetries: 3 },
    );
    await expect(result).rejects.toBeInstanceOf(SeqCountError);
    expect(attempts).toBe(4);
  });

  it('rejects with the abort reason while waiting for a write, and does not run the section', async () => {
    const seq = new SeqCount('s');
    const controller = new AbortController();
    let calls = 0;
    seq.writeBegin();
    const result = seq.read(() => ++calls, { signal: controller.signal });
    await flush();
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(result).rejects.toBe(reason);
    seq.writeEnd();
    await flush();
    expect(calls).toBe(0);
  });

  it('rejects at once with an already-aborted signal', async () => {
    const seq = new SeqCount('s');
    const reason = new Error('gone');
    await expect(seq.read(() => 1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});

describe('SeqCount.readSync', () => {
  it('returns the section result when nothing moved', () => {
    const seq = new SeqCount('s');
    expect(seq.readSync(() => 'x')).toBe('x');
  });

  it('throws while a write is in progress, since it cannot wait', () => {
    const seq = new SeqCount('s');
    seq.writeBegin();
    expect(() => seq.readSync(() => 'x')).toThrow(SeqCountError);
  });

  it('retries when the section itself moved the count', () => {
    const seq = new SeqCount('s');
    let attempts = 0;
    const value = seq.readSync(() => {
      attempts++;
      if (attempts === 1) void seq.write(() => undefined);
      return attempts;
    });
    expect(value).toBe(2);
  });

  it('gives up after maxRetries', () => {
    const seq = new SeqCount('s');
    let attempts = 0;
    expect(() =>
      seq.readSync(
        () => {
          attempts++;
          void seq.write(() => undefined);
        },
        { maxRetries: 2 },
      ),
    ).toThrow(SeqCountError);
    expect(attempts).toBe(3);
  });

  it('refuses an async section it could not check', () => {
    const seq = new SeqCount('s');
    expect(() => seq.readSync(() => Promise.resolve(1))).toThrow(SeqCountError);
  });
});

describe('SeqCount.waitStable', () => {
  it('resolves with the count when no write is in progress', async () => {
    const seq = new SeqCount('s');
    await seq.write(() => undefined);
    await expect(seq.waitStable()).resolves.toBe(2);
  });

  it('waits for an in-progress write and resolves with the even count after it', async () => {
    const seq = new SeqCount('s');
    seq.writeBegin();
    const stable = seq.waitStable();
    expect(await hasSettled(stable)).toBe(false);
    seq.writeEnd();
    await expect(stable).resolves.toBe(2);
  });

  it('keeps waiting when the next write begins before the waiter runs', async () => {
    const seq = new SeqCount('s');
    seq.writeBegin();
    const stable = seq.waitStable();
    seq.writeEnd();
    seq.writeBegin();
    expect(await hasSettled(stable)).toBe(false);
    seq.writeEnd();
    await expect(stable).resolves.toBe(4);
  });

  it('rejects when aborted while waiting', async () => {
    const seq = new SeqCount('s');
    const controller = new AbortController();
    seq.writeBegin();
    const stable = seq.waitStable(controller.signal);
    controller.abort(new Error('stop'));
    await expect(stable).rejects.toThrow('stop');
  });
});

/**
 * Serialised writers store `i` into a then b with a scheduler-controlled gap between; readers
 * load a, yield to the scheduler, then load b. Returns each reader's [a, b].
 */
async function pairScenario(
  s: fc.Scheduler,
  writers: number,
  readers: number,
  read: (seq: SeqCount, section: () => Promise<[number, number]>) => Promise<[number, number]>,
): Promise<[number, number][]> {
  const seq = new SeqCount('pair');
  let a = 0;
  let b = 0;
  let tail: Promise<unknown> = Promise.resolve();
  const writes = Array.from({ length: writers }, (_, index) => {
    const value = index + 1;
    // The caller serialises writers, as RTNL does for the kernel's.
    tail = tail
      .then(() => s.schedule(Promise.resolve(), `writer ${value} starts`))
      .then(() =>
        seq.write(async () => {
          a = value;
          await s.schedule(Promise.resolve(), `writer ${value} between a and b`);
          b = value;
        }),
      );
    return tail;
  });
  const reads = Array.from({ length: readers }, (_, index) =>
    s.schedule(Promise.resolve(), `reader ${index} starts`).then(() =>
      read(seq, async () => {
        const x = a;
        await s.schedule(Promise.resolve(), `reader ${index} between a and b`);
        return [x, b];
      }),
    ),
  );
  await s.waitFor(Promise.all([...writes, ...reads]));
  return Promise.all(reads);
}

describe('SeqCount under every interleaving', () => {
  const scenario = [fc.scheduler(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })] as const;

  test.prop([...scenario])('a reader using read() never accepts a torn pair', async (s, writers, readers) => {
    const results = await pairScenario(s, writers, readers, (seq, section) => seq.read(section));
    for (const [x, y] of results) {
      expect(x).toBe(y);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(writers);
    }
  });

  it('the same scenario does tear a reader that skips the retry check', async () => {
    const outcome = await fc.check(
      fc.asyncProperty(...scenario, async (s, writers, readers) => {
        const results = await pairScenario(s, writers, readers, (_seq, section) => section());
        return results.every(([x, y]) => x === y);
      }),
      { seed: 20240429, numRuns: 200 },
    );
    expect(outcome.failed).toBe(true);
  });
});
