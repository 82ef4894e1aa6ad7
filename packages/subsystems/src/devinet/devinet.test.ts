import {
  CostModel,
  Errno,
  IFA,
  IFA_F,
  NLM_F,
  NLMSG,
  NOTIFY_DONE,
  notifierFromErrno,
  RTM,
  VirtualClock,
} from '@rtnlkit/core';
import { describe, expect, it } from 'vitest';
import type { NetDevice } from '../link/netdevice';
import { addLink, delLink, linkRequest, linkUp, sendAndListen, setLink } from '../link/test-support';
import { registerInetaddrValidatorNotifier, siblingAddressValidator } from './chains';
import { IPV4_DEVCONF } from './devconf';
import { bumpDevAddrGenid, inDevGet } from './in-device';
import { addAddr, addrRequest, addrsOf, answer, delAddr, describeAddr, devinetWorld, dumpAddrs } from './test-support';

async function withDummy(name = 'd0') {
  const world = await devinetWorld();
  await sendAndListen(world.rtnl, addLink(name, 'dummy'));
  const dev = world.table.getByName(name) as NetDevice;
  world.seen();
  return { ...world, dev };
}

describe('in_device (inetdev_event)', () => {
  it('exists for every device, from NETDEV_REGISTER to NETDEV_UNREGISTER, and holds a device reference', async () => {
    const { rtnl, table, lo } = await devinetWorld();
    expect(inDevGet(lo)).toBeDefined();
    await sendAndListen(rtnl, addLink('d0', 'dummy'));
    const dev = table.getByName('d0') as NetDevice;
    expect(inDevGet(dev)?.dev).toBe(dev);
    expect([...dev.refcnt.holders().keys()]).toContain('in_dev');
    await sendAndListen(rtnl, delLink('d0'));
    expect(inDevGet(dev)).toBeUndefined();
    expect([...dev.refcnt.holders().keys()]).not.toContain('in_dev');
  });

  it('gives loopback 127.0.0.1/8 (scope host, permanent) when it comes up, once', async () => {
    const { rtnl, lo, seen } = await devinetWorld();
    expect(addrsOf(lo)).toEqual([]);
    await sendAndListen(rtnl, linkUp('lo'));
    expect(addrsOf(lo)).toEqual(['127.0.0.1/8']);
    const ifa = inDevGet(lo)?.ifaList[0];
    expect([ifa?.scope, ifa?.flags, ifa?.label]).toEqual([254, IFA_F.PERMANENT, 'lo']);
    expect(seen()).toEqual(['NEWADDR 127.0.0.1/8', 'UP 127.0.0.1/8']);
    await sendAndListen(rtnl, setLink('lo', { flags: 0, change: 1 }));
    await sendAndListen(rtnl, linkUp('lo'));
    expect(addrsOf(lo)).toEqual(['127.0.0.1/8']);
  });

  it('renames labels with the device, keeping alias suffixes', async () => {
    const { rtnl, dev, seen } = await withDummy();
    await answer(rtnl, addAddr({ index: dev.ifindex, local: '10.0.0.1' }));
    await answer(rtnl, addAddr({ index: dev.ifindex, local: '10.0.0.2', label: 'd0:web' }));
    await answer(rtnl, addAddr({ index: dev.ifindex, local: '10.0.1.1' }));
    seen();
    await sendAndListen(
      rtnl,
      linkRequest(RTM.SETLINK, 0, { index: dev.ifindex }, (b) => b.string(3, 'eth7')),
    );
    expect(inDevGet(dev)?.ifaList.map((i) => i.label)).toEqual(['eth7', 'eth7:2', 'eth7:web']);
    expect(seen()).toHaveLength(3); // RTM_NEWADDR for each
  });

  it('turns IPv4 off below an MTU of 68 and on again above it', async () => {
    const { rtnl, dev } = await withDummy();
    await answer(rtnl, addAddr({ index: dev.ifindex, local: '10.0.0.1' }));
    await sendAndListen(
      rtnl,
      setLink('d0', {}, (b) => b.u32(4, 60)),
    );
    expect(inDevGet(dev)).toBeUndefined();
    expect(await answer(rtnl, addAddr({ index: dev.ifindex, local: '10.0.0.1' }))).toEqual([Errno.ENOBUFS, undefined]);
    await sendAndListen(
      rtnl,
      setLink('d0', {}, (b) => b.u32(4, 1500)),
    );
    expect(addrsOf(dev)).toEqual([]);
  });
});

