import { AF, Errno, IFLA, NETLINK_OPT, NLM_F, NLMSG, NlMsgBuilder, RTM } from '@rtnlkit/core';
import { decodeDatagram, readUntilDone } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import type { NetDevice } from '../link/netdevice';
import { addLink, linkRequest, sendAndListen } from '../link/test-support';
import { IFLA_INET_CONF } from './af';
import { IPV4_DEVCONF } from './devconf';
import { inDevGet } from './in-device';
import { NETCONFA, NETCONFA_IFINDEX_ALL, NETCONFA_IFINDEX_DEFAULT, RTM_GETNETCONF, RTM_NEWNETCONF } from './netconf';
import { addAddr, addrsOf, answer, delAddr, devinetWorld } from './test-support';

/** IFLA_AF_SPEC { AF_INET { IFLA_INET_CONF { id: value … } } }. */
const inetConf =
  (values: [number, number][]) =>
  (b: NlMsgBuilder): void => {
    b.beginNest(IFLA.AF_SPEC, false).beginNest(AF.INET, false).beginNest(IFLA_INET_CONF, false);
    for (const [id, value] of values) b.u32(id, value);
    b.endNest().endNest().endNest();
  };

describe('inet_af_ops (IFLA_AF_SPEC[AF_INET])', () => {
  it('sets devconf values, then promote_secondaries promotes', async () => {
    const { rtnl, table } = await devinetWorld();
    await sendAndListen(rtnl, addLink('d0', 'dummy'));
    const dev = table.getByName('d0') as NetDevice;
    const set = linkRequest(RTM.SETLINK, 0, { index: dev.ifindex }, inetConf([[IPV4_DEVCONF.PROMOTE_SECONDARIES, 1]]));
    expect((await sendAndListen(rtnl, set)).ack?.errno).toBe(0);
    expect(inDevGet(dev)?.cnf[IPV4_DEVCONF.PROMOTE_SECONDARIES]).toBe(1);
    for (const local of ['10.0.0.1', '10.0.0.2']) await answer(rtnl, addAddr({ index: dev.ifindex, local }));
    await answer(rtnl, delAddr({ index: dev.ifindex, local: '10.0.0.1' }));
    expect(addrsOf(dev)).toEqual(['10.0.0.2/24']);
  });

  it('refuses ids outside 1..33 and short values with EINVAL, before anything changes', async () => {
    const { rtnl, lo } = await devinetWorld();
    for (const bad of [
      inetConf([[0, 1]]),
      inetConf([[34, 1]]),
      (b: NlMsgBuilder) =>
        b
          .beginNest(IFLA.AF_SPEC, false)
          .beginNest(AF.INET, false)
          .beginNest(IFLA_INET_CONF, false)
          .u8(IPV4_DEVCONF.FORWARDING, 1)
          .endNest()
          .endNest()
          .endNest(),
    ]) {
      const set = linkRequest(RTM.SETLINK, 0, { index: lo.ifindex }, (b) => {
        b.u32(IFLA.MTU, 1280);
        bad(b);
      });
      expect((await sendAndListen(rtnl, set)).ack?.errno).toBe(Errno.EINVAL);
    }
    expect(lo.mtu).toBe(65536);
  });

  it('fills IFLA_INET_CONF (33 u32) in link messages; loopback has disable_xfrm and disable_policy', async () => {
    const { rtnl, lo } = await devinetWorld();
    const get = linkRequest(RTM.GETLINK, 0, { index: lo.ifindex });
    const { replies } = await sendAndListen(rtnl, get);
    const bytes = replies[0]?.bytes as Uint8Array;
    const needle = Uint8Array.of(0x88, 0, IFLA_INET_CONF, 0); // nla_len 136, IFLA_INET_CONF
    let at = -1;
    for (let i = 0; i + 4 <= bytes.length && at < 0; i += 4) if (needle.every((v, j) => bytes[i + j] === v)) at = i;
    expect(at).toBeGreaterThan(0);
    const view = new DataView(bytes.buffer, bytes.byteOffset + at + 4, 132);
    const value = (id: number) => view.getUint32((id - 1) * 4, true);
    expect([value(IPV4_DEVCONF.NOXFRM), value(IPV4_DEVCONF.NOPOLICY), value(IPV4_DEVCONF.ACCEPT_REDIRECTS)]).toEqual([
      1, 1, 1,
    ]);
  });
});

describe('RTM_GETNETCONF', () => {
  const request = (flags: number, ifindex?: number) => {
    const b = new NlMsgBuilder(RTM_GETNETCONF, NLM_F.REQUEST | flags, 7, 0);
    b.bytes(Uint8Array.of(AF.INET, 0, 0, 0));
    if (ifindex !== undefined) b.s32(NETCONFA.IFINDEX, ifindex);
    return b.finish().slice();
  };

  it('answers for a device, all and default; ENODEV for a missing one, EINVAL without an index', async () => {
    const { rtnl, lo } = await devinetWorld();
    const sock = rtnl.socket();
    sock.setOption(NETLINK_OPT.EXT_ACK, true);
    for (const ifindex of [lo.ifindex, NETCONFA_IFINDEX_ALL, NETCONFA_IFINDEX_DEFAULT]) {
      await sock.send(request(NLM_F.ACK, ifindex));
      const [reply, ack] = decodeDatagram(await sock.recv()).concat(decodeDatagram(await sock.recv()));
      expect(reply?.header.type).toBe(RTM_NEWNETCONF);
      expect(reply?.header.len).toBe(16 + 4 + 7 * 8);
      expect(ack?.errno).toBe(0);
    }
    await sock.send(request(NLM_F.ACK, 99));
    expect(decodeDatagram(await sock.recv())[0]?.errno).toBe(Errno.ENODEV);
    await sock.send(request(NLM_F.ACK));
    expect(decodeDatagram(await sock.recv())[0]?.errno).toBe(Errno.EINVAL);
  });

  it('dumps every device, then all and default', async () => {
    const { rtnl } = await devinetWorld();
    const sock = rtnl.socket();
    await sock.send(request(NLM_F.DUMP));
    const all = (await readUntilDone(sock)).flat();
    const indexes = all
      .filter((m) => m.header.type === RTM_NEWNETCONF)
      .map((m) => new DataView(m.bytes.buffer, m.bytes.byteOffset).getInt32(24, true));
    expect(indexes).toEqual([1, NETCONFA_IFINDEX_ALL, NETCONFA_IFINDEX_DEFAULT]);
    expect(all.at(-1)?.header.type).toBe(NLMSG.DONE);
  });
});
