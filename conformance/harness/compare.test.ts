/**
 * The differences as a person reads them: one line per differing field, named by step, reply and
 * field, with both values.
 */
import { Buffer } from 'node:buffer';
import { decodeMessage, encodeMessage, NLM_F, NLMSG, RTM } from '@rtnlkit/core';
import { describe, expect, it } from 'vitest';
import { message } from './build';
import { differences, truncateLines, viewSide } from './compare';
import { fixture, mapMessages, record, restamp } from './test-support';
import type { Scenario, SideResult } from './types';

const eexist = fixture('newaddr-eexist');
const ack = fixture('newaddr-ack');

const scenario: Scenario = {
  name: 'compare-test',
  description: 'one request, the one of the newaddr-eexist capture',
  socket: { admin: true },
  steps: [{ title: 'RTM_NEWADDR again', send: { hex: eexist.request } }],
};

/** The datagrams as received by a socket bound to `port`. */
const onPort = (datagrams: readonly string[], port: number) => mapMessages(datagrams, (m) => restamp(m, { pid: port }));

const side = (datagrams: string[], port: number, extra: Partial<SideResult> = {}): SideResult => ({
  setup: [],
  steps: [record(onPort(datagrams, port), port)],
  state: {},
  ...extra,
});

function diff(kernel: SideResult, rtnlkit: SideResult & { problems?: string[] }, s: Scenario = scenario) {
  return differences(viewSide('kernel', kernel, s), viewSide('rtnlkit', rtnlkit, s));
}

/** The capture with another errno in its NLMSG_ERROR. */
function withErrno(hex: string, errno: number): string {
  const bytes = Buffer.from(hex, 'hex');
  bytes.writeInt32LE(-errno, 16);
  return bytes.toString('hex');
}

