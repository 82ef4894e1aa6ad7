import { describe, expect, it } from 'vitest';
import { walkAttrs } from './attrs';
import { NlMsgBuilder } from './builder';
import { NLMSG_HDRLEN } from './constants';

describe('NlMsgBuilder nests', () => {
  it('cancelNest drops the open nest and what was written in it, like nla_nest_cancel', () => {
    const b = new NlMsgBuilder(16, 0, 1, 0);
    b.u32(1, 7);
    const before = b.length;
    b.beginNest(2, false).u32(3, 9).beginNest(4).u8(5, 1);
    b.cancelNest(); // the inner nest only
    b.endNest();
    b.beginNest(6).u32(7, 1).cancelNest();
    b.u8(8, 2);
    const msg = b.finish();
    const { attrs, leftover } = walkAttrs(msg, NLMSG_HDRLEN, msg.length);
    expect(leftover).toBe(0);
    expect(attrs.map((a) => a.type)).toEqual([1, 2, 8]);
    expect(attrs[1]?.nested).toBe(false);
    expect(walkAttrs(attrs[1]?.data ?? new Uint8Array(), 0, 8).attrs.map((a) => a.type)).toEqual([3]);
    expect(attrs[1]?.offset).toBe(before);
  });

  it('cancelNest without an open nest is a programming error', () => {
    expect(() => new NlMsgBuilder(16, 0, 1, 0).cancelNest()).toThrow(/without beginNest/);
  });
});
