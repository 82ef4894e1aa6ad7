/**
 * Security (issue 10), under every strategy, with every subsystem installed:
 * - every NEW, DEL and SET type registered (not just links, addresses and routes) answers EPERM
 *   to a socket without CAP_NET_ADMIN and changes nothing: the dumps are byte-identical after and
 *   no notification goes out; the same valid requests from an admin socket then succeed, so the
 *   refusal is the permission check (`rtnetlink_rcv_msg`), not a bad request;
 * - a socket in namespace A neither sees nor changes namespace B: dumps, ifindex and name lookups,
 *   changes addressed by B's ifindex, notifications; IFLA_TARGET_NETNSID reaches B only where the
 *   kernel lets it (`rtnl_get_net_ns_capable()`: an id A knows, CAP_NET_ADMIN in B; EACCES
 *   without, EINVAL for an id A never assigned).
 * The conformance scenarios (`conformance/scenarios/permissions.ts`) compare the link, address and
 * route EPERMs with Linux; the link netns tests in subsystems cover moving devices between
 * namespaces. This test is the sweep over everything registered and the isolation check.
 */
import {
  AF,
  CostModel,
  decodeIfInfoMsg,
  encodeIfInfoMsg,
  IFLA,
  LockEnv,
  type Net,
  type NetlinkSocket,
  NLM_F,
  NLMSG_HDRLEN,
  NlMsgBuilder,
  RTM,
  RTM_BASE,
  RTM_MAX,
  RTNL_KIND,
  RTNLGRP,
  Rtnetlink,
  rtnlMsgtypeKind,
  runTask,
  VirtualClock,
} from '@rtnlkit/core';
import { decodeDatagram, readUntilDone } from '@rtnlkit/core/testing';
import {
  devinetSubsystem,
  fibSubsystem,
  linkSubsystem,
  linkTable,
  netnsOf,
  peernet2idAlloc,
} from '@rtnlkit/subsystems';
import { describe, expect, it } from 'vitest';
import * as req from '../scenario/requests';
import { STRATEGY_VARIANTS, type StrategyVariant } from '../strategies';

const EPERM = 1;
const ENODEV = 19;
const EACCES = 13;
const EINVAL = 22;

async function world(variant: StrategyVariant) {
  const clock = new VirtualClock({ seed: 1 });
  const rtnl = new Rtnetlink({
    strategy: variant.create(),
    env: new LockEnv({ clock, lockdep: true }),
    costs: new CostModel({}, 1),
    chargeCpu: true,
  });
  const run = <T>(main: () => Promise<T>) => clock.run(main);
  await run(async () => {
    await rtnl.install(linkSubsystem());
    await rtnl.install(devinetSubsystem());
    await rtnl.install(fibSubsystem());
  });
  return { rtnl, run };
}

/** Sends `request` and reads to its ACK, error or DONE: the errno and the messages before it. */
async function ask(socket: NetlinkSocket, request: Uint8Array) {
  await socket.send(request);
  const messages = (await readUntilDone(socket)).flat();
  const last = messages.at(-1);
  return { errno: last?.errno ?? last?.doneErrno ?? -1, messages: messages.slice(0, -1) };
}

/** Every link, address and route of `net` as its dumps give them, byte for byte. */
async function state(rtnl: Rtnetlink, net: Net): Promise<string[]> {
  const socket = rtnl.socket({ net, name: 'state' });
  const out: string[] = [];
  for (const request of [req.dumpLinks(1), req.dumpAddrs(2), req.dumpRoutes(3)]) {
    const { messages } = await ask(socket, request);
    // Without seq and port id, which differ from one reader to the next.
    for (const m of messages) out.push(Buffer.from(m.bytes).fill(0, 8, 16).toString('hex'));
  }
  socket.close();
  return out.sort();
}

/** A listener of `net` on the link, address and route groups. */
const listener = (rtnl: Rtnetlink, net: Net) =>
  rtnl.socket({ net, name: 'listener', groups: [RTNLGRP.LINK, RTNLGRP.IPV4_IFADDR, RTNLGRP.IPV4_ROUTE] });
