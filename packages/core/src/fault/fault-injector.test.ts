import { describe, expect, it } from 'vitest';
import { Errno, ErrnoError } from '../errno';
import { FaultInjector, failAt, faultPoint } from './fault-injector';

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
});