describe('RTM_NEWADDR / RTM_DELADDR', () => {
  it('adds an address: RTM_NEWADDR to RTNLGRP_IPV4_IFADDR, then the inetaddr chain NETDEV_UP', async () => {
    const { rtnl, dev, seen } = await withDummy();
    expect(await answer(rtnl, addAddr({ index: dev.ifindex, local: '10.0.0.1', broadcast: '10.0.0.255' }))).toEqual([
      0,
      undefined,
    ]);
    expect(seen()).toEqual(['NEWADDR 10.0.0.1/24', 'UP 10.0.0.1/24']);
    expect(await answer(rtnl, delAddr({ index: dev.ifindex, local: '10.0.0.1' }))).toEqual([0, undefined]);
    expect(seen()).toEqual(['DELADDR 10.0.0.1/24', 'DOWN 10.0.0.1/24']);
  });

  it('answers the errno rows of §2.6', async () => {
    const { rtnl, dev } = await withDummy();
    const index = dev.ifindex;
    await answer(rtnl, addAddr({ index, local: '10.0.0.1' }));
    expect(await answer(rtnl, addAddr({ index, local: '10.0.0.1' }))).toEqual([
      Errno.EEXIST,
      'ipv4: Address already assigned',
    ]);
    expect(await answer(rtnl, addrRequest(RTM.NEWADDR, NLM_F.CREATE, { index, local: '10.0.0.1' }))).toEqual([
      Errno.EEXIST,
      'ipv4: Address already assigned',
    ]);
    expect(await answer(rtnl, delAddr({ index, local: '10.9.9.9' }))).toEqual([
      Errno.EADDRNOTAVAIL,
      'ipv4: Address not found',
    ]);
    expect(await answer(rtnl, addAddr({ index: 99, local: '10.0.0.1' }))).toEqual([
      Errno.ENODEV,
      'ipv4: Device not found',
    ]);
    expect(await answer(rtnl, delAddr({ index: 99, local: '10.0.0.1' }))).toEqual([
      Errno.ENODEV,
      'ipv4: Device not found',
    ]);
    expect(await answer(rtnl, addAddr({ index, local: '10.0.0.1', prefixlen: 33 }))).toEqual([
      Errno.EINVAL,
      'ipv4: Invalid prefix length',
    ]);
    expect(await answer(rtnl, addAddr({ index }))).toEqual([Errno.EINVAL, 'ipv4: Local address is not supplied']);
    expect(await answer(rtnl, addAddr({ index, local: '10.0.2.1', cacheinfo: [10, 5] }))).toEqual([
      Errno.EINVAL,
      'ipv4: address lifetime invalid',
    ]);
    expect(await answer(rtnl, addAddr({ index, local: '10.0.2.1', cacheinfo: [0, 0] }))).toEqual([
      Errno.EINVAL,
      'ipv4: address lifetime invalid',
    ]);
    expect(await answer(rtnl, addAddr({ index, local: '10.0.0.2', scope: 253 }))).toEqual([
      Errno.EINVAL,
      'ipv4: Invalid scope value',
    ]);
    // IFA_LOCAL 0.0.0.0: success, nothing added.
    expect(await answer(rtnl, addAddr({ index, local: '0.0.0.0' }))).toEqual([0, undefined]);
    expect(addrsOf(dev)).toEqual(['10.0.0.1/24']);
  });

  it('replaces an existing address with NLM_F_REPLACE (metric, proto, lifetimes) and announces it again', async () => {
    const { rtnl, dev, seen } = await withDummy();
    await answer(rtnl, addAddr({ index: dev.ifindex, local: '10.0.0.1', proto: 0x99 }));
    seen();
    const replace = addrRequest(RTM.NEWADDR, NLM_F.CREATE | NLM_F.REPLACE, {
      index: dev.ifindex,
      local: '10.0.0.1',
      proto: 0x11,
      rtPriority: 259,
      cacheinfo: [100, 200],
    });
    expect(await answer(rtnl, replace)).toEqual([0, undefined]);
    const ifa = inDevGet(dev)?.ifaList[0];
    expect([ifa?.proto, ifa?.rtPriority, ifa?.validLft, ifa?.preferredLft, ifa?.flags]).toEqual([
      0x11, 259, 200, 100, 0,
    ]);
    expect(seen()).toEqual(['NEWADDR 10.0.0.1/24']); // no NETDEV_UP for a replacement
  });

  it('makes addresses of an existing subnet secondaries, and deleting the primary takes them along', async () => {
    const { rtnl, dev, seen } = await withDummy();
    const index = dev.ifindex;
    await answer(rtnl, addAddr({ index, local: '10.0.0.1' }));
    await answer(rtnl, addAddr({ index, local: '10.0.0.2' }));
    await answer(rtnl, addAddr({ index, local: '10.0.1.1' }));
    await answer(rtnl, addAddr({ index, local: '10.0.0.3' }));
    expect(addrsOf(dev)).toEqual(['10.0.0.1/24', '10.0.1.1/24', '10.0.0.2/24 s', '10.0.0.3/24 s']);
    seen();
    await answer(rtnl, delAddr({ index, local: '10.0.0.1' }));
    expect(addrsOf(dev)).toEqual(['10.0.1.1/24']);
    expect(seen()).toEqual([
      'DELADDR 10.0.0.2/24',
      'DOWN 10.0.0.2/24',
      'DELADDR 10.0.0.3/24',
      'DOWN 10.0.0.3/24',
      'DELADDR 10.0.0.1/24',
      'DOWN 10.0.0.1/24',
    ]);
  });

  it('promotes the first secondary with promote_secondaries', async () => {
    const { rtnl, dev, seen } = await withDummy();
    const index = dev.ifindex;
    (inDevGet(dev) as NonNullable<ReturnType<typeof inDevGet>>).cnf[IPV4_DEVCONF.PROMOTE_SECONDARIES] = 1;
    for (const local of ['10.0.0.1', '10.0.0.2', '10.0.1.1', '10.0.0.3']) await answer(rtnl, addAddr({ index, local }));
    seen();
    await answer(rtnl, delAddr({ index, local: '10.0.0.1' }));
    expect(addrsOf(dev)).toEqual(['10.0.1.1/24', '10.0.0.2/24', '10.0.0.3/24 s']);
    expect(seen()).toEqual(['DELADDR 10.0.0.1/24', 'DOWN 10.0.0.1/24', 'NEWADDR 10.0.0.2/24', 'UP 10.0.0.2/24']);
  });

  it('keeps peers (IFA_ADDRESS other than IFA_LOCAL) and deletes by label or by prefix', async () => {
    const { rtnl, dev } = await withDummy();
    const index = dev.ifindex;
    await answer(rtnl, addAddr({ index, local: '10.0.0.1', address: '10.9.0.2', prefixlen: 32 }));
    await answer(rtnl, addAddr({ index, local: '10.0.1.1', label: 'd0:x' }));
    const ifa = inDevGet(dev)?.ifaList[0];
    expect([ifa?.local, ifa?.address]).toEqual([0x0a000001, 0x0a090002]);
    expect(await answer(rtnl, delAddr({ index, label: 'd0:y' }))).toEqual([
      Errno.EADDRNOTAVAIL,
      'ipv4: Address not found',
    ]);
    expect(await answer(rtnl, delAddr({ index, label: 'd0:x' }))).toEqual([0, undefined]);
    expect(await answer(rtnl, delAddr({ index, address: '10.9.0.2', prefixlen: 24 }))).toEqual([
      Errno.EADDRNOTAVAIL,
      'ipv4: Address not found',
    ]);
    expect(await answer(rtnl, delAddr({ index, address: '10.9.0.2', prefixlen: 32 }))).toEqual([0, undefined]);
    expect(addrsOf(dev)).toEqual([]);
  });

  it('drops IPv6-only flags and computes PERMANENT itself; IFA_FLAGS overrides ifa_flags', async () => {
    const { rtnl, dev } = await withDummy();
    await answer(
      rtnl,
      addAddr({ index: dev.ifindex, local: '10.0.0.1', flags: 0xff, ifaFlags: IFA_F.NOPREFIXROUTE | IFA_F.NODAD }),
    );
    expect(inDevGet(dev)?.ifaList[0]?.flags).toBe(IFA_F.NOPREFIXROUTE | IFA_F.PERMANENT);
  });

  it('lets a validator veto an address before anything changes (the ipvlan example)', async () => {
    const { rtnl, table, dev, seen } = await withDummy('d0');
    await sendAndListen(rtnl, addLink('d1', 'dummy'));
    const d1 = table.getByName('d1') as NetDevice;
    registerInetaddrValidatorNotifier(
      rtnl,
      siblingAddressValidator(() => [dev, d1]),
    );
    await answer(rtnl, addAddr({ index: dev.ifindex, local: '10.0.0.1' }));
    seen();
    expect(await answer(rtnl, addAddr({ index: d1.ifindex, local: '10.0.0.1' }))).toEqual([
      Errno.EADDRINUSE,
      'Address already assigned to an ipvlan device',
    ]);
    expect(addrsOf(d1)).toEqual([]);
    expect(seen()).toEqual([]);
    registerInetaddrValidatorNotifier(rtnl, () => notifierFromErrno(-Errno.EPERM), { priority: 10 });
    expect((await answer(rtnl, addAddr({ index: d1.ifindex, local: '10.0.0.9' })))[0]).toBe(Errno.EPERM);
    registerInetaddrValidatorNotifier(rtnl, () => NOTIFY_DONE);
  });

  it('deletes the addresses of a device that goes away', async () => {
    const { rtnl, dev, seen } = await withDummy();
    await answer(rtnl, addAddr({ index: dev.ifindex, local: '10.0.0.1' }));
    seen();
    await sendAndListen(rtnl, delLink('d0'));
    expect(seen()).toEqual(['DELADDR 10.0.0.1/24', 'DOWN 10.0.0.1/24']);
  });
});