describe('differences', () => {
  it('finds none between the same answer on two ports', () => {
    expect(diff(side(eexist.replies, 4242), side(eexist.replies, 3))).toEqual([]);
  });

  it('names the step, the reply, the field and both values', () => {
    const rtnlkit = side([withErrno(eexist.replies[0] as string, 1)], 3);
    expect(diff(side(eexist.replies, 4242), rtnlkit)).toEqual([
      'step 1 (RTM_NEWADDR again), reply 1: errno: kernel EEXIST, rtnlkit EPERM',
    ]);
  });

  it('shows a missing field as absent', () => {
    // The same error without extack: no NLM_F_ACK_TLVS, no TLVs.
    const plain = Buffer.from(eexist.replies[0] as string, 'hex');
    const echoEnd = 20 + 40;
    const bare = Buffer.from(plain.subarray(0, echoEnd));
    bare.writeUInt32LE(echoEnd, 0);
    bare.writeUInt16LE(0, 6);
    expect(diff(side(eexist.replies, 4242), side([bare.toString('hex')], 3))).toEqual([
      'step 1 (RTM_NEWADDR again), reply 1: flags: kernel ACK_TLVS, rtnlkit 0',
      'step 1 (RTM_NEWADDR again), reply 1: extack: kernel "ipv4: Address already assigned", rtnlkit (absent)',
    ]);
  });

  it('lists the replies only one side sent', () => {
    const twice = side([eexist.replies[0] as string, ack.replies[0] as string], 3);
    const lines = diff(side(eexist.replies, 4242), twice);
    expect(lines).toEqual([
      'step 1 (RTM_NEWADDR again): kernel sent 1 replies, rtnlkit 2',
      'step 1 (RTM_NEWADDR again), reply 2: only rtnlkit: NLMSG_ERROR errno=0 flags=CAPPED seq=7',
    ]);
    expect(diff(side([], 4242), side(eexist.replies, 3))).toEqual([
      'step 1 (RTM_NEWADDR again): kernel sent 0 replies, rtnlkit 1',
      'step 1 (RTM_NEWADDR again), reply 1: only rtnlkit: NLMSG_ERROR errno=EEXIST flags=ACK_TLVS seq=<step 1 msg 1>',
    ]);
  });

  it('says what each side sent when the message types differ', () => {
    const doit = fixture('getlink-doit');
    const linkScenario: Scenario = {
      ...scenario,
      steps: [{ title: 'RTM_GETLINK veth0', send: { hex: doit.request } }],
    };
    const refused = Buffer.from(withErrno(eexist.replies[0] as string, 95), 'hex');
    refused.writeUInt32LE(4, 8); // the seq of the link request
    expect(diff(side(doit.replies, 4242), side([refused.toString('hex')], 3), linkScenario)).toEqual([
      'step 1 (RTM_GETLINK veth0), reply 1: kernel RTM_NEWLINK seq=<step 1 msg 1>, rtnlkit NLMSG_ERROR errno=EOPNOTSUPP flags=ACK_TLVS seq=<step 1 msg 1>',
    ]);
  });

  it('says when one side did not answer in time', () => {
    const late = side(eexist.replies, 3);
    (late.steps[0] as { timedOut: boolean }).timedOut = true;
    expect(diff(side(eexist.replies, 4242), late)).toEqual([
      'step 1 (RTM_NEWADDR again): rtnlkit did not answer completely within the time limit, kernel did',
    ]);
  });

  it('reports failed setup requests and rtnlkit problems first', () => {
    const withSetup: Scenario = { ...scenario, setup: [message(NLMSG.NOOP, NLM_F.REQUEST | NLM_F.ACK, 9)] };
    const kernel = side(eexist.replies, 4242, { setup: [record(onPort(ack.replies, 4242), 4242)] });
    const rtnlkit = {
      ...side(eexist.replies, 3, { setup: [record(onPort(eexist.replies, 3), 3)] }),
      problems: ['handler fault'],
    };
    expect(diff(kernel, rtnlkit, withSetup)).toEqual([
      'setup failed on rtnlkit: setup 1: NLMSG_ERROR errno=EEXIST flags=ACK_TLVS seq=<step 1 msg 1> "ipv4: Address already assigned"',
      'rtnlkit: handler fault',
    ]);
  });

  it('compares the order of attributes only when both have the same ones', () => {
    const dumpScenario: Scenario = {
      ...scenario,
      steps: [{ title: 'dump', send: message(RTM.GETADDR, NLM_F.REQUEST | NLM_F.DUMP, 2, new Uint8Array(8)) }],
    };
    const addresses = fixture('getaddr-dump').replies;
    const coverage = { link: [], address: ['label', 'local'], route: [] };
    const view = (s: 'kernel' | 'rtnlkit', datagrams: string[]) =>
      viewSide(s, side(datagrams, 1), dumpScenario, { coverage });
    // rtnlkit sends only what is covered (rule 7 reports anything else).
    const covered = mapMessages(addresses, (m) => {
      const tree = decodeMessage(m);
      tree.attrs = tree.attrs.filter((a) => a.name === 'label' || a.name === 'local');
      return encodeMessage(tree);
    });
    expect(differences(view('kernel', addresses), view('rtnlkit', covered))).toEqual([]);
    // IFA_LABEL moved in front of IFA_LOCAL.
    const reordered = mapMessages(covered, (m) => {
      const tree = decodeMessage(m);
      const label = tree.attrs.filter((a) => a.name === 'label');
      tree.attrs = [...label, ...tree.attrs.filter((a) => a.name !== 'label')];
      return encodeMessage(tree);
    });
    expect(differences(view('kernel', addresses), view('rtnlkit', reordered))).toEqual([
      'step 1 (dump), reply 1: attr order: kernel local, label, rtnlkit label, local',
      'step 1 (dump), reply 2: attr order: kernel local, label, rtnlkit label, local',
    ]);
    const relabelled = mapMessages(covered, (m) => {
      const copy = Buffer.from(m);
      const at = copy.indexOf('lo\0');
      if (at > 0) copy.write('xx', at);
      return copy;
    });
    expect(differences(view('kernel', addresses), view('rtnlkit', relabelled))).toEqual([
      'step 1 (dump), reply 1: attr label: kernel "lo", rtnlkit "xx"',
    ]);
    // An attribute only one side sent: its absence says it all, the order is not compared.
    const unlabelled = mapMessages(covered, (m) => {
      const tree = decodeMessage(m);
      tree.attrs = tree.attrs.filter((a) => a.name !== 'label');
      return encodeMessage(tree);
    });
    expect(differences(view('kernel', addresses), view('rtnlkit', unlabelled))).toEqual([
      'step 1 (dump), reply 1: attr label: kernel "lo", rtnlkit (absent)',
      'step 1 (dump), reply 2: attr label: kernel "veth0", rtnlkit (absent)',
    ]);
  });
});

describe('truncateLines', () => {
  it('keeps a long list readable', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);
    expect(truncateLines(lines, 3)).toEqual(['line 0', 'line 1', 'line 2', '... and 47 more differences']);
    expect(truncateLines(lines.slice(0, 2), 3)).toEqual(['line 0', 'line 1']);
  });
});
