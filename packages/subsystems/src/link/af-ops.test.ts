/**
 * IFLA_AF_SPEC through af ops, with a made-up family (AF_TEST) that keeps one u32 per device:
 * fill, size, validation, set, and the kernel's answers for what is wrong in a request.
 */
import {
  decodeIfInfoMsg,
  defineAttrSet,
  Errno,
  ErrnoError,
  IFF,
  IFINFOMSG_LEN,
  IFLA,
  NL_VALIDATE,
  NLM_F,
  NLMSG_HDRLEN,
  type Nlattr,
  type NlMsgBuilder,
  nla,
  nlaParseNested,
  nlmsgParse,
  RTM,
  runTask,
  walkAttrs,
} from '@rtnlkit/core';
import type { DecodedMessage } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { type RtnlAfOps, rtnlAfOps, rtnlAfRegister, rtnlAfUnregister, rtnlLinkGetAfSize } from './af-ops';
import { fillIfinfo } from './fill';
import { iflaPolicy } from './getlink';
import type { NetDevice } from './netdevice';
import { applyLinkChange, checkLinkChange } from './setlink';
import { linkRequest, linkWorld, sendAndListen } from './test-support';

/** Not a real address family: a number no kernel family uses. */
const AF_TEST = 200;
/** A second made-up family, registered without `setLinkAf`. */
const AF_READONLY = 201;
/** The one attribute inside AF_TEST's nest. */
const TEST_VALUE = 1;
const testAttrs = defineAttrSet('test-af', [{ name: 'value', type: TEST_VALUE, nla: 'u32' }]);

/** AF_TEST: a u32 per device, at most 1000, reported only once set (ENODATA before). */
function testFamily() {
  const values = new WeakMap<NetDevice, number>();
  const masks: number[] = [];
  const parse = (attr: Nlattr) => nlaParseNested(attr, testAttrs, NL_VALIDATE.LIBERAL);
  const ops: RtnlAfOps = {
    family: AF_TEST,
    fillLinkAf(b, dev, extFilterMask) {
      masks.push(extFilterMask);
      const value = values.get(dev);
      if (value === undefined) throw new ErrnoError(Errno.ENODATA);
      b.u32(TEST_VALUE, value);
    },
    getLinkAfSize: () => 8,
    validateLinkAf(_dev, attr) {
      const value = parse(attr).tb[TEST_VALUE];
      if (value && nla.u32(value) > 1000)
        throw new ErrnoError(Errno.EINVAL, 'test: value out of range', { offset: value.offset });
    },
    setLinkAf(dev, attr) {
      const value = parse(attr).tb[TEST_VALUE];
      if (value) values.set(dev, nla.u32(value));
    },
  };
  return { ops, values, masks };
}

const readonlyFamily: RtnlAfOps = {
  family: AF_READONLY,
  fillLinkAf: (b) => {
    b.u8(1, 1);
  },
};

async function world() {
  const w = await linkWorld();
  const test = testFamily();
  await rtnlAfRegister(w.rtnl, test.ops);
  return { ...w, test };
}

/** IFLA_AF_SPEC with one nest per `[family, value]` (a value of undefined: an empty nest). */
function afSpec(b: NlMsgBuilder, ...families: [number, number | undefined][]) {
  b.beginNest(IFLA.AF_SPEC, false);
  for (const [family, value] of families) {
    b.beginNest(family, false);
    if (value !== undefined) b.u32(TEST_VALUE, value);
    b.endNest();
  }
  b.endNest();
}

/** The IFLA_AF_SPEC of a link message: family → its nest; undefined if the message has none. */
function afSpecOf(message: Uint8Array): Map<number, Nlattr> | undefined {
  const top = walkAttrs(message, NLMSG_HDRLEN + IFINFOMSG_LEN, message.length).attrs;
  const spec = top.find((a) => a.type === IFLA.AF_SPEC);
  if (!spec) return undefined;
  expect(spec).toBe(top.at(-1)); // the last attribute rtnlkit writes, as in rtnl_fill_ifinfo()
  return new Map(walkAttrs(spec.data, 0, spec.data.length).attrs.map((a) => [a.type, a]));
}

