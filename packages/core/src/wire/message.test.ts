import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeDatagram } from '../testing/messages';
import { nla } from './attrs';
import { NLMSG, nlmsgAlign } from './constants';
import { RTM } from './generated';
import { IFA } from './generated/rt-addr';
import { IFLA } from './generated/rt-link';
import { RTA } from './generated/rt-route';
import { decodeIfAddrMsg, decodeIfInfoMsg, decodeRtMsg } from './headers';
import { type AttrNode, decodeMessage, encodeMessage } from './message';
import { messagesOf } from './nlmsg';

interface Fixture {
  scenario: string;
  kernel: string;
  request: string;
  replies: string[];
}

const dir = new URL('./fixtures/', import.meta.url);
const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Fixture);
const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));

/** Decodes every message of a datagram and encodes it again, aligned as in a datagram. */
function roundTrip(datagram: Uint8Array): Uint8Array {
  const parts = [...messagesOf(datagram)].map((m) => encodeMessage(decodeMessage(m.bytes)));
  const out = new Uint8Array(parts.reduce((n, p) => n + nlmsgAlign(p.length), 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += nlmsgAlign(p.length);
  }
  return out;
}

const find = (nodes: AttrNode[], type: number) => nodes.find((n) => n.type === type);
const text = (node: AttrNode | undefined) => new TextDecoder().decode(node?.data).replace(/\0.*$/s, '');
const asAttr = (node: AttrNode | undefined) => ({
  type: 0,
  nested: false,
  netByteOrder: false,
  offset: 0,
  data: node?.data ?? new Uint8Array(0),
});

describe('kernel captures', () => {
  it('has the seven captured scenarios', () => {
    expect(fixtures.map((f) => f.scenario).sort()).toEqual([
      'deladdr-eaddrnotavail',
      'getaddr-dump',
      'getlink-doit',
      'getlink-dump',
      'getroute-dump',
      'newaddr-ack',
      'newaddr-eexist',
    ]);
  });

  it.each(fixtures.map((f) => [f.scenario, f] as const))(
    '%s: decode then encode gives the kernel bytes back',
    (_name, fixture) => {
      for (const hex of [fixture.request, ...fixture.replies]) {
        const datagram = bytes(hex);
        expect(Buffer.from(roundTrip(datagram)).toString('hex')).toBe(hex);
      }
    },
  );

  it('opens the nests the specs describe (link info, af spec) in a link dump', () => {
    const links = fixtures
      .find((f) => f.scenario === 'getlink-dump')
      ?.replies.flatMap((hex) => [...messagesOf(bytes(hex))])
      .map((m) => decodeMessage(m.bytes))
      .filter((m) => m.header.type === RTM.NEWLINK);
    expect(links?.map((m) => text(find(m.attrs, IFLA.IFNAME)))).toEqual(['lo', 'veth1', 'veth0', 'br0', 'ifb0']);
    const lo = links?.[0];
    expect(decodeIfInfoMsg(lo?.fixed ?? new Uint8Array(16), 0).index).toBe(1);
    expect(nla.u32(asAttr(find(lo?.attrs ?? [], IFLA.MTU)))).toBe(65536);
    const veth = links?.[2];
    const linkinfo = find(veth?.attrs ?? [], IFLA.LINKINFO);
    expect(linkinfo?.children?.map((c) => c.name)).toContain('kind');
    expect(text(linkinfo?.children?.find((c) => c.name === 'kind'))).toBe('veth');
    expect(find(veth?.attrs ?? [], IFLA.AF_SPEC)?.children?.length).toBeGreaterThan(0);
  });

  it('reads addresses and routes with their family headers', () => {
    const messages = (scenario: string) =>
      fixtures
        .find((f) => f.scenario === scenario)
        ?.replies.flatMap((hex) => [...messagesOf(bytes(hex))])
        .map((m) => decodeMessage(m.bytes)) ?? [];
    const addrs = messages('getaddr-dump').filter((m) => m.header.type === RTM.NEWADDR);
    expect(
      addrs.map((m) => `${nla.ipv4(asAttr(find(m.attrs, IFA.LOCAL)))}/${decodeIfAddrMsg(m.fixed, 0).prefixlen}`),
    ).toEqual(['127.0.0.1/8', '192.0.2.1/24']);
    const routes = messages('getroute-dump').filter((m) => m.header.type === RTM.NEWROUTE);
    expect(routes.map((m) => `${nla.ipv4(asAttr(find(m.attrs, RTA.DST)))}/${decodeRtMsg(m.fixed, 0).dstLen}`)).toEqual([
      '192.0.2.0/24',
      '198.51.100.0/24',
    ]);
    expect(nla.ipv4(asAttr(find(routes[1]?.attrs ?? [], RTA.GATEWAY)))).toBe('192.0.2.2');
  });

  it('reads errors with their extack, acks and dump ends', () => {
    const decoded = (scenario: string) =>
      fixtures.find((f) => f.scenario === scenario)?.replies.flatMap((hex) => decodeDatagram(bytes(hex))) ?? [];
    expect(decoded('newaddr-eexist').map((m) => [m.errno, m.extack])).toEqual([[17, 'ipv4: Address already assigned']]);
    expect(decoded('deladdr-eaddrnotavail').map((m) => [m.errno, m.extack])).toEqual([[99, 'ipv4: Address not found']]);
    expect(decoded('newaddr-ack').map((m) => m.errno)).toEqual([0]);
    expect(decoded('getroute-dump').at(-1)).toMatchObject({ header: { type: NLMSG.DONE }, doneErrno: 0 });
  });
});