describe('lifetimes (check_lifetime)', () => {
  it('deprecates at the preferred lifetime and deletes at the valid one, on the rtnetlink clock', async () => {
    const clock = new VirtualClock({ seed: 1 });
    const costs = new CostModel({ 'rcu.gracePeriod': { ms: 1 }, 'rcu.expedited': { ms: 1 } });
    await clock.run(async () => {
      const world = await devinetWorld({ clock, costs });
      await sendAndListen(world.rtnl, addLink('d0', 'dummy'));
      const dev = world.table.getByName('d0') as NetDevice;
      await answer(world.rtnl, addAddr({ index: dev.ifindex, local: '10.0.0.1', cacheinfo: [2, 5] }));
      world.seen();
      const [m] = (await dumpAddrs(world.rtnl)).filter((x) => x.header.type === RTM.NEWADDR);
      expect(m && describeAddr(m).flags).toBe(0);
      await clock.sleep(2500);
      expect(inDevGet(dev)?.ifaList[0]?.flags).toBe(IFA_F.DEPRECATED);
      expect(world.seen()).toEqual(['NEWADDR 10.0.0.1/24']);
      const [d] = (await dumpAddrs(world.rtnl)).filter((x) => x.header.type === RTM.NEWADDR);
      const ci = d
        ? new DataView(
            (describeAddr(d).cacheinfo as Uint8Array).buffer,
            (describeAddr(d).cacheinfo as Uint8Array).byteOffset,
          )
        : undefined;
      expect([ci?.getUint32(0, true), ci?.getUint32(4, true)]).toEqual([0, 3]);
      await clock.sleep(3000);
      expect(addrsOf(dev)).toEqual([]);
      expect(world.seen()).toEqual(['DELADDR 10.0.0.1/24', 'DOWN 10.0.0.1/24']);
      world.installed[Symbol.dispose]();
    });
  });
});

