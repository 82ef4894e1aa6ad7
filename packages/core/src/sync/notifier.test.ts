import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Errno, ErrnoError } from '../errno';
import {
  NOTIFY_BAD,
  NOTIFY_DONE,
  NOTIFY_OK,
  NOTIFY_STOP,
  NOTIFY_STOP_MASK,
  NotifierChain,
  notifierFromErrno,
  notifierToErrno,
} from './notifier';

type Event = 'UP' | 'DOWN';

/** A chain whose callbacks log `name:event` and return what `returns` says for them. */
function loggingChain(returns: Record<string, number> = {}) {
  const log: string[] = [];
  const chain = new NotifierChain<Event, { addr: string }>('inetaddr_chain');
  const make = (name: string) => {
    const callback = (event: Event) => {
      log.push(`${name}:${event}`);
      return event === 'UP' ? (returns[name] ?? NOTIFY_OK) : NOTIFY_DONE;
    };
    // The chain names a callback after its function, as a stack trace would.
    return Object.defineProperty(callback, 'name', { value: name });
  };
  return { chain, log, make };
}

describe('notifier return values', () => {
  it('has the kernel values', () => {
    expect(NOTIFY_DONE).toBe(0);
    expect(NOTIFY_OK).toBe(1);
    expect(NOTIFY_STOP_MASK).toBe(0x8000);
    expect(NOTIFY_BAD).toBe(0x8002);
    expect(NOTIFY_STOP).toBe(0x8001);
  });

  it('converts like notifier_from_errno / notifier_to_errno', () => {
    expect(notifierFromErrno(0)).toBe(NOTIFY_OK);
    expect(notifierFromErrno(Errno.EINVAL)).toBe(0x8000 | 23);
    expect(notifierFromErrno(-Errno.EINVAL)).toBe(notifierFromErrno(Errno.EINVAL));
    expect(notifierToErrno(NOTIFY_DONE)).toBe(0);
    expect(notifierToErrno(NOTIFY_OK)).toBe(0);
    expect(notifierToErrno(NOTIFY_STOP)).toBe(0);
    expect(notifierToErrno(NOTIFY_BAD)).toBe(Errno.EPERM);
  });

  test.prop([fc.integer({ min: 1, max: 133 })])('round-trips every errno and marks it as a veto', (errno) => {
    const ret = notifierFromErrno(errno);
    expect(ret & NOTIFY_STOP_MASK).toBe(NOTIFY_STOP_MASK);
    expect(ret & ~NOTIFY_STOP_MASK).toBeGreaterThan(NOTIFY_OK);
    expect(notifierToErrno(ret)).toBe(errno);
  });
});

describe('NotifierChain registration', () => {
  it('calls higher priority first and equal priorities in registration order', async () => {
    const { chain, log, make } = loggingChain();
    chain.register(make('a'));
    chain.register(make('b'), { priority: 10 });
    chain.register(make('c'));
    chain.register(make('d'), { priority: -5 });
    chain.register(make('e'), { priority: 10 });
    chain.register(make('f'), { priority: 3 });
    const result = await chain.call('UP', { addr: '10.0.0.1' });
    expect(log).toEqual(['b:UP', 'e:UP', 'f:UP', 'a:UP', 'c:UP', 'd:UP']);
    expect(result).toEqual({ ret: NOTIFY_OK, errno: 0, called: 6 });
  });

  it('names callbacks by option or function name, in call order', () => {
    const chain = new NotifierChain<Event, null>('netdev_chain');
    function fib_inetaddr_event() {
      return NOTIFY_DONE;
    }
    chain.register(fib_inetaddr_event);
    chain.register(() => NOTIFY_DONE, { name: 'rtnetlink_event', priority: 1 });
    expect(chain.name).toBe('netdev_chain');
    expect(chain.size).toBe(2);
    expect(chain.names()).toEqual(['rtnetlink_event', 'fib_inetaddr_event']);
  });

  it('refuses to register the same callback twice with EEXIST', () => {
    const chain = new NotifierChain<Event, null>('c');
    const callback = () => NOTIFY_DONE;
    chain.register(callback);
    expect(() => chain.register(callback, { priority: 5 })).toThrow(ErrnoError);
    try {
      chain.register(callback);
    } catch (error) {
      expect((error as ErrnoError).errno).toBe(Errno.EEXIST);
    }
    expect(chain.size).toBe(1);
  });

  it('unregisters by callback or by the returned function, once', async () => {
    const { chain, log, make } = loggingChain();
    const a = make('a');
    chain.register(a);
    const unregisterB = chain.register(make('b'));
    chain.register(make('c'));
    expect(chain.unregister(a)).toBe(true);
    expect(chain.unregister(a)).toBe(false);
    unregisterB();
    unregisterB();
    expect(chain.names()).toEqual(['c']);
    await chain.call('UP', { addr: 'x' });
    expect(log).toEqual(['c:UP']);
  });

  it('lets a callback register again after unregistering', async () => {
    const { chain, log, make } = loggingChain();
    const a = make('a');
    const unregister = chain.register(a);
    unregister();
    const unregisterAgain = chain.register(a);
    unregister(); // the stale handle must not remove the new registration
    await chain.call('UP', { addr: 'x' });
    expect(log).toEqual(['a:UP']);
    unregisterAgain();
    expect(chain.size).toBe(0);
  });

  it('returns NOTIFY_DONE with nothing registered', async () => {
    const chain = new NotifierChain<Event, null>('empty');
    await expect(chain.call('UP', null)).resolves.toEqual({ ret: NOTIFY_DONE, errno: 0, called: 0 });
  });
});

