/**
 * Carrier changes and the link watch (net/core/link_watch.c, `netif_carrier_on/off()` in
 * net/sched/sch_generic.c): a carrier change counts in `carrier_up_count` / `carrier_down_count`
 * and queues the device; running the queue recomputes its operstate (`rfc2863_policy()`) and,
 * while the device is up, raises NETDEV_CHANGE and an RTM_NEWLINK (`netif_state_change()`).
 *
 * Linux runs the queue from a work item, after the request that changed the carrier has released
 * RTNL (urgent events at once, others up to a second later). rtnlkit runs it deterministically at
 * the end of every link request, still under RTNL (see `linkwatchRunQueue`), so a dump that
 * follows the request sees the state Linux settles in.
 */
import type { Rtnetlink } from '@rtnlkit/core';
import { IF_LINK_MODE, IF_OPER } from './constants';
import { netdevStateChange } from './dev';
import type { NetDevice } from './netdevice';
import { linkTable } from './table';

/** `lweventlist`, per rtnetlink instance, in the order the events came. */
const queues = new WeakMap<Rtnetlink, Set<NetDevice>>();

function queueOf(rtnl: Rtnetlink): Set<NetDevice> {
  let queue = queues.get(rtnl);
  if (!queue) {
    queue = new Set();
    queues.set(rtnl, queue);
  }
  return queue;
}

/** `linkwatch_fire_event()`: queues `dev` once until the queue runs. */
export function linkwatchFireEvent(rtnl: Rtnetlink, dev: NetDevice): void {
  queueOf(rtnl).add(dev);
}

/** `netif_carrier_on()`: counts and queues a change; nothing for a device whose carrier is on. */
export function netifCarrierOn(rtnl: Rtnetlink, dev: NetDevice): void {
  if (dev.carrier) return;
  dev.carrier = true;
  // NETREG_UNINITIALIZED: a change before registration is not an event.
  if (!dev.net) return;
  dev.carrierUpCount += 1;
  linkwatchFireEvent(rtnl, dev);
}

/** `netif_carrier_off()`. */
export function netifCarrierOff(rtnl: Rtnetlink, dev: NetDevice): void {
  if (!dev.carrier) return;
  dev.carrier = false;
  if (!dev.net) return;
  dev.carrierDownCount += 1;
  linkwatchFireEvent(rtnl, dev);
}

/**
 * `default_operstate()`: DOWN without carrier, unless the device sits on another one (`iflink`)
 * whose carrier is off too: LOWERLAYERDOWN; UP with carrier. (Dormant and testing are not
 * modelled.)
 */
export function defaultOperstate(dev: NetDevice): number {
  if (!dev.carrier) {
    const iflink = dev.iflink;
    if (iflink === dev.ifindex || !dev.net) return IF_OPER.DOWN;
    const peer = linkTable(dev.net).getByIndex(iflink);
    if (!peer) return IF_OPER.DOWN;
    return peer.carrier ? IF_OPER.DOWN : IF_OPER.LOWERLAYERDOWN;
  }
  return IF_OPER.UP;
}

/** `rfc2863_policy()`: the operstate after a link event, as `link_mode` shapes it. */
export function rfc2863Policy(dev: NetDevice): void {
  let operstate = defaultOperstate(dev);
  if (operstate === dev.operstate) return;
  if (operstate === IF_OPER.UP && dev.linkMode === IF_LINK_MODE.TESTING) operstate = IF_OPER.TESTING;
  if (operstate === IF_OPER.UP && dev.linkMode === IF_LINK_MODE.DORMANT) operstate = IF_OPER.DORMANT;
  dev.operstate = operstate;
}

/**
 * `__linkwatch_run_queue()` → `linkwatch_do_dev()` for every queued device still registered,
 * until the queue is empty (a NETDEV_CHANGE callback, e.g. of a macvlan or a bridge, may queue
 * more). The caller holds RTNL.
 */
export async function linkwatchRunQueue(rtnl: Rtnetlink): Promise<void> {
  const queue = queueOf(rtnl);
  for (let dev = first(queue); dev; dev = first(queue)) {
    queue.delete(dev);
    if (!dev.net) continue; // linkwatch_forget_dev(): unregistered meanwhile
    rfc2863Policy(dev);
    await netdevStateChange(rtnl, dev);
  }
}

function first(queue: Set<NetDevice>): NetDevice | undefined {
  return queue.values().next().value;
}
