/**
 * A strategy that takes no lock at all, for tests only: it proves the checks have teeth. Every
 * invariant the contract suite and the schedule explorer check must fail under it.
 */
import type { LockStrategy, SubsystemLock } from '../strategy/strategy';

export function unsafeStrategy(): LockStrategy {
  const none = (name: string): SubsystemLock => ({
    name,
    lock: async () => {},
    unlock: () => {},
    run: async (_task, body) => body(),
    assertHeld: () => {},
  });
  return {
    name: 'unsafe',
    attach: () => {},
    run: (_call, body) => body(),
    lock: (cls) => none(cls),
  };
}