const notifications = (socket: NetlinkSocket) => {
  const out: number[] = [];
  for (let d = socket.tryRecv(); d; d = socket.tryRecv()) for (const m of decodeDatagram(d)) out.push(m.header.type);
  return out;
};

const getLinkByName = (seq: number, name: string, more?: (b: NlMsgBuilder) => void) => {
  const b = new NlMsgBuilder(RTM.GETLINK, NLM_F.REQUEST | NLM_F.ACK, seq, 0)
    .bytes(encodeIfInfoMsg({ family: AF.UNSPEC }))
    .string(IFLA.IFNAME, name);
  more?.(b);
  return b.finish();
};
const getLinkByIndex = (seq: number, index: number, more?: (b: NlMsgBuilder) => void) => {
  const b = new NlMsgBuilder(RTM.GETLINK, NLM_F.REQUEST | NLM_F.ACK, seq, 0).bytes(
    encodeIfInfoMsg({ family: AF.UNSPEC, index }),
  );
  more?.(b);
  return b.finish();
};
const setLinkIndexUp = (seq: number, index: number) =>
  new NlMsgBuilder(RTM.SETLINK, NLM_F.REQUEST | NLM_F.ACK, seq, 0)
    .bytes(encodeIfInfoMsg({ family: AF.UNSPEC, index, flags: 1, change: 1 }))
    .finish();
const delLinkIndex = (seq: number, index: number) =>
  new NlMsgBuilder(RTM.DELLINK, NLM_F.REQUEST | NLM_F.ACK, seq, 0)
    .bytes(encodeIfInfoMsg({ family: AF.UNSPEC, index }))
    .finish();

