/**
 * The seed's ABBA: "mutex_lock(&fib_private); ... rtnl_lock()" against "rtnl_lock(); ...
 * mutex_lock(&fib_private)". FIB changes run notifiers, and notifier callbacks were written for a
 * world where RTNL is held; one that takes RTNL while the FIB mutex is held inverts the order.
 */
import { AF, DeadlockError, Errno, NETLINK_OPT, type NetlinkSocket, NLMSG, RTM, Task } from '@rtnlkit/core';
import { call, decodeDatagram, fibAbbaWorld, rtnlMutexStrategy, toyRequest } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { finegrainedStrategy } from './finegrained';
import { RANK_ORDER_TITLE } from './report';

/** Sends `request` as `task` and resolves with its NLMSG_ERROR: errno and extack. */
async function send(socket: NetlinkSocket, request: Uint8Array, task: Task) {
  const seq = new DataView(request.buffer, request.byteOffset).getUint32(8, true);
  await socket.send(request, { task });
  for (;;) {
    for (const m of decodeDatagram(await socket.recv())) {
      if (m.header.type === NLMSG.ERROR && m.header.seq === seq) return { errno: m.errno, extack: m.extack };
    }
  }
}

const EXPECTED_REPORT = `======================================================
WARNING: lock rank order violation detected
------------------------------------------------------
ip-route/N is trying to acquire lock:
  (rtnl){rank 0}, at: nic_fib_event

but task is already holding lock:
  (fib){rank 20}, at: inet_rtm_newroute

which lock comes before the held one in the enforced order:
  rtnl (rank 0) -> devinet (rank 10) -> fib (rank 20)
rtnl (rank 0) must be taken before fib (rank 20).

the chain of ip-route/N (held locks in the order taken):

-> #0 (fib){rank 20}, at: inet_rtm_newroute
-> #1 (rtnl){rank 0}, at: nic_fib_event   <- trying to acquire

the chain it can deadlock with (the enforced order):

-> #0 (rtnl){rank 0}
-> #1 (fib){rank 20}
       taken in this order by ip-link/N, at: fib_netdev_event

other info that might help us debug this:

 Possible unsafe locking scenario:

       ip-route/N              ip-link/N
       ----                    ----
  lock(fib);
                               lock(rtnl);
                               lock(fib);
  lock(rtnl);

 *** DEADLOCK ***

1 lock held by ip-route/N:
 #0: (fib){rank 20}, at: inet_rtm_newroute`;

