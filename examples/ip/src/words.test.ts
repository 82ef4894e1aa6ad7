import { describe, expect, it } from 'vitest';
import { IpError } from './errors';
import { parseMac, parsePrefix, Words } from './words';

describe('reading ip arguments', () => {
  it('reads prefixes, default and host addresses; refuses the rest with ip-style messages', () => {
    expect(parsePrefix('10.0.0.0/8')).toEqual({ address: '10.0.0.0', len: 8 });
    expect(parsePrefix('192.0.2.1')).toEqual({ address: '192.0.2.1', len: 32 });
    expect(parsePrefix('default')).toEqual({ address: '0.0.0.0', len: 0 });
    for (const bad of ['10.0.0/8', '10.0.0.256', '10.0.0.0/33', 'x', '10.0.0.0/-1'])
      expect(() => parsePrefix(bad)).toThrow(`Error: any valid prefix is expected rather than "${bad}".`);
  });

  it('reads link-layer addresses', () => {
    expect([...parseMac('02:00:5e:10:00:0a')]).toEqual([2, 0, 0x5e, 0x10, 0, 10]);
    expect(() => parseMac('02:00:5e:10:00')).toThrow(IpError);
  });

  it('walks keywords and their values, numbers checked', () => {
    const w = new Words(['mtu', '1400', 'qlen', 'many']);
    expect(w.next()).toBe('mtu');
    expect(w.int('mtu')).toBe(1400);
    expect(w.next()).toBe('qlen');
    expect(() => w.int('qlen')).toThrow('Error: argument "many" is wrong: Invalid "qlen" value');
    expect(w.done).toBe(true);
    expect(() => new Words([]).value()).toThrow('Command line is not complete');
  });
});
