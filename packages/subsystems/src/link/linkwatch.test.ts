import { IFF } from '@rtnlkit/core';
import { describe, expect, it } from 'vitest';
import { IF_LINK_MODE, IF_OPER } from './constants';
import { NETDEV } from './events';
import { defaultOperstate, linkwatchRunQueue, netifCarrierOff, netifCarrierOn, rfc2863Policy } from './linkwatch';
import { NetDevice } from './netdevice';
import { linkWorld, sendAndListen, setLink } from './test-support';

describe('carrier and link watch', () => {
  it('counts a carrier change of a registered device only, once per change', async () => {
    const { rtnl, lo } = await linkWorld();
    const unregistered = new NetDevice({ name: 'x' });
    netifCarrierOff(rtnl, unregistered);
    expect([unregistered.carrier, unregistered.carrierDownCount]).toEqual([false, 0]);
    netifCarrierOff(rtnl, lo);
    netifCarrierOff(rtnl, lo);
    netifCarrierOn(rtnl, lo);
    expect([lo.carrier, lo.carrierDownCount, lo.carrierUpCount]).toEqual([true, 1, 1]);
  });

  it('derives the operstate as rfc2863_policy does: DOWN, LOWERLAYERDOWN on a lower without carrier, UP, link modes', async () => {
    const { lo, table } = await linkWorld();
    const dev = new NetDevice({ name: 'upper', netdevOps: { getIflink: () => lo.ifindex } });
    table.register(dev);
    dev.carrier = false;
    expect(defaultOperstate(dev)).toBe(IF_OPER.DOWN); // lo has carrier
    lo.carrier = false;
    expect(defaultOperstate(dev)).toBe(IF_OPER.LOWERLAYERDOWN);
    expect(defaultOperstate(lo)).toBe(IF_OPER.DOWN); // its own index: DOWN
    dev.carrier = true;
    dev.linkMode = IF_LINK_MODE.DORMANT;
    rfc2863Policy(dev);
    expect(dev.operstate).toBe(IF_OPER.DORMANT);
  });

  it('runs the queue at the end of a request: NETDEV_CHANGE and RTM_NEWLINK for a device that is up', async () => {
    const { rtnl, lo, events } = await linkWorld();
    await sendAndListen(rtnl, setLink('lo', { flags: IFF.UP, change: IFF.UP }));
    netifCarrierOff(rtnl, lo);
    events.length = 0;
    const { notifications } = await sendAndListen(rtnl, setLink('lo'));
    expect(lo.reportedOperstate).toBe(IF_OPER.DOWN);
    expect(lo.reportedFlags & IFF.RUNNING).toBe(0);
    expect(events).toEqual([[NETDEV.CHANGE, 'lo']]);
    expect(notifications).toHaveLength(1);
    // Nothing queued: nothing happens.
    await linkwatchRunQueue(rtnl);
    expect(events).toHaveLength(1);
  });
});
