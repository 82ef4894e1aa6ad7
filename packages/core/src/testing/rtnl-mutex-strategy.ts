/**
 * The smallest useful strategy: the kernel's own dispatcher rule. One RTNL mutex around every
 * doit and dump pass, except handlers flagged DOIT_UNLOCKED / DUMP_UNLOCKED (DOIT_PERNET handlers,
 * which take `rtnl_net_lock()` themselves in the kernel, get RTNL here); every subsystem lock class
 * is RTNL itself. Core's tests run on it; the real strategies live in the strategy packages.
 */
import { LockError } from '../locking/errors';
import { Mutex } from '../locking/mutex';
import type { LockStrategy, StrategyCall, StrategyHost } from '../strategy/strategy';
import { aliasLock } from '../strategy/subsystem-locks';
import { RTNL_FLAG, RTNL_FLAG_PERNET_MARK } from '../wire/constants';

export function rtnlMutexStrategy(): LockStrategy & { readonly rtnl: Mutex } {
  let rtnl: Mutex | undefined;
  const aliases = new Map<string, ReturnType<typeof aliasLock>>();
  const mutex = () => {
    if (!rtnl) throw new LockError('strategy used before attach()');
    return rtnl;
  };
  return {
    name: 'rtnl-mutex',
    get rtnl() {
      return mutex();
    },
    attach(host: StrategyHost) {
      rtnl = new Mutex(host.env.lockClass('rtnl', { rank: 0 }));
    },
    async run<T>(call: StrategyCall, body: () => Promise<T>): Promise<T> {
      const flags = call.handler.flags;
      const unlocked =
        call.kind === 'doit'
          ? flags & RTNL_FLAG.DOIT_UNLOCKED && !(flags & RTNL_FLAG_PERNET_MARK)
          : flags & RTNL_FLAG.DUMP_UNLOCKED;
      if (unlocked) return body();
      return mutex().runExclusive(call.task, body, { at: call.handler.name });
    },
    lock(cls: string) {
      let lock = aliases.get(cls);
      if (!lock) {
        lock = aliasLock(cls, mutex());
        aliases.set(cls, lock);
      }
      return lock;
    },
  };
}