describe("the seed's ABBA: a notifier takes rtnl while the handler holds fib", () => {
  it('is refused before it waits: EDEADLK with the report as extack, both chains named, nothing left held', async () => {
    const strategy = finegrainedStrategy();
    const { rtnl, clock, env, calls, tasks } = fibAbbaWorld(strategy);
    const socket = rtnl.socket({ admin: true });
    socket.setOption(NETLINK_OPT.EXT_ACK, true);
    const linkTask = new Task('ip-link');
    const [link, route, again] = await clock.run(async () => [
      // First the kernel's own order, rtnl then fib: the other half of the ABBA.
      await send(socket, toyRequest(RTM.SETLINK), linkTask),
      await send(socket, toyRequest(RTM.NEWROUTE, AF.INET), new Task('ip-route')),
      await send(socket, toyRequest(RTM.SETLINK), new Task('ip-link')),
    ]);
    expect(link).toEqual({ errno: 0, extack: undefined });
    expect(again).toEqual({ errno: 0, extack: undefined });
    expect(calls).toEqual(['fib_netdev_event', 'fib_netdev_event']);

    // The dispatcher turned the LockdepError into EDEADLK with its message as extack.
    expect(route.errno).toBe(Errno.EDEADLK);
    expect(route.extack).toBe(`lockdep: ${RANK_ORDER_TITLE} (${tasks.newroute}: fib -> rtnl)`);

    // One report, naming both chains.
    expect(strategy.violations).toHaveLength(1);
    expect(strategy.violationCount).toBe(1);
    const [report] = strategy.violations;
    expect(report?.kind).toBe('rank-order');
    expect(report?.task).toBe(String(tasks.newroute));
    expect(report?.locks).toEqual(['fib', 'rtnl']);
    expect(report?.chain).toEqual([
      { from: 'fib', to: 'rtnl', task: String(tasks.newroute), at: 'nic_fib_event' },
      { from: 'rtnl', to: 'fib', task: String(linkTask), at: 'fib_netdev_event' },
    ]);
    expect(report?.text.replace(/\/\d+/g, '/N')).toBe(EXPECTED_REPORT);

    // Nothing stays held: not by the refused task, not in the mutexes, and lockdep saw no leak.
    const task = tasks.newroute as Task;
    expect(strategy.heldBy(task)).toEqual([]);
    expect(task.held).toEqual([]);
    expect(strategy.mutex('fib').locked).toBe(false);
    expect(strategy.mutex('rtnl').locked).toBe(false);
    // The refusal came before the mutex: lockdep never saw the inverted acquisition.
    expect(env.lockdep?.reports).toEqual([]);
  });

  it('refuses every repeat, reporting the inversion once', async () => {
    const strategy = finegrainedStrategy();
    const { rtnl, clock } = fibAbbaWorld(strategy);
    const socket = rtnl.socket({ admin: true });
    const errnos = await clock.run(async () => [
      await call(socket, toyRequest(RTM.NEWROUTE, AF.INET)),
      await call(socket, toyRequest(RTM.NEWROUTE, AF.INET)),
    ]);
    expect(errnos).toEqual([Errno.EDEADLK, Errno.EDEADLK]);
    expect(strategy.violations).toHaveLength(1);
    expect(strategy.violationCount).toBe(2);
    // Without a task seen taking rtnl then fib, the other column is the enforced order itself.
    expect(strategy.violations[0]?.text).toContain(
      '(no task seen doing so yet: any task that follows the enforced order does)',
    );
  });

  it('runs the same handler code under a global RTNL, where fib is RTNL and the nesting is free', async () => {
    const { rtnl, clock, env, calls } = fibAbbaWorld(rtnlMutexStrategy());
    const socket = rtnl.socket({ admin: true });
    const errnos = await clock.run(() =>
      Promise.all([call(socket, toyRequest(RTM.NEWROUTE, AF.INET)), call(socket, toyRequest(RTM.SETLINK))]),
    );
    expect(errnos).toEqual([0, 0]);
    expect(calls.sort()).toEqual(['fib_netdev_event', 'nic_fib_event']);
    expect(env.lockdep?.reports).toEqual([]);
  });

  it('in report mode, the two orders run concurrently deadlock: the clock names the cycle, the strategy has the report', async () => {
    const strategy = finegrainedStrategy({ onViolation: 'report' });
    const { rtnl, clock, env, calls, tasks } = fibAbbaWorld(strategy);
    const socket = rtnl.socket({ admin: true });
    const outcome = clock.run(() =>
      Promise.all([
        call(socket, toyRequest(RTM.NEWROUTE, AF.INET), new Task('ip-route')),
        call(socket, toyRequest(RTM.SETLINK), new Task('ip-link')),
      ]),
    );
    const error = await outcome.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeadlockError);
    const cycle = (error as DeadlockError).cycle.map(
      (edge) => `${edge.task} -> ${edge.waitsFor.name} <- ${edge.heldBy}`,
    );
    const route = String(tasks.newroute);
    const link = String(tasks.setlink);
    expect(cycle.sort()).toEqual([`${link} -> fib <- ${route}`, `${route} -> rtnl <- ${link}`].sort());
    expect((error as Error).message).toContain(`${route} waits for rtnl held by ${link}`);
    expect((error as Error).message).toContain(`${link} waits for fib held by ${route}`);
    expect(calls).toEqual([]);

    expect(strategy.violations.map((r) => [r.kind, r.task, r.locks.join(' -> ')])).toEqual([
      ['rank-order', route, 'fib -> rtnl'],
    ]);
    // Lockdep saw the real acquisitions and closed the cycle as well.
    expect(env.lockdep?.reports.map((r) => r.kind)).toEqual(['circular']);
  });

  it('in refuse mode, the same two requests do not deadlock: the inverted one fails, the other succeeds', async () => {
    const strategy = finegrainedStrategy();
    const { rtnl, clock, calls } = fibAbbaWorld(strategy);
    const socket = rtnl.socket({ admin: true });
    const errnos = await clock.run(() =>
      Promise.all([call(socket, toyRequest(RTM.NEWROUTE, AF.INET)), call(socket, toyRequest(RTM.SETLINK))]),
    );
    expect(errnos).toEqual([Errno.EDEADLK, 0]);
    expect(calls).toEqual(['fib_netdev_event']);
  });
});