describe.each(STRATEGY_VARIANTS.map((v) => [v.name, v] as const))('security under %s', (_name, variant) => {
  it('answers EPERM to every registered NEW/DEL/SET from a socket without admin rights, changing nothing', async () => {
    const { rtnl, run } = await world(variant);
    await run(async () => {
      const admin = rtnl.socket({ admin: true });
      expect((await ask(admin, req.addLink(1, 'dummy0', 'dummy'))).errno).toBe(0);
      expect((await ask(admin, req.setLinkUp(2, 'dummy0'))).errno).toBe(0);
      const dummy0 = linkTable(rtnl.initNet).getByName('dummy0')?.ifindex ?? 0;
      expect((await ask(admin, req.addAddr(3, dummy0, '192.0.2.1'))).errno).toBe(0);
      expect((await ask(admin, req.addRoute(4, '198.51.100.0', 24, { gw: '192.0.2.254' }))).errno).toBe(0);
      // Valid requests: each one succeeds from the admin socket below.
      const valid: [string, Uint8Array][] = [
        ['RTM_NEWLINK', req.addLink(10, 'dummy1', 'dummy')],
        ['RTM_NEWADDR', req.addAddr(12, dummy0, '192.0.2.2')],
        ['RTM_NEWROUTE', req.addRoute(13, '203.0.113.0', 24, { oif: dummy0 })],
        ['RTM_DELROUTE', req.delRoute(14, '198.51.100.0', 24)],
        ['RTM_DELADDR', req.delAddr(15, dummy0, '192.0.2.1')],
        ['RTM_SETLINK', req.setLinkUp(11, 'dummy0', false)],
        ['RTM_DELLINK', req.delLink(16, 'dummy0')],
      ];
      // Every other modifying (family, type) registered, as a bare header of its family.
      const modifying = rtnl.handlers.list().filter((e) => e.doit && rtnlMsgtypeKind(e.type) !== RTNL_KIND.GET);
      const covered = new Set<number>([
        RTM.NEWLINK,
        RTM.SETLINK,
        RTM.DELLINK,
        RTM.NEWADDR,
        RTM.DELADDR,
        RTM.NEWROUTE,
        RTM.DELROUTE,
      ]);
      const bare: [string, Uint8Array][] = modifying
        .filter((e) => !covered.has(e.type))
        .map((e, i) => [
          `${e.name} (type ${e.type}, family ${e.family})`,
          new NlMsgBuilder(e.type, NLM_F.REQUEST | NLM_F.ACK, 100 + i, 0)
            .bytes(encodeIfInfoMsg({ family: e.family }))
            .finish(),
        ]);
      expect(new Set(modifying.map((e) => e.type)).size).toBeGreaterThanOrEqual(covered.size);
      // And every modifying type nobody registered (RTM_NEWNEIGH, RTM_NEWRULE, ...): the kernel
      // checks the capability before it looks for a handler.
      const registered = new Set(modifying.map((e) => e.type));
      for (let type = RTM_BASE; type <= RTM_MAX; type += 1)
        if (rtnlMsgtypeKind(type) !== RTNL_KIND.GET && !registered.has(type))
          bare.push([
            `unregistered type ${type}`,
            new NlMsgBuilder(type, NLM_F.REQUEST | NLM_F.ACK, 1000 + type, 0).bytes(encodeIfInfoMsg({})).finish(),
          ]);
      const before = await state(rtnl, rtnl.initNet);
      const watch = listener(rtnl, rtnl.initNet);
      const user = rtnl.socket({ admin: false });
      const answers = [];
      for (const [name, request] of [...valid, ...bare]) answers.push([name, (await ask(user, request)).errno]);
      expect(answers).toEqual([...valid, ...bare].map(([name]) => [name, EPERM]));
      expect(await state(rtnl, rtnl.initNet)).toEqual(before);
      expect(notifications(watch)).toEqual([]);
      // The same requests from an admin: they were valid.
      for (const [name, request] of valid) expect([name, (await ask(admin, request)).errno]).toEqual([name, 0]);
      expect(notifications(watch).length).toBeGreaterThanOrEqual(valid.length);
      console.log(
        `security ${variant.name}: ${answers.length} modifying requests without admin rights (every one of the ${modifying.length} registered NEW/DEL/SET (family, type) pairs, and the unregistered modifying types), all EPERM, state unchanged`,
      );
    });
    expect(rtnl.faults).toEqual([]);
  });

  it('keeps namespaces apart: dumps, ifindex and name lookups, changes, notifications, IFLA_TARGET_NETNSID', async () => {
    const { rtnl, run } = await world(variant);
    await run(async () => {
      const blue = await runTask('ip-netns-add', (t) => netnsOf(rtnl).create('blue', t));
      const inA = rtnl.socket({ admin: true, name: 'in-A' });
      const userA = rtnl.socket({ admin: false, name: 'user-A' });
      const inB = rtnl.socket({ admin: true, net: blue, name: 'in-B' });
      const watchA = listener(rtnl, rtnl.initNet);
      const watchB = listener(rtnl, blue);
      // B gets a device with an ifindex and name A does not have, an address and a route.
      expect((await ask(inB, req.addLink(1, 'secret0', 'dummy'))).errno).toBe(0);
      expect((await ask(inB, req.addLink(2, 'secret1', 'dummy'))).errno).toBe(0);
      expect((await ask(inB, req.setLinkUp(3, 'secret1'))).errno).toBe(0);
      const secret = linkTable(blue).getByName('secret1')?.ifindex ?? 0;
      expect(linkTable(rtnl.initNet).getByIndex(secret)).toBeUndefined();
      expect((await ask(inB, req.addAddr(4, secret, '10.99.0.1'))).errno).toBe(0);
      expect((await ask(inB, req.addRoute(5, '10.98.0.0', 16, { oif: secret }))).errno).toBe(0);
      expect(notifications(watchA)).toEqual([]);
      expect(notifications(watchB)).toEqual(expect.arrayContaining([RTM.NEWLINK, RTM.NEWADDR, RTM.NEWROUTE]));
      const stateB = await state(rtnl, blue);

      // A's dumps show none of it.
      for (const request of [req.dumpLinks(10), req.dumpAddrs(11), req.dumpRoutes(12)]) {
        const { errno, messages } = await ask(inA, request);
        expect(errno).toBe(0);
        const text = messages.map((m) => Buffer.from(m.bytes).toString('latin1')).join('');
        expect(text).not.toContain('secret');
        for (const m of messages)
          if (m.header.type === RTM.NEWLINK) expect(decodeIfInfoMsg(m.bytes, NLMSG_HDRLEN).index).not.toBe(secret);
        expect(text).not.toContain(String.fromCharCode(10, 99, 0, 1));
        expect(text).not.toContain(String.fromCharCode(10, 98, 0, 0));
      }
      // Lookups by name and by ifindex, and changes addressed to B's device, from A: ENODEV.
      expect((await ask(inA, getLinkByName(20, 'secret1'))).errno).toBe(ENODEV);
      expect((await ask(inA, getLinkByIndex(21, secret))).errno).toBe(ENODEV);
      expect((await ask(inA, setLinkIndexUp(22, secret))).errno).toBe(ENODEV);
      expect((await ask(inA, req.setLinkUp(23, 'secret0'))).errno).toBe(ENODEV);
      expect((await ask(inA, delLinkIndex(24, secret))).errno).toBe(ENODEV);
      expect((await ask(inA, req.delLink(25, 'secret0'))).errno).toBe(ENODEV);
      expect((await ask(inA, req.addAddr(26, secret, '10.99.0.2'))).errno).toBe(ENODEV);
      expect((await ask(inA, req.delAddr(27, secret, '10.99.0.1'))).errno).not.toBe(0);
      expect((await ask(inA, req.addRoute(28, '10.97.0.0', 16, { oif: secret }))).errno).toBe(ENODEV);
      expect((await ask(inA, req.delRoute(29, '10.98.0.0', 16))).errno).not.toBe(0);
      expect(await state(rtnl, blue)).toEqual(stateB);
      expect(notifications(watchB)).toEqual([]);

      // IFLA_TARGET_NETNSID: an id A never assigned is EINVAL; once assigned, EACCES without admin
      // rights, and an admin (CAP_NET_ADMIN in B too) may read and change B through it.
      const unassigned = 7;
      const byId = (id: number) => (b: NlMsgBuilder) => b.s32(IFLA.TARGET_NETNSID, id);
      expect((await ask(inA, getLinkByName(30, 'secret1', byId(unassigned)))).errno).toBe(EINVAL);
      const id = peernet2idAlloc(rtnl.initNet, blue);
      expect((await ask(userA, getLinkByName(31, 'secret1', byId(id)))).errno).toBe(EACCES);
      const seen = await ask(inA, getLinkByName(32, 'secret1', byId(id)));
      expect(seen.errno).toBe(0);
      expect(decodeIfInfoMsg(seen.messages[0]?.bytes ?? new Uint8Array(16), NLMSG_HDRLEN).index).toBe(secret);
      expect(await state(rtnl, blue)).toEqual(stateB);
      expect((await ask(inA, req.delLink(33, 'secret0'))).errno).toBe(ENODEV);
      const delById = new NlMsgBuilder(RTM.DELLINK, NLM_F.REQUEST | NLM_F.ACK, 34, 0)
        .bytes(encodeIfInfoMsg({ family: AF.UNSPEC }))
        .string(IFLA.IFNAME, 'secret0')
        .s32(IFLA.TARGET_NETNSID, id)
        .finish();
      expect((await ask(userA, delById)).errno).toBe(EPERM);
      expect((await ask(inA, delById)).errno).toBe(0);
      expect(linkTable(blue).getByName('secret0')).toBeUndefined();
      // That change is B's: B's listener hears it, A's does not.
      expect(notifications(watchB)).toContain(RTM.DELLINK);
      expect(notifications(watchA)).toEqual([]);
    });
    expect(rtnl.faults).toEqual([]);
  });
});