function testValueOf(message: Uint8Array): number | undefined {
  const nest = afSpecOf(message)?.get(AF_TEST);
  const value = nest && walkAttrs(nest.data, 0, nest.data.length).attrs.find((a) => a.type === TEST_VALUE);
  return value ? nla.u32(value) : undefined;
}

async function getlink(rtnl: Parameters<typeof sendAndListen>[0], index: number, extMask?: number) {
  const { replies } = await sendAndListen(
    rtnl,
    linkRequest(RTM.GETLINK, 0, { index }, (b) => {
      if (extMask !== undefined) b.u32(IFLA.EXT_MASK, extMask);
    }),
  );
  return (replies[0] as DecodedMessage).bytes;
}

describe('af ops: IFLA_AF_SPEC in the fill (rtnl_fill_link_af)', () => {
  it('writes no IFLA_AF_SPEC while no af ops is registered (Linux always has AF_INET/AF_INET6)', async () => {
    const { rtnl } = await linkWorld();
    expect(afSpecOf(await getlink(rtnl, 1))).toBeUndefined();
  });

  it('leaves out a family that has nothing to report (ENODATA) and writes it once set', async () => {
    const { rtnl, lo, test } = await world();
    expect(afSpecOf(await getlink(rtnl, 1))).toEqual(new Map()); // an empty IFLA_AF_SPEC
    test.values.set(lo, 42);
    expect(testValueOf(await getlink(rtnl, 1))).toBe(42);
  });

  it('writes one nest per family, in registration order, without NLA_F_NESTED', async () => {
    const { rtnl, lo, test } = await world();
    await rtnlAfRegister(rtnl, readonlyFamily);
    test.values.set(lo, 7);
    const message = await getlink(rtnl, 1);
    const spec = afSpecOf(message);
    expect([...(spec?.keys() ?? [])]).toEqual([AF_TEST, AF_READONLY]);
    expect([...(spec?.values() ?? [])].every((a) => !a.nested)).toBe(true);
  });

  it('passes IFLA_EXT_MASK to the families, in the doit and in the dump; notifications use 0', async () => {
    const { rtnl, test } = await world();
    await getlink(rtnl, 1, 0x9);
    expect(test.masks.at(-1)).toBe(0x9);
    const sock = rtnl.socket({ admin: true });
    await sock.send(linkRequest(RTM.GETLINK, NLM_F.DUMP, {}, (b) => b.u32(IFLA.EXT_MASK, 0x20)));
    await sock.recv();
    expect(test.masks.at(-1)).toBe(0x20);
    sock.close();
    test.masks.length = 0;
    await sendAndListen(rtnl, linkRequest(RTM.SETLINK, 0, { index: 1, flags: IFF.UP, change: IFF.UP }));
    expect(test.masks).toEqual([0]);
  });

  it('sizes IFLA_AF_SPEC as rtnl_link_get_af_size() does, enough for what the families write', async () => {
    const { rtnl, lo, test } = await world();
    test.values.set(lo, 1);
    const size = rtnlLinkGetAfSize(rtnl, lo, 0);
    expect(size).toBe(4 + 4 + 8); // IFLA_AF_SPEC header, AF_TEST header, its u32
    const message = fillIfinfo(lo, { type: RTM.NEWLINK, flags: 0, seq: 0, portId: 0, rtnl });
    const withoutAf = fillIfinfo(lo, { type: RTM.NEWLINK, flags: 0, seq: 0, portId: 0 });
    expect(message.length - withoutAf.length).toBe(size);
  });

  it('fails the fill with EMSGSIZE when a family fails otherwise, as the kernel does', async () => {
    const { rtnl, lo } = await linkWorld();
    await rtnlAfRegister(rtnl, {
      family: AF_TEST,
      fillLinkAf: () => {
        throw new ErrnoError(Errno.EIO);
      },
    });
    expect(() => fillIfinfo(lo, { type: RTM.NEWLINK, flags: 0, seq: 0, portId: 0, rtnl })).toThrow(
      expect.objectContaining({ errno: Errno.EMSGSIZE }),
    );
  });
});

