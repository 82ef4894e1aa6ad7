import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { StructSpec } from './attr-types';
import { ifaddrmsgStruct } from './generated/rt-addr';
import { ifinfomsgStruct } from './generated/rt-link';
import { rtmsgStruct } from './generated/rt-route';
import {
  decodeIfAddrMsg,
  decodeIfInfoMsg,
  decodeRtMsg,
  encodeIfAddrMsg,
  encodeIfInfoMsg,
  encodeRtMsg,
  IFADDRMSG_LEN,
  IFINFOMSG_LEN,
  RTMSG_LEN,
} from './headers';

/** Writes `value` at the member's place as the spec lays the struct out. */
function put(spec: StructSpec, member: string, value: number, out: Uint8Array) {
  const m = spec.members.find((x) => x.name === member);
  if (!m) throw new Error(`${spec.name} has no ${member}`);
  const view = new DataView(out.buffer);
  if (m.size === 1) view.setUint8(m.offset, value);
  else if (m.size === 2) view.setUint16(m.offset, value, true);
  else view.setUint32(m.offset, value >>> 0, true);
}

describe('fixed headers', () => {
  it('have the sizes the specs give', () => {
    expect([IFINFOMSG_LEN, IFADDRMSG_LEN, RTMSG_LEN]).toEqual([
      ifinfomsgStruct.size,
      ifaddrmsgStruct.size,
      rtmsgStruct.size,
    ]);
  });

  test.prop([fc.nat(255), fc.nat(0xffff), fc.nat(0x7fffffff), fc.nat(0xffffffff), fc.nat(0xffffffff)])(
    'ifinfomsg: our codec and the spec layout agree',
    (family, type, index, flags, change) => {
      const viaSpec = new Uint8Array(IFINFOMSG_LEN);
      put(ifinfomsgStruct, 'ifi-family', family, viaSpec);
      put(ifinfomsgStruct, 'ifi-type', type, viaSpec);
      put(ifinfomsgStruct, 'ifi-index', index, viaSpec);
      put(ifinfomsgStruct, 'ifi-flags', flags, viaSpec);
      put(ifinfomsgStruct, 'ifi-change', change, viaSpec);
      const m = { family, type, index, flags, change };
      expect(encodeIfInfoMsg(m)).toEqual(viaSpec);
      expect(decodeIfInfoMsg(viaSpec, 0)).toEqual(m);
    },
  );

  test.prop([fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(0xffffffff)])(
    'ifaddrmsg: our codec and the spec layout agree',
    (family, prefixlen, flags, scope, index) => {
      const viaSpec = new Uint8Array(IFADDRMSG_LEN);
      put(ifaddrmsgStruct, 'ifa-family', family, viaSpec);
      put(ifaddrmsgStruct, 'ifa-prefixlen', prefixlen, viaSpec);
      put(ifaddrmsgStruct, 'ifa-flags', flags, viaSpec);
      put(ifaddrmsgStruct, 'ifa-scope', scope, viaSpec);
      put(ifaddrmsgStruct, 'ifa-index', index, viaSpec);
      const m = { family, prefixlen, flags, scope, index };
      expect(encodeIfAddrMsg(m)).toEqual(viaSpec);
      expect(decodeIfAddrMsg(viaSpec, 0)).toEqual(m);
    },
  );

  it('rtmsg: our codec and the spec layout agree', () => {
    const names = [
      'rtm-family',
      'rtm-dst-len',
      'rtm-src-len',
      'rtm-tos',
      'rtm-table',
      'rtm-protocol',
      'rtm-scope',
      'rtm-type',
    ];
    const viaSpec = new Uint8Array(RTMSG_LEN);
    names.forEach((name, i) => {
      put(rtmsgStruct, name, i + 1, viaSpec);
    });
    put(rtmsgStruct, 'rtm-flags', 0x1234, viaSpec);
    const m = { family: 1, dstLen: 2, srcLen: 3, tos: 4, table: 5, protocol: 6, scope: 7, type: 8, flags: 0x1234 };
    expect(encodeRtMsg(m)).toEqual(viaSpec);
    expect(decodeRtMsg(viaSpec, 0)).toEqual(m);
  });
});
