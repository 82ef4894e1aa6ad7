/**
 * Each normalisation rule at work on real kernel captures: what it hides stays hidden when it
 * changes, and everything next to it still shows.
 */
import { Buffer } from 'node:buffer';
import { MODELLED_LINK_ATTRIBUTES, MODELLED_ROUTE_ATTRIBUTES } from '@rtnlkit/subsystems';
import { describe, expect, it } from 'vitest';
import { newContext, type ReplyView, viewRecord } from './normalise';
import {
  type Coverage,
  continuesDump,
  hasCoveredInside,
  isCovered,
  MODEL_COVERAGE,
  macPlaceholder,
  portPlaceholder,
  seqPlaceholder,
} from './rules';
import { editAttr, FIXTURE_PORT, fixture, mapMessages, messagesIn, record, restamp, withData } from './test-support';

const EVERYTHING: Coverage = { link: ['*'], address: ['*'], route: ['*'] };
const SEQS = new Map([
  [1, 'step 1 msg 1'],
  [2, 'step 2 msg 1'],
  [3, 'step 3 msg 1'],
  [5, 'step 5 msg 1'],
]);

function views(
  datagrams: readonly string[],
  options: { port?: number; side?: 'kernel' | 'rtnlkit'; coverage?: Coverage } = {},
) {
  const ctx = newContext(options.side ?? 'kernel', SEQS, options.coverage ?? EVERYTHING);
  return viewRecord(record(datagrams, options.port ?? FIXTURE_PORT), ctx);
}

const field = (view: ReplyView | undefined, name: string) => view?.fields.find(([key]) => key === name)?.[1];

const links = fixture('getlink-dump').replies;
const addresses = fixture('getaddr-dump').replies;
const routes = fixture('getroute-dump').replies;
const eexist = fixture('newaddr-eexist').replies;

describe('rule 1: port ids', () => {
  it('names the own port, the kernel and other ports', () => {
    const others = new Map<number, string>();
    expect(portPlaceholder(77, 77, others)).toBe('<own port>');
    expect(portPlaceholder(0, 77, others)).toBe('0 (kernel)');
    expect(portPlaceholder(5, 77, others)).toBe('<port #1>');
    expect(portPlaceholder(9, 77, others)).toBe('<port #2>');
    expect(portPlaceholder(5, 77, others)).toBe('<port #1>');
  });

  it('makes a kernel reply to port 4242 and the same reply to rtnlkit port 3 alike', () => {
    const rtnlkit = mapMessages(links, (m) => restamp(m, { pid: 3 }));
    expect(views(rtnlkit, { port: 3 })).toEqual(views(links));
    expect(field(views(links)[0], 'pid')).toBe('<own port>');
  });

  it('still tells a reply addressed elsewhere from one addressed to the reader', () => {
    const elsewhere = mapMessages(eexist, (m) => restamp(m, { pid: 99 }));
    expect(field(views(elsewhere)[0], 'pid')).toBe('<port #1>');
  });
});

describe('rule 2: sequence numbers', () => {
  it('names a sequence number after the request that carried it', () => {
    expect(seqPlaceholder(2, SEQS)).toBe('<step 2 msg 1>');
    expect(seqPlaceholder(0, SEQS)).toBe('0');
    expect(seqPlaceholder(77, SEQS)).toBe('77');
    expect(field(views(links)[0], 'seq')).toBe('<step 1 msg 1>');
  });

  it('compares a sequence number no request carried as it is', () => {
    const stray = mapMessages(eexist, (m) => restamp(m, { seq: 77 }));
    expect(field(views(stray)[0], 'seq')).toBe('77');
    expect(field(views(eexist)[0], 'seq')).toBe('<step 5 msg 1>');
  });
});

