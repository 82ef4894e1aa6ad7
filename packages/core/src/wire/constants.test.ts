import { describe, expect, it } from 'vitest';
import { AF, NLM_F, RTM_BASE, RTM_MAX, RTNL_KIND, RTNLGRP, rtnlMsgtypeKind } from './constants';
import { RTM, RTNLGRP as SPEC_RTNLGRP } from './generated';
import { AF as SPEC_AF_SPEC } from './generated/rt-link';

describe('hand-written constants', () => {
  it('agree with the specs wherever both name a value', () => {
    for (const [name, value] of Object.entries(SPEC_RTNLGRP)) expect(RTNLGRP[name as keyof typeof RTNLGRP]).toBe(value);
    // IFLA_AF_SPEC nests are keyed by address family.
    expect(SPEC_AF_SPEC.INET).toBe(AF.INET);
    expect(SPEC_AF_SPEC.INET6).toBe(AF.INET6);
  });

  it('derive the kind of every spec message type as the kernel does', () => {
    expect(rtnlMsgtypeKind(RTM.NEWLINK)).toBe(RTNL_KIND.NEW);
    expect(rtnlMsgtypeKind(RTM.DELADDR)).toBe(RTNL_KIND.DEL);
    expect(rtnlMsgtypeKind(RTM.GETROUTE)).toBe(RTNL_KIND.GET);
    expect(rtnlMsgtypeKind(RTM.SETLINK)).toBe(RTNL_KIND.SET);
    for (const value of Object.values(RTM)) {
      expect(value).toBeGreaterThanOrEqual(RTM_BASE);
      expect(value).toBeLessThanOrEqual(RTM_MAX);
    }
  });

  it('keep NLM_F_DUMP = ROOT | MATCH', () => {
    expect(NLM_F.DUMP).toBe(NLM_F.ROOT | NLM_F.MATCH);
  });
});