describe('RTM_GETADDR dump (inet_dump_ifaddr)', () => {
  it('fills as the kernel does: header, attributes in order, NLMSG_DONE apart', async () => {
    const { rtnl, dev } = await withDummy();
    await answer(
      rtnl,
      addAddr({ index: dev.ifindex, local: '10.0.0.1', broadcast: '10.0.0.255', proto: 3, rtPriority: 7 }),
    );
    const all = await dumpAddrs(rtnl);
    const m = all[0] as NonNullable<(typeof all)[number]>;
    expect(m.header.flags).toBe(NLM_F.MULTI);
    const d = describeAddr(m);
    expect(d.ifm).toEqual({ family: 2, prefixlen: 24, flags: IFA_F.PERMANENT, scope: 0, index: dev.ifindex });
    expect(d.attrTypes).toEqual([
      IFA.ADDRESS,
      IFA.LOCAL,
      IFA.BROADCAST,
      IFA.LABEL,
      IFA.PROTO,
      IFA.FLAGS,
      IFA.RT_PRIORITY,
      IFA.CACHEINFO,
    ]);
    expect(all.at(-1)?.header.type).toBe(NLMSG.DONE);
  });

  it('filters by ifindex with strict checking (NLM_F_DUMP_FILTERED), and validates strict requests', async () => {
    const { rtnl, dev, lo } = await withDummy();
    await sendAndListen(rtnl, linkUp('lo'));
    await answer(rtnl, addAddr({ index: dev.ifindex, local: '10.0.0.1' }));
    expect((await dumpAddrs(rtnl)).filter((m) => m.header.type === RTM.NEWADDR)).toHaveLength(2);
    const filtered = await dumpAddrs(rtnl, { strict: true, index: lo.ifindex });
    expect(filtered.map((m) => [m.header.type, m.header.flags])).toEqual([
      [RTM.NEWADDR, NLM_F.MULTI | NLM_F.DUMP_FILTERED],
      [NLMSG.DONE, NLM_F.MULTI | NLM_F.DUMP_FILTERED],
    ]);
    // Without strict checking the index is ignored.
    expect((await dumpAddrs(rtnl, { index: lo.ifindex })).filter((m) => m.header.type === RTM.NEWADDR)).toHaveLength(2);
    const missing = await dumpAddrs(rtnl, { strict: true, index: 99 });
    expect(missing.at(-1)?.doneErrno ?? missing.at(-1)?.errno).toBe(Errno.ENODEV);
  });

  it('flags NLM_F_DUMP_INTR when dev_addr_genid moved between passes', async () => {
    const { rtnl, dev } = await withDummy();
    for (let i = 1; i <= 300; i += 1)
      await answer(rtnl, addAddr({ index: dev.ifindex, local: `10.${i >> 8}.${i & 0xff}.1` }));
    const sock = rtnl.socket();
    const b = addrRequest(RTM.GETADDR, NLM_F.DUMP, { index: 0 });
    await sock.send(b);
    const { decodeDatagram, readUntilDone } = await import('@rtnlkit/core/testing');
    const first = decodeDatagram(await sock.recv({ bufferSize: 4096 }));
    expect(first.every((m) => (m.header.flags & NLM_F.DUMP_INTR) === 0)).toBe(true);
    bumpDevAddrGenid(rtnl.initNet);
    const rest = (await readUntilDone(sock, { bufferSize: 4096 })).flat();
    expect(rest.filter((m) => m.header.flags & NLM_F.DUMP_INTR).length).toBeGreaterThan(0);
    const locals = [...first, ...rest].filter((m) => m.header.type === RTM.NEWADDR).map((m) => describeAddr(m).local);
    expect(new Set(locals).size).toBe(300);
  });
});
