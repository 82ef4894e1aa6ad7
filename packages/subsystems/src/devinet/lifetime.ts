/**
 * Address lifetimes: `check_lifetime()` (the `addr_chk_work` of each namespace, net/ipv4/devinet.c)
 * on the rtnetlink instance's clock. An address whose valid lifetime has run out is deleted
 * (RTM_DELADDR + NETDEV_DOWN, promotions included); one whose preferred lifetime has run out
 * becomes IFA_F_DEPRECATED (RTM_NEWADDR). The work runs under RTNL, as a task of its own.
 *
 * Deviation, on purpose: the kernel's work also runs every `ADDR_CHECK_FREQUENCY` (120 s) when
 * no address has a finite lifetime, and finds nothing to do; rtnlkit arms its timer only when an
 * address has one, so that an idle model keeps no timer pending.
 */
import { type CancelTimer, IFA_F, type Net, RTM, type Rtnetlink, runTask } from '@rtnlkit/core';
import { linkTable } from '../link/table';
import { rtmsgIfa } from './fill';
import { inetDelIfa } from './ifa';
import { INFINITY_LIFE_TIME, type InIfaddr, inDevGet } from './in-device';

/** `ADDRCONF_TIMER_FUZZ_MINUS` (HZ/50): events this close are batched. */
const FUZZ_MS = 20;
/** `ADDR_CHECK_FREQUENCY`. */
const CHECK_FREQUENCY_MS = 120_000;

interface Timers {
  readonly byNet: Map<Net, CancelTimer>;
  stopped: boolean;
}

const timers = new WeakMap<Rtnetlink, Timers>();

function timersOf(rtnl: Rtnetlink): Timers {
  let t = timers.get(rtnl);
  if (!t) {
    t = { byNet: new Map(), stopped: false };
    timers.set(rtnl, t);
  }
  return t;
}

function addressesOf(net: Net): InIfaddr[] {
  const out: InIfaddr[] = [];
  for (const dev of linkTable(net).devices()) out.push(...(inDevGet(dev)?.ifaList ?? []));
  return out;
}

/** When the next event of `ifa` is due (ms on the clock), or undefined for none. */
function nextEvent(ifa: InIfaddr): number | undefined {
  if (ifa.flags & IFA_F.PERMANENT) return undefined;
  if (ifa.preferredLft !== INFINITY_LIFE_TIME && !(ifa.flags & IFA_F.DEPRECATED))
    return ifa.tstamp + ifa.preferredLft * 1000;
  if (ifa.validLft !== INFINITY_LIFE_TIME) return ifa.tstamp + ifa.validLft * 1000;
  return undefined;
}

/**
 * A timer on the instance's clock. On the real clock it does not keep the process alive (a Node
 * timer, unref'd): like a kernel delayed work, housekeeping must not hold a program open that
 * has finished with its rtnetlink instance.
 */
function armTimer(rtnl: Rtnetlink, ms: number, fn: () => void): CancelTimer {
  if (rtnl.clock.kind !== 'real') return rtnl.clock.setTimer(ms, fn);
  const handle = setTimeout(fn, Math.max(0, ms));
  handle.unref?.();
  return () => clearTimeout(handle);
}

/**
 * `cancel_delayed_work()` + `queue_delayed_work(…, addr_chk_work, delay)`: (re-)arms the check of
 * `net` after `delayMs`, if any address there has a finite lifetime.
 */
export function addrChkSchedule(rtnl: Rtnetlink, net: Net, delayMs: number): void {
  const t = timersOf(rtnl);
  t.byNet.get(net)?.();
  t.byNet.delete(net);
  if (t.stopped) return;
  let due: number | undefined;
  for (const ifa of addressesOf(net)) {
    const at = nextEvent(ifa);
    if (at !== undefined && (due === undefined || at < due)) due = at;
  }
  if (due === undefined) return;
  const now = rtnl.clock.now();
  const delay = Math.max(delayMs, Math.min(CHECK_FREQUENCY_MS, due - now));
  const fire = () => {
    t.byNet.delete(net);
    runTask('addr_chk_work', (task) => rtnl.strategy.lock('rtnl', net).run(task, () => checkLifetime(rtnl, net))).catch(
      (error: unknown) => rtnl.fault(error),
    );
  };
  t.byNet.set(net, armTimer(rtnl, delay, fire));
}

/** `check_lifetime()` for one namespace, under RTNL. */
export async function checkLifetime(rtnl: Rtnetlink, net: Net): Promise<void> {
  const now = rtnl.clock.now();
  for (const ifa of addressesOf(net)) {
    if (ifa.flags & IFA_F.PERMANENT || !ifa.inDev.ifaList.includes(ifa)) continue;
    const age = Math.floor((now - ifa.tstamp + FUZZ_MS) / 1000);
    if (ifa.validLft !== INFINITY_LIFE_TIME && age >= ifa.validLft) {
      await inetDelIfa(rtnl, ifa);
    } else if (ifa.preferredLft !== INFINITY_LIFE_TIME && age >= ifa.preferredLft && !(ifa.flags & IFA_F.DEPRECATED)) {
      ifa.flags |= IFA_F.DEPRECATED;
      rtmsgIfa(rtnl, RTM.NEWADDR, ifa);
    }
  }
  addrChkSchedule(rtnl, net, 0);
}

/** Cancels the check of `net` (namespace exit). */
export function addrChkCancel(rtnl: Rtnetlink, net: Net): void {
  const t = timersOf(rtnl);
  t.byNet.get(net)?.();
  t.byNet.delete(net);
}

/** Cancels every check and arms none again (the subsystem is removed); `start` undoes it. */
export function addrChkStopAll(rtnl: Rtnetlink, stop = true): void {
  const t = timersOf(rtnl);
  t.stopped = stop;
  if (!stop) return;
  for (const cancel of t.byNet.values()) cancel();
  t.byNet.clear();
}