describe('rule 3: how a dump is cut into datagrams', () => {
  it('does not compare where a dump is cut', () => {
    expect(links.length).toBeGreaterThan(1);
    const oneDatagram = [Buffer.concat(links.map((hex) => Buffer.from(hex, 'hex'))).toString('hex')];
    expect(views(oneDatagram)).toEqual(views(links));
    const all = views(links);
    expect(all.map((v) => field(v, 'datagram'))).toEqual(['new', ...all.slice(1).map(() => 'same')]);
  });

  it('compares every other datagram boundary', () => {
    const ack = fixture('newaddr-ack').replies[0] as string;
    const apart = views([ack, ack]);
    const together = views([ack + ack]);
    expect(apart.map((v) => field(v, 'datagram'))).toEqual(['new', 'new']);
    expect(together.map((v) => field(v, 'datagram'))).toEqual(['new', 'same']);
  });

  it('only continues the dump of the same request', () => {
    const multi = { type: 16, flags: 0x2, seq: 1 };
    expect(continuesDump(multi, { flags: 0x2, seq: 1 })).toBe(true);
    expect(continuesDump(multi, { flags: 0x2, seq: 2 })).toBe(false);
    expect(continuesDump({ ...multi, type: 3 }, { flags: 0x2, seq: 1 })).toBe(false);
    expect(continuesDump({ ...multi, flags: 0 }, { flags: 0x2, seq: 1 })).toBe(false);
    expect(continuesDump(undefined, { flags: 0x2, seq: 1 })).toBe(false);
  });
});

describe('rule 4: MAC addresses', () => {
  /** Every non-zero MAC replaced by another, consistently, as another machine would pick them. */
  const remapped = (datagrams: readonly string[], pick: (old: string) => string) =>
    mapMessages(datagrams, (m) =>
      ['address', 'perm-address'].reduce(
        (msg, name) =>
          editAttr(msg, name, (node) => {
            const old = Buffer.from(node.data ?? []).toString('hex');
            return old === '000000000000' ? node : { ...node, data: Buffer.from(pick(old), 'hex') };
          }),
        m,
      ),
    );

  it('hides which random addresses the devices got', () => {
    const other = remapped(
      links,
      (old) => `02${old.slice(2, 10)}${(Number.parseInt(old.slice(10), 16) ^ 0x5a).toString(16).padStart(2, '0')}`,
    );
    expect(other).not.toEqual(links);
    expect(views(other)).toEqual(views(links));
    expect(
      views(links)
        .map((v) => field(v, 'attr address'))
        .slice(0, 5),
    ).toEqual(['00:00:00:00:00:00', '<mac #1>', '<mac #2>', '<mac #3>', '<mac #4>']);
  });

  it('keeps equal addresses equal and distinct ones distinct', () => {
    const same = remapped(links, () => '020000000001');
    expect(
      views(same)
        .map((v) => field(v, 'attr address'))
        .slice(0, 5),
    ).toEqual(['00:00:00:00:00:00', '<mac #1>', '<mac #1>', '<mac #1>', '<mac #1>']);
    expect(views(same)).not.toEqual(views(links));
  });

  it('keeps the all-zero address of loopback', () => {
    const seen = new Map<string, string>();
    expect(macPlaceholder(new Uint8Array(6), seen)).toBeUndefined();
    expect(macPlaceholder(new Uint8Array(4).fill(1), seen)).toBeUndefined();
    const loWithMac = mapMessages(links, (m, i) =>
      i === 0 ? editAttr(m, 'address', withData(Buffer.from('020000000001', 'hex'))) : m,
    );
    expect(field(views(loWithMac)[0], 'attr address')).toBe('<mac #1>');
    expect(views(loWithMac)).not.toEqual(views(links));
  });
});

describe('rule 5: statistics', () => {
  it('hides the counters but not the size', () => {
    const busier = mapMessages(links, (m) =>
      ['stats', 'stats64'].reduce(
        (msg, name) => editAttr(msg, name, (node) => ({ ...node, data: (node.data ?? new Uint8Array()).map(() => 9) })),
        m,
      ),
    );
    expect(busier).not.toEqual(links);
    expect(views(busier)).toEqual(views(links));
    expect(field(views(links)[0], 'attr stats64')).toBe('(statistics, 200 bytes)');
    const shorter = mapMessages(links, (m) => editAttr(m, 'stats64', withData(new Uint8Array(192))));
    expect(field(views(shorter)[0], 'attr stats64')).toBe('(statistics, 192 bytes)');
  });
});

