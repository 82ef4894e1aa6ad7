/**
 * How a subsystem plugs into an rtnetlink instance: it declares its lock classes and installs
 * everything it owns (handlers, notifiers, af ops, link kinds, pernet ops), and can be removed
 * again by disposing what `install` returned.
 */
import type { LockClassDecl } from '../strategy/strategy';
import type { Rtnetlink } from './rtnetlink';

export interface Subsystem {
  readonly name: string;
  readonly lockClasses: readonly LockClassDecl[];
  install(rtnl: Rtnetlink): Disposable | Promise<Disposable>;
}
