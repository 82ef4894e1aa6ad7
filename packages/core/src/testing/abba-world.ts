/**
 * The seed's FIB example as subsystem code, the same under every strategy: a route add under `fib`
 * whose FIB notifier reaches a driver callback that takes RTNL (fib, then rtnl), and a link change
 * under `rtnl` whose netdevice notifier updates the FIB (rtnl, then fib: the kernel's own order).
 * Under a global RTNL both are fine, since `fib` is RTNL; with a private FIB mutex they are an
 * ABBA that a ranked strategy must refuse. `calls` records which notifier callbacks ran, `tasks`
 * the request tasks of the two handlers.
 */
import type { DoitRequest } from '../rtnetlink/request';
import type { LockStrategy } from '../strategy/strategy';
import { NOTIFY_DONE, NotifierChain } from '../sync/notifier';
import type { Task } from '../task/task';
import { AF } from '../wire/constants';
import { RTM } from '../wire/generated';
import { toyWorld } from './toy-world';

export function fibAbbaWorld(strategy: LockStrategy, seed?: number) {
  const world = toyWorld(strategy, seed);
  const { rtnl, clock } = world;
  const calls: string[] = [];
  const fibChain = new NotifierChain<'FIB_EVENT_ENTRY_ADD', DoitRequest>('fib_chain');
  fibChain.register(async (_event, req) => {
    await req.lock('rtnl').run(req.task, () => calls.push('nic_fib_event'), { at: 'nic_fib_event' });
    return NOTIFY_DONE;
  });
  const netdevChain = new NotifierChain<'NETDEV_UP', DoitRequest>('netdev_chain');
  netdevChain.register(async (_event, req) => {
    await req.lock('fib').run(req.task, () => calls.push('fib_netdev_event'), { at: 'fib_netdev_event' });
    return NOTIFY_DONE;
  });
  const tasks: Record<string, Task> = {};
  rtnl.handlers.registerMany([
    {
      family: AF.INET,
      type: RTM.NEWROUTE,
      locks: ['fib'],
      name: 'inet_rtm_newroute',
      async doit(req) {
        tasks.newroute = req.task;
        await clock.sleep(1);
        await fibChain.call('FIB_EVENT_ENTRY_ADD', req);
      },
    },
    {
      family: 0,
      type: RTM.SETLINK,
      locks: ['rtnl'],
      name: 'rtnl_setlink',
      async doit(req) {
        tasks.setlink = req.task;
        await clock.sleep(1);
        await netdevChain.call('NETDEV_UP', req);
      },
    },
  ]);
  return { ...world, calls, tasks };
}