describe('af ops: IFLA_AF_SPEC in RTM_SETLINK (validate_linkmsg, do_setlink)', () => {
  const setlink = (fields: { index?: number; flags?: number; change?: number }, attrs: (b: NlMsgBuilder) => void) =>
    linkRequest(RTM.SETLINK, 0, fields, attrs);

  it('sets a family’s value; a device that is down gets no notification', async () => {
    const { rtnl, lo, test, env } = await world();
    const { ack, notifications } = await sendAndListen(
      rtnl,
      setlink({ index: 1 }, (b) => afSpec(b, [AF_TEST, 5])),
    );
    expect(ack?.errno).toBe(0);
    expect(test.values.get(lo)).toBe(5);
    expect(notifications).toEqual([]);
    expect(testValueOf(await getlink(rtnl, 1))).toBe(5);
    expect(env.lockdep?.reports).toEqual([]);
  });

  it('notifies once, after every change, when the device is up (netdev_state_change)', async () => {
    const { rtnl, lo, test, events } = await world();
    await sendAndListen(
      rtnl,
      setlink({ index: 1, flags: IFF.UP, change: IFF.UP }, () => {}),
    );
    events.length = 0;
    const { ack, notifications } = await sendAndListen(
      rtnl,
      setlink({ index: 1 }, (b) => {
        b.u32(IFLA.TXQLEN, 500);
        afSpec(b, [AF_TEST, 9]);
      }),
    );
    expect(ack?.errno).toBe(0);
    expect(lo.txqlen).toBe(500);
    // NETDEV_CHANGE_TX_QUEUE_LEN's RTM_NEWLINK, then netdev_state_change()'s with the new value.
    expect(events.map(([event]) => event)).toEqual([31, 4]);
    expect(notifications).toHaveLength(2);
    expect(testValueOf(notifications[0]?.bytes as Uint8Array)).toBeUndefined();
    expect(testValueOf(notifications[1]?.bytes as Uint8Array)).toBe(9);
    expect(test.values.get(lo)).toBe(9);
  });

  it('answers EAFNOSUPPORT for a family without af ops, and changes nothing', async () => {
    const { rtnl, lo, test } = await world();
    const { ack } = await sendAndListen(
      rtnl,
      setlink({ index: 1 }, (b) => {
        b.u32(IFLA.MTU, 1500);
        afSpec(b, [AF_TEST, 3], [77, 1]);
      }),
    );
    expect(ack?.errno).toBe(Errno.EAFNOSUPPORT);
    expect(lo.mtu).toBe(65536);
    expect(test.values.get(lo)).toBeUndefined();
  });

  it('answers EOPNOTSUPP at validation for a family without set_link_af, before any change', async () => {
    const { rtnl, lo, test } = await world();
    await rtnlAfRegister(rtnl, readonlyFamily);
    const { ack } = await sendAndListen(
      rtnl,
      setlink({ index: 1 }, (b) => {
        b.u32(IFLA.TXQLEN, 10);
        afSpec(b, [AF_TEST, 3], [AF_READONLY, 1]);
      }),
    );
    expect(ack?.errno).toBe(Errno.EOPNOTSUPP);
    expect(lo.txqlen).toBe(1000);
    expect(test.values.get(lo)).toBeUndefined();
  });

  it('passes a family’s veto on with its extack, and changes nothing', async () => {
    const { rtnl, lo, test } = await world();
    const { ack } = await sendAndListen(
      rtnl,
      setlink({ index: 1 }, (b) => afSpec(b, [AF_TEST, 1001])),
    );
    expect(ack?.errno).toBe(Errno.EINVAL);
    expect(ack?.extack).toBe('test: value out of range');
    expect(ack?.extackOffset).toBe(NLMSG_HDRLEN + IFINFOMSG_LEN + 4 + 4); // the u32 in the nest
    expect(test.values.get(lo)).toBeUndefined();
  });

  it('answers a malformed family nest as the family’s own parse does (ERANGE, policy extack)', async () => {
    const { rtnl, lo, test } = await world();
    const { ack } = await sendAndListen(
      rtnl,
      setlink({ index: 1 }, (b) => {
        b.beginNest(IFLA.AF_SPEC, false).beginNest(AF_TEST, false).u16(TEST_VALUE, 1).endNest().endNest();
      }),
    );
    expect(ack?.errno).toBe(Errno.ERANGE);
    expect(ack?.extack).toBe('Attribute failed policy validation');
    expect(test.values.get(lo)).toBeUndefined();
  });

  it('refuses an IFLA_AF_SPEC shorter than an attribute header (ifla_policy NLA_NESTED)', async () => {
    const { rtnl } = await world();
    const { ack } = await sendAndListen(
      rtnl,
      setlink({ index: 1 }, (b) => b.attr(IFLA.AF_SPEC, new Uint8Array(2))),
    );
    expect(ack?.errno).toBe(Errno.ERANGE);
    expect(ack?.extack).toBe('Attribute failed policy validation');
  });

  it('ignores bytes after the last whole family nest, as nla_for_each_nested() does', async () => {
    const { rtnl, lo, test } = await world();
    const { ack } = await sendAndListen(
      rtnl,
      setlink({ index: 1 }, (b) => {
        b.beginNest(IFLA.AF_SPEC, false).beginNest(AF_TEST, false).u32(TEST_VALUE, 8).endNest();
        b.bytes(Uint8Array.of(0xff, 0xff)); // 2 bytes (padded to 4): no room for a header
        b.endNest();
      }),
    );
    expect(ack?.errno).toBe(0);
    expect(test.values.get(lo)).toBe(8);
  });

  it('keeps the families already set when a later set_link_af fails, and notifies them (errout)', async () => {
    const { rtnl, lo, test } = await world();
    await rtnlAfRegister(rtnl, {
      family: AF_READONLY,
      setLinkAf: () => {
        throw new ErrnoError(Errno.EIO, 'test: device went away');
      },
    });
    await sendAndListen(
      rtnl,
      setlink({ index: 1, flags: IFF.UP, change: IFF.UP }, () => {}),
    );
    const { ack, notifications } = await sendAndListen(
      rtnl,
      setlink({ index: 1 }, (b) => afSpec(b, [AF_TEST, 4], [AF_READONLY, 1])),
    );
    expect(ack?.errno).toBe(Errno.EIO);
    expect(ack?.extack).toBe('test: device went away');
    expect(test.values.get(lo)).toBe(4);
    expect(notifications).toHaveLength(1);
    expect(testValueOf(notifications[0]?.bytes as Uint8Array)).toBe(4);
  });

  it('answers EAFNOSUPPORT at set time for a family unregistered since validation, keeping what was set', async () => {
    // Not reachable while the request holds RTNL (unregistering needs it to unlist); a strategy
    // that let them overlap would meet do_setlink()'s lookup failure, modelled here directly.
    const { rtnl, lo, test } = await world();
    const request = setlink({ index: 1 }, (b) => {
      b.u32(IFLA.TXQLEN, 77);
      afSpec(b, [AF_TEST, 2]);
    });
    const tb = nlmsgParse(request, IFINFOMSG_LEN, iflaPolicy, NL_VALIDATE.LIBERAL);
    await runTask('setlink', async (task) => {
      const change = checkLinkChange(lo, decodeIfInfoMsg(request, NLMSG_HDRLEN), tb, { rtnl, task });
      await rtnlAfUnregister(rtnl, test.ops);
      await expect(applyLinkChange(rtnl, task, lo, change)).rejects.toMatchObject({ errno: Errno.EAFNOSUPPORT });
    });
    expect(lo.txqlen).toBe(77);
    expect(test.values.get(lo)).toBeUndefined();
  });

  it('takes IFLA_AF_SPEC in RTM_NEWLINK for an existing device, as RTM_SETLINK', async () => {
    const { rtnl, lo, test } = await world();
    const { ack } = await sendAndListen(
      rtnl,
      linkRequest(RTM.NEWLINK, 0, { index: 1 }, (b) => afSpec(b, [AF_TEST, 6])),
    );
    expect(ack?.errno).toBe(0);
    expect(test.values.get(lo)).toBe(6);
  });
});