describe('NotifierChain.call', () => {
  it('stops at a veto and returns its errno, without calling later callbacks', async () => {
    const { chain, log, make } = loggingChain({ validator: notifierFromErrno(Errno.EINVAL) });
    chain.register(make('first'), { priority: 1 });
    chain.register(make('validator'));
    chain.register(make('later'));
    const result = await chain.call('UP', { addr: '10.0.0.1' });
    expect(result).toEqual({
      ret: notifierFromErrno(Errno.EINVAL),
      errno: Errno.EINVAL,
      stoppedBy: 'validator',
      called: 2,
    });
    expect(log).toEqual(['first:UP', 'validator:UP']);
  });

  it('stops at NOTIFY_BAD with EPERM', async () => {
    const { chain, log, make } = loggingChain({ a: NOTIFY_BAD });
    chain.register(make('a'));
    chain.register(make('b'));
    const result = await chain.call('UP', { addr: 'x' });
    expect(result).toMatchObject({ errno: Errno.EPERM, stoppedBy: 'a', called: 1 });
    expect(log).toEqual(['a:UP']);
  });

  it('stops at NOTIFY_STOP with errno 0', async () => {
    const { chain, log, make } = loggingChain({ a: NOTIFY_STOP });
    chain.register(make('a'));
    chain.register(make('b'));
    const result = await chain.call('UP', { addr: 'x' });
    expect(result).toEqual({ ret: NOTIFY_STOP, errno: 0, stoppedBy: 'a', called: 1 });
    expect(log).toEqual(['a:UP']);
  });

  it('passes event and data, and awaits async callbacks one at a time', async () => {
    const chain = new NotifierChain<Event, { addr: string }>('c');
    const seen: string[] = [];
    let running = 0;
    for (const name of ['a', 'b', 'c']) {
      chain.register(
        async (event, data) => {
          running++;
          expect(running).toBe(1);
          await new Promise((resolve) => setImmediate(resolve));
          seen.push(`${name}:${event}:${data.addr}`);
          running--;
          return NOTIFY_OK;
        },
        { name },
      );
    }
    await chain.call('DOWN', { addr: '192.0.2.1' });
    expect(seen).toEqual(['a:DOWN:192.0.2.1', 'b:DOWN:192.0.2.1', 'c:DOWN:192.0.2.1']);
  });

  it('propagates an exception from a callback and calls no further callbacks', async () => {
    const { chain, log, make } = loggingChain();
    const boom = new Error('boom');
    chain.register(make('a'));
    chain.register(async () => {
      throw boom;
    });
    chain.register(make('c'));
    await expect(chain.call('UP', { addr: 'x' })).rejects.toBe(boom);
    expect(log).toEqual(['a:UP']);
  });
});

