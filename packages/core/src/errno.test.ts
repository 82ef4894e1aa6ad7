import { constants } from 'node:os';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Errno, ErrnoError, type ErrnoName, errnoName } from './errno';

const names = Object.keys(Errno) as ErrnoName[];

describe('Errno', () => {
  it('has the asm-generic values rtnlkit relies on', () => {
    expect(Errno.EPERM).toBe(1);
    expect(Errno.ESRCH).toBe(3);
    expect(Errno.EEXIST).toBe(17);
    expect(Errno.ENODEV).toBe(19);
    expect(Errno.EINVAL).toBe(22);
    expect(Errno.EOPNOTSUPP).toBe(95);
    expect(Errno.EAFNOSUPPORT).toBe(97);
    expect(Errno.EADDRNOTAVAIL).toBe(99);
    expect(Errno.ENETDOWN).toBe(100);
    expect(Errno.ENETUNREACH).toBe(101);
    expect(Errno.ENOBUFS).toBe(105);
    expect(Errno.ECANCELED).toBe(125);
  });

  it.runIf(process.platform === 'linux')('agrees with the host libc for every name', () => {
    const host = constants.errno as Record<string, number | undefined>;
    for (const name of names) expect([name, host[name]]).toEqual([name, Errno[name]]);
  });

  it('is frozen and gives each number one name', () => {
    expect(Object.isFrozen(Errno)).toBe(true);
    expect(() => {
      (Errno as Record<string, number>).EPERM = 2;
    }).toThrow(TypeError);
    expect(new Set(Object.values(Errno)).size).toBe(names.length);
  });
});

describe('errnoName', () => {
  it('names every known errno', () => {
    for (const name of names) expect(errnoName(Errno[name])).toBe(name);
  });

  test.prop([fc.integer({ min: -1000, max: 1000 })])('returns undefined exactly for unknown numbers', (n) => {
    const known = names.some((name) => Errno[name] === n);
    expect(errnoName(n) !== undefined).toBe(known);
  });
});

describe('ErrnoError', () => {
  it('carries the errno and the extack message', () => {
    const error = new ErrnoError(Errno.EINVAL, 'ipv4: Invalid prefix length');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(ErrnoError);
    expect(error.name).toBe('ErrnoError');
    expect(error.errno).toBe(22);
    expect(error.extack).toBe('ipv4: Invalid prefix length');
    expect(error.message).toBe('EINVAL: ipv4: Invalid prefix length');
    expect(String(error)).toBe('ErrnoError: EINVAL: ipv4: Invalid prefix length');
  });

  it('has no extack property when none is given', () => {
    const error = new ErrnoError(Errno.ENODEV);
    expect(error.message).toBe('ENODEV');
    expect('extack' in error).toBe(false);
  });

  it('names an errno it does not know by number', () => {
    expect(new ErrnoError(133, 'hw poison').message).toBe('errno 133: hw poison');
  });

  it('refuses an errno that is not a positive integer', () => {
    expect(() => new ErrnoError(-22)).toThrow(RangeError);
    expect(() => new ErrnoError(0)).toThrow(RangeError);
    expect(() => new ErrnoError(1.5)).toThrow(RangeError);
    expect(() => new ErrnoError(Number.NaN)).toThrow(RangeError);
  });
});