describe('af ops: IFLA_AF_SPEC in RTM_NEWLINK creating a device (rtnl_create_link)', () => {
  const create = (attrs: (b: NlMsgBuilder) => void) =>
    linkRequest(RTM.NEWLINK, NLM_F.CREATE | NLM_F.EXCL, {}, (b) => {
      b.string(IFLA.IFNAME, 'ifb7');
      b.nest(IFLA.LINKINFO, (l) => l.string(1, 'ifb'));
      attrs(b);
    });

  it('validates it (unknown family, veto) before creating anything', async () => {
    const { rtnl, table } = await world();
    expect(
      (
        await sendAndListen(
          rtnl,
          create((b) => afSpec(b, [77, 1])),
        )
      ).ack?.errno,
    ).toBe(Errno.EAFNOSUPPORT);
    const veto = await sendAndListen(
      rtnl,
      create((b) => afSpec(b, [AF_TEST, 5000])),
    );
    expect(veto.ack?.errno).toBe(Errno.EINVAL);
    expect(veto.ack?.extack).toBe('test: value out of range');
    expect(table.getByName('ifb7')).toBeUndefined();
  });

  it('checks it before the mtu, as validate_linkmsg() runs first in rtnl_create_link()', async () => {
    const { rtnl } = await world();
    const { ack } = await sendAndListen(
      rtnl,
      create((b) => {
        b.u32(IFLA.MTU, 70000);
        afSpec(b, [77, 1]);
      }),
    );
    expect(ack?.errno).toBe(Errno.EAFNOSUPPORT);
  });

  it('does not apply it to the new device (no set_link_af on creation)', async () => {
    const { rtnl, table, test } = await world();
    const { ack } = await sendAndListen(
      rtnl,
      create((b) => afSpec(b, [AF_TEST, 5])),
    );
    expect(ack?.errno).toBe(0);
    const dev = table.getByName('ifb7') as NetDevice;
    expect(dev).toBeDefined();
    expect(test.values.get(dev)).toBeUndefined();
  });
});