describe('rule 6: timestamps and cache information', () => {
  const cacheinfo = (prefered: number, valid: number, cstamp: number, tstamp: number) => {
    const data = Buffer.alloc(16);
    for (const [i, n] of [prefered, valid, cstamp, tstamp].entries()) data.writeUInt32LE(n, i * 4);
    return data;
  };

  it("hides an address's creation and update times, not its lifetimes", () => {
    const later = mapMessages(addresses, (m) =>
      editAttr(m, 'cacheinfo', withData(cacheinfo(0xffffffff, 0xffffffff, 123456, 654321))),
    );
    expect(later).not.toEqual(addresses);
    expect(views(later)).toEqual(views(addresses));
    expect(field(views(addresses)[0], 'attr cacheinfo')).toBe(
      'preferred forever, valid forever (timestamps hidden, 16 bytes)',
    );
    const finite = mapMessages(addresses, (m) => editAttr(m, 'cacheinfo', withData(cacheinfo(100, 200, 1, 1))));
    expect(field(views(finite)[0], 'attr cacheinfo')).toBe('preferred 100, valid 200 (timestamps hidden, 16 bytes)');
  });

  it("hides a route's cache information", () => {
    const withCache = mapMessages(routes, (m) => appendRouteCacheinfo(m, 7));
    const otherCache = mapMessages(routes, (m) => appendRouteCacheinfo(m, 9));
    expect(withCache).not.toEqual(otherCache);
    expect(views(withCache)).toEqual(views(otherCache));
    expect(field(views(withCache)[0], 'attr cacheinfo')).toBe('(cache info, 20 bytes)');
  });
});

/** A route message with an RTA_CACHEINFO (20 bytes of `fill`) appended, as a cached route has. */
function appendRouteCacheinfo(message: Uint8Array, fill: number): Uint8Array {
  const view = new DataView(message.buffer, message.byteOffset);
  if (view.getUint16(4, true) !== 24) return message;
  const attr = Buffer.alloc(24, fill);
  attr.writeUInt16LE(24, 0);
  attr.writeUInt16LE(12, 2);
  const out = Buffer.concat([message, attr]);
  out.writeUInt32LE(out.length, 0);
  return out;
}

