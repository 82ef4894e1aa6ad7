import { Errno, ErrnoError, IFF, Net } from '@rtnlkit/core';
import { describe, expect, it } from 'vitest';
import { ARPHRD, IF_OPER } from './constants';
import { LOOPBACK_IFINDEX, loopbackDevice } from './loopback';
import { NetDevice } from './netdevice';
import { devValidName, LinkTable, linkTable } from './table';

const errnoOf = (fn: () => unknown): number | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ErrnoError) return error.errno;
    throw error;
  }
  return undefined;
};

describe('dev_valid_name', () => {
  it.each([
    ['eth0', true],
    ['a'.repeat(15), true],
    ['a'.repeat(16), false],
    ['', false],
    ['.', false],
    ['..', false],
    ['a/b', false],
    ['a:b', false],
    ['a b', false],
    ['a\tb', false],
    ['eth%d', true],
  ])('%j → %s', (name, valid) => {
    expect(devValidName(name)).toBe(valid);
  });
});

describe('LinkTable', () => {
  it('allocates ifindexes from 1, cyclically, and indexes names', () => {
    const table = new LinkTable(new Net('t'));
    const a = new NetDevice({ name: 'a' });
    const b = new NetDevice({ name: 'b' });
    table.register(a);
    table.register(b);
    expect([a.ifindex, b.ifindex]).toEqual([1, 2]);
    table.unregister(a);
    const c = new NetDevice({ name: 'c' });
    table.register(c);
    expect(c.ifindex).toBe(3); // cyclic: a freed index is not reused at once
    expect(table.getByName('c')).toBe(c);
    expect(table.getByIndex(2)).toBe(b);
    expect(table.getByName('a')).toBeUndefined();
    expect(table.getByIndex(1)).toBeUndefined();
    expect(a.ifindex).toBe(1); // the unlisted device keeps its ifindex for its last notifications
    expect(table.devices().map((d) => d.name)).toEqual(['b', 'c']);
  });

  it('takes a requested ifindex and keeps ifindex order for dumps', () => {
    const table = new LinkTable(new Net('t'));
    const x = new NetDevice({ name: 'x' });
    table.register(x, { ifindex: 10 });
    const y = new NetDevice({ name: 'y' });
    table.register(y);
    expect(y.ifindex).toBe(1);
    expect(table.devices().map((d) => d.ifindex)).toEqual([1, 10]);
    expect(table.firstFrom(2)).toBe(x);
    expect(table.firstFrom(11)).toBeUndefined();
    expect(errnoOf(() => table.register(new NetDevice({ name: 'z' }), { ifindex: 10 }))).toBe(Errno.EBUSY);
    expect(table.getByName('z')).toBeUndefined();
  });

  it('refuses invalid and used names, and fills %d patterns with the lowest free unit', () => {
    const table = new LinkTable(new Net('t'));
    table.register(new NetDevice({ name: 'eth0' }));
    expect(errnoOf(() => table.register(new NetDevice({ name: 'eth0' })))).toBe(Errno.EEXIST);
    expect(errnoOf(() => table.register(new NetDevice({ name: 'bad name' })))).toBe(Errno.EINVAL);
    expect(errnoOf(() => table.register(new NetDevice({ name: 'e%s' })))).toBe(Errno.EINVAL);
    expect(errnoOf(() => table.register(new NetDevice({ name: 'e%d%d' })))).toBe(Errno.EINVAL);
    const d = new NetDevice({ name: 'eth%d' });
    table.register(d);
    expect(d.name).toBe('eth1');
    expect(table.size).toBe(2);
  });

  it('bumps dev_base_seq on list and unlist, starting at 1 and never 0', () => {
    const table = new LinkTable(new Net('t'));
    expect(table.devBaseSeq).toBe(1);
    const d = new NetDevice({ name: 'd' });
    table.register(d);
    expect(table.devBaseSeq).toBe(2);
    table.unregister(d);
    expect(table.devBaseSeq).toBe(3);
    table.devBaseSeq = 0xffffffff;
    table.bumpSeq();
    expect(table.devBaseSeq).toBe(1);
  });

  it('is one per namespace', () => {
    const net = new Net('n');
    expect(linkTable(net)).toBe(linkTable(net));
    expect(linkTable(new Net('m'))).not.toBe(linkTable(net));
  });
});

describe('NetDevice', () => {
  it('defaults to an Ethernet device after ether_setup', () => {
    const d = new NetDevice({ name: 'e' });
    expect(d.type).toBe(ARPHRD.ETHER);
    expect([d.mtu, d.minMtu, d.maxMtu, d.txqlen]).toEqual([1500, 68, 1500, 1000]);
    expect([...d.broadcast]).toEqual([255, 255, 255, 255, 255, 255]);
    expect(d.reportedFlags).toBe(IFF.BROADCAST | IFF.MULTICAST);
    expect(d.reportedOperstate).toBe(IF_OPER.DOWN);
  });

  it('derives RUNNING and LOWER_UP while up, and reports PROMISC from gflags', () => {
    const d = new NetDevice({ name: 'e' });
    d.flags |= IFF.UP | IFF.PROMISC;
    expect(d.reportedFlags).toBe(IFF.BROADCAST | IFF.MULTICAST | IFF.UP | IFF.RUNNING | IFF.LOWER_UP);
    d.gflags = IFF.PROMISC;
    d.carrier = false;
    d.operstate = IF_OPER.LOWERLAYERDOWN;
    expect(d.reportedFlags).toBe(IFF.BROADCAST | IFF.MULTICAST | IFF.UP | IFF.PROMISC);
    expect(d.reportedOperstate).toBe(IF_OPER.LOWERLAYERDOWN);
  });

  it('builds lo as loopback_setup() does', () => {
    const lo = loopbackDevice();
    const table = new LinkTable(new Net('t'));
    table.register(lo);
    expect(lo.ifindex).toBe(LOOPBACK_IFINDEX);
    expect(lo.type).toBe(772);
    expect(lo.reportedFlags).toBe(IFF.LOOPBACK);
    expect([lo.mtu, lo.minMtu, lo.maxMtu, lo.txqlen]).toEqual([65536, 0, 0, 1000]);
    expect([...lo.address, ...lo.broadcast].every((b) => b === 0)).toBe(true);
    expect(lo.addrLen).toBe(6);
    expect(lo.netnsImmutable).toBe(true);
    lo.flags |= IFF.UP;
    expect(lo.reportedFlags).toBe(0x10049); // what Linux reports for lo once up
  });

  it('answers ENFILE when a %d pattern has no unit left, and the truncated name when one outgrows IFNAMSIZ', () => {
    const table = new LinkTable(new Net('t'));
    for (let unit = 0; unit < 32768; unit += 1) table.register(new NetDevice({ name: `a${unit}` }));
    expect(() => table.validName('a%d')).toThrow(expect.objectContaining({ errno: Errno.ENFILE }));
    // Unit 100 does not fit in 15 bytes: its name is cut (snprintf), and registration then finds
    // the cut name in use (EEXIST, as Linux 6.18 answers) or takes it.
    for (let unit = 0; unit < 100; unit += 1) {
      table.register(new NetDevice({ name: `abcdefghijklm${unit}` }));
      table.register(new NetDevice({ name: `abcdefghijk${unit}xy` }));
    }
    expect(() => table.validName('abcdefghijklm%d')).toThrow(expect.objectContaining({ errno: Errno.EEXIST }));
    expect(table.validName('abcdefghijk%dxy')).toBe('abcdefghijk100x');
  });
});
