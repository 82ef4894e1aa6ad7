import { Errno, LockEnv, NOTIFY_DONE, notifierFromErrno, RTM, RTNLGRP, Rtnetlink, runTask } from '@rtnlkit/core';
import { decodeDatagram, rtnlMutexStrategy } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { netnsOf } from '../netns/netns';
import { devChangeTxQueueLen, devSetMtu, registerNetdevice, unregisterNetdevice } from './dev';
import { NETDEV, netdevChain, registerNetdeviceNotifier } from './events';
import { NetDevice } from './netdevice';
import { netdevRunTodo } from './run-todo';
import { type InstalledSubsystem, linkSubsystem } from './subsystem';
import { linkTable } from './table';

async function world() {
  const rtnl = new Rtnetlink({ strategy: rtnlMutexStrategy(), env: new LockEnv({ lockdep: true }) });
  const installed = (await rtnl.install(linkSubsystem())) as InstalledSubsystem;
  const net = await runTask('add', (t) => netnsOf(rtnl).create('ns', t));
  const underRtnl = <T>(body: () => Promise<T>) => runTask('t', (t) => rtnl.strategy.lock('rtnl', net).run(t, body));
  return { rtnl, installed, net, underRtnl };
}

describe('netdevice notifier chain', () => {
  it('has rtnetlink_event from install on, and loses it at removal', async () => {
    const { rtnl, installed } = await world();
    expect(netdevChain(rtnl).names()).toEqual(['rtnetlink_event']);
    await installed[Symbol.asyncDispose]();
    expect(netdevChain(rtnl).size).toBe(0);
  });

  it('announces a registration with RTM_NEWLINK (change ~0) and a removal with RTM_DELLINK', async () => {
    const { rtnl, net, underRtnl } = await world();
    const listener = rtnl.socket({ net });
    listener.addMembership(RTNLGRP.LINK);
    const dev = new NetDevice({ name: 'eth0' });
    await underRtnl(() => registerNetdevice(rtnl, net, dev));
    await underRtnl(() => unregisterNetdevice(rtnl, dev));
    const types = [];
    for (let d = listener.tryRecv(); d; d = listener.tryRecv())
      types.push(...decodeDatagram(d).map((m) => m.header.type));
    expect(types).toEqual([RTM.NEWLINK, RTM.DELLINK]);
    expect(dev.regState).toBe('unregistering'); // unlisted; freed by netdev_run_todo()
    await netdevRunTodo(rtnl);
    expect(dev.regState).toBe('unregistered');
  });

  it('undoes a registration a NETDEV_REGISTER callback vetoes', async () => {
    const { rtnl, net, underRtnl } = await world();
    const seen: number[] = [];
    registerNetdeviceNotifier(rtnl, (event) => {
      seen.push(event);
      return event === NETDEV.REGISTER ? notifierFromErrno(Errno.ENOMEM) : NOTIFY_DONE;
    });
    const dev = new NetDevice({ name: 'eth0' });
    await expect(underRtnl(() => registerNetdevice(rtnl, net, dev))).rejects.toMatchObject({ errno: Errno.ENOMEM });
    expect(linkTable(net).getByName('eth0')).toBeUndefined();
    expect(seen).toEqual([NETDEV.REGISTER, NETDEV.UNREGISTER]);
  });

  it('raises CHANGEMTU and CHANGE_TX_QUEUE_LEN only for a change, and refuses an mtu out of range', async () => {
    const { rtnl, net, underRtnl } = await world();
    const seen: number[] = [];
    registerNetdeviceNotifier(rtnl, (event) => {
      seen.push(event);
      return NOTIFY_DONE;
    });
    const dev = new NetDevice({ name: 'eth0' });
    await underRtnl(() => registerNetdevice(rtnl, net, dev));
    seen.length = 0;
    await underRtnl(() => devSetMtu(rtnl, dev, 1500));
    await underRtnl(() => devSetMtu(rtnl, dev, 1400));
    await underRtnl(() => devChangeTxQueueLen(rtnl, dev, 1000));
    await underRtnl(() => devChangeTxQueueLen(rtnl, dev, 5));
    await expect(underRtnl(() => devSetMtu(rtnl, dev, 1501))).rejects.toMatchObject({ errno: Errno.EINVAL });
    expect(seen).toEqual([NETDEV.CHANGEMTU, NETDEV.CHANGE_TX_QUEUE_LEN]);
    expect([dev.mtu, dev.txqlen]).toEqual([1400, 5]);
  });
});