describe('rule 7: attributes the model does not cover', () => {
  it('covers exactly the link attributes the link subsystem and devinet write, every address attribute, every route attribute the FIB writes', () => {
    expect(MODEL_COVERAGE).toEqual({
      link: [...MODELLED_LINK_ATTRIBUTES, 'af-spec', 'af-spec.inet.conf'],
      address: [
        'target-netnsid',
        'address',
        'local',
        'broadcast',
        'label',
        'proto',
        'flags',
        'rt-priority',
        'cacheinfo',
      ],
      route: [...MODELLED_ROUTE_ATTRIBUTES],
    });
  });

  it("drops Linux's uncovered attributes", () => {
    const kernel = views(links, { coverage: MODEL_COVERAGE });
    expect(field(kernel[0], 'attr ifname')).toBe('"lo"');
    expect(field(kernel[0], 'attr qdisc')).toBeUndefined();
    expect(field(kernel[0], 'attr stats64')).toBeUndefined();
    expect(kernel[0]?.fields.some(([key]) => key.startsWith('attr linkinfo'))).toBe(false);
    // A veth: its kind and IFLA_LINK are covered, its kind data and statistics are not.
    expect(field(kernel[1], 'attr linkinfo.kind')).toBe('"veth"');
    expect(kernel[1]?.fields.some(([key]) => key.startsWith('attr linkinfo.data') || key === 'attr stats64')).toBe(
      false,
    );
    const empty = views(links, { coverage: { link: [], address: [], route: [] } });
    expect(empty[0]?.fields.some(([key]) => key.startsWith('attr '))).toBe(false);
    expect(field(empty[0], 'ifinfomsg index')).toBe('1');
  });

  it('reports rtnlkit sending an attribute that is not covered', () => {
    const rtnlkit = views(links, { side: 'rtnlkit', coverage: { ...MODEL_COVERAGE, link: ['ifname'] } });
    expect(field(rtnlkit[0], 'attr ifname')).toBe('"lo"');
    expect(field(rtnlkit[0], 'attr mtu')).toMatch(/^sent by rtnlkit but not covered/);
    // A nest that is not covered is reported once, not child by child.
    expect(field(rtnlkit[1], 'attr linkinfo')).toMatch(/^sent by rtnlkit but not covered/);
    expect(field(rtnlkit[1], 'attr linkinfo.kind')).toBeUndefined();
  });

  it('compares exactly what is listed', () => {
    const coverage = { ...MODEL_COVERAGE, link: ['ifname', 'linkinfo.kind'] };
    const kernel = views(links, { coverage });
    expect(kernel[1]?.fields.filter(([key]) => key.startsWith('attr '))).toEqual([
      ['attr ifname', '"veth1"'],
      ['attr linkinfo', 'nest without NLA_F_NESTED'],
      ['attr linkinfo.kind', '"veth"'],
      ['attr order', 'ifname, linkinfo, linkinfo.kind'],
    ]);
  });

  it('reads paths, whole nests and everything', () => {
    expect(isCovered('mtu', ['mtu'])).toBe(true);
    expect(isCovered('mtu', ['ifname'])).toBe(false);
    expect(isCovered('linkinfo.data.stp-state', ['linkinfo.*'])).toBe(true);
    expect(isCovered('linkinfo.kind', ['linkinfo'])).toBe(false);
    expect(isCovered('anything.at.all', ['*'])).toBe(true);
    expect(hasCoveredInside('linkinfo', ['linkinfo.kind'])).toBe(true);
    expect(hasCoveredInside('af-spec', ['linkinfo.kind'])).toBe(false);
  });
});

describe('what no rule names must match', () => {
  it('shows a changed covered attribute', () => {
    const mtu = Buffer.alloc(4);
    mtu.writeUInt32LE(1500, 0);
    const changed = mapMessages(links, (m, i) => (i === 0 ? editAttr(m, 'mtu', withData(mtu)) : m));
    expect(field(views(links)[0], 'attr mtu')).toBe('65536');
    expect(field(views(changed)[0], 'attr mtu')).toBe('1500');
  });

  it('shows errno, extack, flags and the echoed request', () => {
    const [view] = views(eexist);
    expect(view?.fields).toEqual([
      ['datagram', 'new'],
      ['type', 'NLMSG_ERROR'],
      ['flags', 'ACK_TLVS'],
      ['seq', '<step 5 msg 1>'],
      ['pid', '<own port>'],
      ['errno', 'EEXIST'],
      ['echoed header', 'len=40 type=RTM_NEWADDR flags=REQUEST|ACK|EXCL|CREATE seq=5 pid=0'],
      ['echoed payload', '021800000300000008000200c000020108000100c0000201'],
      ['extack', '"ipv4: Address already assigned"'],
    ]);
  });

  it('shows bytes that are no message', () => {
    const [, tail] = views([`${eexist[0]}00000000`]);
    expect(tail?.fields).toEqual([['malformed datagram tail', '00000000']]);
  });

  it('decodes every kernel capture without leftovers', () => {
    for (const name of [
      'getlink-dump',
      'getaddr-dump',
      'getroute-dump',
      'getlink-doit',
      'newaddr-eexist',
      'deladdr-eaddrnotavail',
      'newaddr-ack',
    ]) {
      const all = views(fixture(name).replies);
      expect(all.length).toBe(messagesIn(fixture(name).replies).length);
      for (const view of all) {
        expect(view.fields.map(([key]) => key)).not.toContain('unparsed attributes');
        expect(view.fields.map(([key]) => key)).not.toContain('trailing bytes');
      }
    }
  });
});
