/**
 * A scenario as bytes: every datagram both sides will send, as hex, so that the Linux side (a
 * child process in the namespace, fed JSON on stdin) and the rtnlkit side send exactly the same
 * bytes. Also the requests of the state dumps.
 */
import { Buffer } from 'node:buffer';
import { AF, encodeIfAddrMsg, encodeIfInfoMsg, encodeRtMsg, NLM_F, NlMsgBuilder, RTM } from '@rtnlkit/core';
import { DEFAULT_REPLY_TIMEOUT_MS, HARNESS_SEQ_BASE, headersOf } from './client';
import type { DatagramSpec, NetlinkOptionName, Scenario, StateKind } from './types';

export interface Plan {
  scenario: string;
  admin: boolean;
  socket: { options: NetlinkOptionName[]; groups: number[] };
  setup: string[];
  steps: string[];
  state: { kind: StateKind; request: string }[];
  timeoutMs: number;
}

/** What the Linux child is asked to do: everything, or only the setup (as root), or all but the setup. */
export type ChildPhase = 'all' | 'setup' | 'main';

export interface ChildInput {
  plan: Plan;
  phase: ChildPhase;
}

export function datagramBytes(spec: DatagramSpec): Uint8Array {
  if (spec instanceof Uint8Array) return spec;
  if ('hex' in spec) {
    const hex = spec.hex.replace(/\s+/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new TypeError(`not hex: ${spec.hex}`);
    return Buffer.from(hex, 'hex');
  }
  return Buffer.concat(spec as readonly Uint8Array[]);
}

const hexOf = (spec: DatagramSpec): string => Buffer.from(datagramBytes(spec)).toString('hex');

/** The sequence number of each state dump's request (the harness's own range). */
export const STATE_SEQ: Readonly<Record<StateKind, number>> = {
  links: HARNESS_SEQ_BASE + 1,
  addresses: HARNESS_SEQ_BASE + 2,
  routes: HARNESS_SEQ_BASE + 3,
};

/** The dump request of a state kind: all links, IPv4 addresses, IPv4 routes of every table. */
export function stateRequest(kind: StateKind): Uint8Array {
  const flags = NLM_F.REQUEST | NLM_F.DUMP;
  switch (kind) {
    case 'links':
      return new NlMsgBuilder(RTM.GETLINK, flags, STATE_SEQ.links, 0)
        .bytes(encodeIfInfoMsg({ family: AF.UNSPEC, type: 0, index: 0, flags: 0, change: 0 }))
        .finish();
    case 'addresses':
      return new NlMsgBuilder(RTM.GETADDR, flags, STATE_SEQ.addresses, 0)
        .bytes(encodeIfAddrMsg({ family: AF.INET, prefixlen: 0, flags: 0, scope: 0, index: 0 }))
        .finish();
    case 'routes':
      return new NlMsgBuilder(RTM.GETROUTE, flags, STATE_SEQ.routes, 0)
        .bytes(encodeRtMsg({ family: AF.INET }))
        .finish();
  }
}

/** Problems with a scenario as written; empty when it is fine. */
export function scenarioProblems(scenario: Scenario): string[] {
  const problems: string[] = [];
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(scenario.name)) problems.push('name must be kebab-case');
  if (scenario.steps.length === 0) problems.push('has no steps');
  if (scenario.ipSetup?.length && !scenario.rtnlkitSetup) {
    problems.push('has ipSetup (Linux only) but no rtnlkitSetup building the same state in rtnlkit');
  }
  const datagrams = [...(scenario.setup ?? []), ...scenario.steps.map((s) => s.send)];
  datagrams.forEach((spec, i) => {
    try {
      const bytes = datagramBytes(spec);
      if (bytes.length === 0) problems.push(`datagram ${i + 1} is empty`);
      // The harness's own sequence numbers (barriers, state dumps) must stay recognisable.
      if (headersOf(bytes).some((h) => h.seq >= HARNESS_SEQ_BASE)) {
        problems.push(
          `datagram ${i + 1} uses a sequence number reserved for the harness (>= 0x${HARNESS_SEQ_BASE.toString(16)})`,
        );
      }
    } catch (error) {
      problems.push(`datagram ${i + 1}: ${(error as Error).message}`);
    }
  });
  return problems;
}

export function planOf(scenario: Scenario): Plan {
  const problems = scenarioProblems(scenario);
  if (problems.length > 0) throw new TypeError(`scenario ${scenario.name}: ${problems.join('; ')}`);
  return {
    scenario: scenario.name,
    admin: scenario.socket.admin,
    socket: { options: [...(scenario.socket.options ?? [])], groups: [...(scenario.socket.groups ?? [])] },
    setup: (scenario.setup ?? []).map(hexOf),
    steps: scenario.steps.map((step) => hexOf(step.send)),
    state: (scenario.state ?? []).map((kind) => ({ kind, request: hexOf(stateRequest(kind)) })),
    timeoutMs: DEFAULT_REPLY_TIMEOUT_MS,
  };
}