describe('af ops registry', () => {
  it('refuses a second ops for a family already registered with EEXIST', async () => {
    const { rtnl, test } = await world();
    await expect(rtnlAfRegister(rtnl, { family: AF_TEST })).rejects.toMatchObject({ errno: Errno.EEXIST });
    expect(rtnlAfOps(rtnl).size).toBe(1);
    await rtnlAfUnregister(rtnl, test.ops);
    expect(rtnlAfOps(rtnl).size).toBe(0);
    await rtnlAfUnregister(rtnl, test.ops); // not listed: returns at once
  });

  it('answers EAFNOSUPPORT for the family once its ops are unregistered', async () => {
    const { rtnl, test } = await world();
    await rtnlAfUnregister(rtnl, test.ops);
    const { ack } = await sendAndListen(
      rtnl,
      linkRequest(RTM.SETLINK, 0, { index: 1 }, (b) => afSpec(b, [AF_TEST, 1])),
    );
    expect(ack?.errno).toBe(Errno.EAFNOSUPPORT);
    expect(afSpecOf(await getlink(rtnl, 1))).toBeUndefined();
  });

  it('refuses to hand the list to a reader outside an RCU read section', async () => {
    const { rtnl } = await world();
    await runTask('reader', (task) => {
      expect(() => rtnlAfOps(rtnl).entries(task)).toThrow(/outside an RCU read section/);
    });
  });
});
