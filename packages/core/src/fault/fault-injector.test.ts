import { describe, expect, it } from 'vitest';
import { Errno, ErrnoError } from '../errno';
import { LockEnv } from '../locking/lock-class';
import { Mutex } from '../locking/mutex';
import { Task } from '../task/task';
import { FaultInjector, failAt, faultPoint, waitPoint } from './fault-injector';

describe('FaultInjector', () => {
  it('passes every point without an injector', () => {
    const host = { faultInjector: undefined };
    expect(faultPoint(host, 'x:alloc', 'alloc')).toBe(0);
    expect(() => failAt(host, 'x:alloc', 'alloc')).not.toThrow();
  });

  it('counts the points and fails exactly the nth, with the kind errno or the given one', () => {
    const counting = { faultInjector: new FaultInjector() };
    faultPoint(counting, 'a', 'alloc');
    faultPoint(counting, 'b', 'driver');
    expect(counting.faultInjector.passed.map((p) => p.name)).toEqual(['a', 'b']);
    expect(counting.faultInjector.injected).toBeUndefined();

    const host = { faultInjector: new FaultInjector(2) };
    expect(faultPoint(host, 'a', 'alloc')).toBe(0);
    expect(faultPoint(host, 'b', 'notifier')).toBe(Errno.EPERM);
    expect(faultPoint(host, 'c', 'driver')).toBe(0);
    expect(host.faultInjector.injected?.name).toBe('b');

    const thrower = { faultInjector: new FaultInjector(1) };
    let caught: unknown;
    try {
      failAt(thrower, 'fib_table_insert:alias', 'alloc', Errno.ENOBUFS);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ErrnoError);
    expect((caught as ErrnoError).errno).toBe(Errno.ENOBUFS);
  });

  it('counts wait points apart and runs the abort at exactly the chosen one; locks report through watch()', async () => {
    const aborts: string[] = [];
    const injector = new FaultInjector(0, { abortNth: 2, onAbort: (p) => aborts.push(p) });
    const host = { faultInjector: injector };
    const mutex = new Mutex(new LockEnv().lockClass('demo_mutex'));
    const task = new Task('t');
    faultPoint(host, 'a', 'alloc');
    const unwatch = injector.watch(task);
    await mutex.lock(task); // the fast path too: a wait point
    mutex.unlock(task);
    waitPoint(host, 'synchronize_rcu');
    unwatch();
    await mutex.lock(task); // no longer watched
    mutex.unlock(task);
    expect(injector.waits).toEqual(['lock demo_mutex', 'synchronize_rcu']);
    expect(injector.aborted).toBe('synchronize_rcu');
    expect(aborts).toEqual(['synchronize_rcu']);
    // Wait points do not renumber the fault points.
    expect(injector.passed.map((p) => p.name)).toEqual(['a']);
    expect(task.waitHook).toBeUndefined();
  });
});