describe('NotifierChain changes during an in-flight call', () => {
  it('skips a callback unregistered before the call reaches it and ignores one registered after it started', async () => {
    const { chain, log, make } = loggingChain();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    chain.register(
      async (event: Event) => {
        log.push(`slow:${event}`);
        await gate;
        return NOTIFY_OK;
      },
      { name: 'slow', priority: 10 },
    );
    const b = make('b');
    chain.register(b);
    chain.register(make('c'));

    const inFlight = chain.call('UP', { addr: 'x' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['slow:UP']);
    chain.unregister(b);
    chain.register(make('d'), { priority: 20 });
    chain.register(make('e'));
    release();
    const result = await inFlight;

    expect(log).toEqual(['slow:UP', 'c:UP']);
    expect(result.called).toBe(2);
    expect(chain.names()).toEqual(['d', 'slow', 'c', 'e']);

    log.length = 0;
    await chain.call('UP', { addr: 'y' });
    expect(log).toEqual(['d:UP', 'slow:UP', 'c:UP', 'e:UP']);
  });

  it('lets a callback unregister itself and register others while it runs', async () => {
    const { chain, log, make } = loggingChain();
    const once = (event: Event) => {
      log.push(`once:${event}`);
      chain.unregister(once);
      chain.register(make('late'));
      return NOTIFY_OK;
    };
    chain.register(once);
    chain.register(make('b'));
    await chain.call('UP', { addr: 'x' });
    await chain.call('UP', { addr: 'x' });
    expect(log).toEqual(['once:UP', 'b:UP', 'b:UP', 'late:UP']);
  });
});

describe('NotifierChain.callRobust', () => {
  it('rolls back the callbacks that accepted, in chain order like the kernel, not the one that vetoed', async () => {
    const { chain, log, make } = loggingChain({ c: notifierFromErrno(Errno.EBUSY) });
    for (const name of ['a', 'b', 'c', 'd']) chain.register(make(name));
    const result = await chain.callRobust('UP', 'DOWN', { addr: 'x' });
    expect(log).toEqual(['a:UP', 'b:UP', 'c:UP', 'a:DOWN', 'b:DOWN']);
    expect(result).toEqual({
      ret: notifierFromErrno(Errno.EBUSY),
      errno: Errno.EBUSY,
      stoppedBy: 'c',
      called: 3,
      rolledBack: 2,
    });
  });

  it('rolls back most recent first when asked', async () => {
    const { chain, log, make } = loggingChain({ c: NOTIFY_BAD });
    for (const name of ['a', 'b', 'c', 'd']) chain.register(make(name));
    const result = await chain.callRobust('UP', 'DOWN', { addr: 'x' }, { rollbackOrder: 'reverse' });
    expect(log).toEqual(['a:UP', 'b:UP', 'c:UP', 'b:DOWN', 'a:DOWN']);
    expect(result.errno).toBe(Errno.EPERM);
  });

  it('does not roll back when every callback accepts', async () => {
    const { chain, log, make } = loggingChain();
    for (const name of ['a', 'b']) chain.register(make(name));
    const result = await chain.callRobust('UP', 'DOWN', { addr: 'x' });
    expect(log).toEqual(['a:UP', 'b:UP']);
    expect(result).toEqual({ ret: NOTIFY_OK, errno: 0, called: 2, rolledBack: 0 });
  });

  it('rolls back on NOTIFY_STOP too, since the kernel tests the stop mask', async () => {
    const { chain, log, make } = loggingChain({ b: NOTIFY_STOP });
    for (const name of ['a', 'b', 'c']) chain.register(make(name));
    const result = await chain.callRobust('UP', 'DOWN', { addr: 'x' });
    expect(log).toEqual(['a:UP', 'b:UP', 'a:DOWN']);
    expect(result).toMatchObject({ errno: 0, rolledBack: 1 });
  });

  it('rolls back nothing when the first callback vetoes', async () => {
    const { chain, log, make } = loggingChain({ a: NOTIFY_BAD });
    for (const name of ['a', 'b']) chain.register(make(name));
    const result = await chain.callRobust('UP', 'DOWN', { addr: 'x' });
    expect(log).toEqual(['a:UP']);
    expect(result.rolledBack).toBe(0);
  });

  it('rolls back a callback that accepted and was unregistered before the veto', async () => {
    const { chain, log, make } = loggingChain();
    const a = make('a');
    chain.register(a);
    chain.register((event: Event) => {
      log.push(`veto:${event}`);
      if (event === 'UP') chain.unregister(a);
      return event === 'UP' ? NOTIFY_BAD : NOTIFY_DONE;
    });
    await chain.callRobust('UP', 'DOWN', { addr: 'x' });
    expect(log).toEqual(['a:UP', 'veto:UP', 'a:DOWN']);
  });
});
