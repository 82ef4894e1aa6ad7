/**
 * One rtnetlink instance: a simulated kernel's NETLINK_ROUTE side. It owns the handler table,
 * the sockets, the locking strategy every request runs under, the lock environment (clock,
 * lockdep, statistics), RCU and the cost model, and the initial network namespace.
 *
 * ```ts
 * const rtnl = new Rtnetlink({ strategy });
 * rtnl.handlers.registerMany([...]);           // or rtnl.install(subsystem)
 * const sock = rtnl.socket({ admin: true });
 * await sock.send(requestBytes);
 * const reply = await sock.recv();
 * ```
 */
import { Errno, ErrnoError } from '../errno';
import { type FaultHost, type FaultInjector, waitPoint } from '../fault/fault-injector';
import { LockTimeoutError } from '../locking/errors';
import { LockEnv } from '../locking/lock-class';
import { LockdepError } from '../locking/lockdep';
import { Net } from '../net/net';
import type { LockClassDecl, LockStrategy, StrategyHost } from '../strategy/strategy';
import { Rcu } from '../sync/rcu';
import type { Task } from '../task/task';
import type { Clock } from '../time/clock';
import { CostModel } from '../time/cost-model';
import { netlinkRcvSkb } from './dispatcher';
import { HandlerTable } from './handlers';
import type { Extack } from './request';
import { NetlinkSocket, type SocketOptions } from './socket';
import type { Subsystem } from './subsystem';

export interface RtnetlinkOptions {
  strategy: LockStrategy;
  /** Clock, lockdep and statistics for every lock; default real clock, no lockdep, no statistics. */
  env?: LockEnv;
  costs?: CostModel;
  /**
   * Let request processing take time on the clock: each doit spends `cpu.doit` and each dump pass
   * `cpu.doit` plus `netlink.copy` per message it filled, inside the strategy's call, so the time counts as held
   * under whatever locks the strategy took. Off by default (handlers then take no time on a
   * virtual clock); the strategy comparison turns it on so that contention has a cost.
   */
  chargeCpu?: boolean;
  /** Called for every exception a handler threw that was not an ErrnoError (a bug). */
  onFault?: (error: unknown) => void;
}

export interface NotifyOptions {
  /** The requester's port id: excluded from the multicast when it gets an echo. */
  portId?: number;
  /** NLM_F_ECHO on the request: unicast the notification to `portId` too. */
  report?: boolean;
}

/** The global RTNL: rank 0, taken first by every ranked strategy. */
export const RTNL_CLASS: LockClassDecl = { name: 'rtnl', rank: 0, description: 'the RTNL mutex' };

export class Rtnetlink implements StrategyHost, FaultHost {
  readonly env: LockEnv;
  readonly costs: CostModel;
  /** See {@link RtnetlinkOptions.chargeCpu}. */
  readonly chargeCpu: boolean;
  readonly rcu: Rcu;
  readonly strategy: LockStrategy;
  readonly handlers = new HandlerTable();
  /** `init_net`. */
  readonly initNet = new Net('init_net', { initNet: true });
  /** Exceptions handlers threw that were not ErrnoErrors: each was answered with EINVAL. */
  readonly faults: unknown[] = [];
  /**
   * Fault injection (`fail-nth`): unset, every fault point is one property check; set, the points
   * handlers pass are recorded and the chosen one fails. See {@link FaultInjector}.
   */
  faultInjector: FaultInjector | undefined = undefined;
  private readonly onFault: ((error: unknown) => void) | undefined;
  private readonly sockets = new Map<number, NetlinkSocket>();
  private readonly classes = new Map<string, LockClassDecl>([[RTNL_CLASS.name, RTNL_CLASS]]);
  private nextPortId = 1;

  constructor(options: RtnetlinkOptions) {
    this.env = options.env ?? new LockEnv();
    this.costs = options.costs ?? new CostModel();
    this.chargeCpu = options.chargeCpu ?? false;
    this.rcu = new Rcu({
      clock: this.env.clock,
      costs: this.costs,
      onSynchronize: (expedited) => waitPoint(this, expedited ? 'synchronize_rcu_expedited' : 'synchronize_rcu'),
    });
    this.onFault = options.onFault;
    this.strategy = options.strategy;
    this.strategy.attach(this);
  }

  get clock(): Clock {
    return this.env.clock;
  }

  /** Declares lock classes (a subsystem's); a class declared twice must be declared alike. */
  declareLockClasses(decls: readonly LockClassDecl[]): void {
    for (const decl of decls) {
      const existing = this.classes.get(decl.name);
      if (
        existing &&
        (existing.rank !== decl.rank ||
          existing.perNet !== decl.perNet ||
          (existing.compare !== undefined && decl.compare !== undefined && existing.compare !== decl.compare))
      ) {
        throw new TypeError(`lock class ${decl.name} is already declared differently (rank ${existing.rank})`);
      }
      this.classes.set(decl.name, decl);
    }
  }

  lockClasses(): readonly LockClassDecl[] {
    return [...this.classes.values()];
  }

  /** Declares the subsystem's lock classes and installs it; dispose the result to remove it. */
  async install(subsystem: Subsystem): Promise<Disposable> {
    this.declareLockClasses(subsystem.lockClasses);
    return await subsystem.install(this);
  }

  /** Opens a socket (socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) + bind). */
  socket(options: SocketOptions = {}): NetlinkSocket {
    const portId = options.portId ?? this.allocatePortId();
    if (this.sockets.has(portId)) throw new ErrnoError(Errno.EADDRINUSE, `port id ${portId} is in use`);
    const socket = new NetlinkSocket(this, portId, options.net ?? this.initNet, options);
    this.sockets.set(portId, socket);
    return socket;
  }

  /** The socket bound to `portId`, if open. */
  socketByPort(portId: number): NetlinkSocket | undefined {
    return this.sockets.get(portId);
  }

  /** Processes a datagram a socket sent (used by NetlinkSocket.send). */
  receive(socket: NetlinkSocket, datagram: Uint8Array, task: Task): Promise<void> {
    return netlinkRcvSkb(this, socket, datagram, task);
  }

  /**
   * rtnl_notify() / nlmsg_notify(): multicasts `message` to every socket of `net` in `group`,
   * except the requester when it gets the message as an echo instead.
   * Returns how many sockets got it.
   */
  notify(net: Net, group: number, message: Uint8Array, options: NotifyOptions = {}): number {
    const echoTo = options.report && options.portId !== undefined ? options.portId : undefined;
    let delivered = 0;
    for (const socket of this.sockets.values()) {
      if (socket.net !== net || socket.portId === echoTo || !socket.isMember(group)) continue;
      if (socket.deliverMulticast(message)) delivered += 1;
    }
    if (echoTo !== undefined) {
      const requester = this.sockets.get(echoTo);
      if (requester) {
        if (requester.deliverUnicast(message)) delivered += 1;
      }
    }
    return delivered;
  }

  /** rtnl_has_listeners(): is anybody in `net` listening to `group`? */
  hasListeners(net: Net, group: number): boolean {
    for (const socket of this.sockets.values()) if (socket.net === net && socket.isMember(group)) return true;
    return false;
  }

  /**
   * The positive errno for an error a handler raised, filling `extack` from it. Anything but an
   * ErrnoError is a bug in the handler: it is recorded in `faults` and answered with EINVAL.
   */
  errnoOf(error: unknown, extack: Extack): number {
    if (error instanceof ErrnoError) {
      if (error.extack !== undefined) extack.msg = error.extack;
      if (error.offset !== undefined) extack.offset = error.offset;
      if (error.policy !== undefined) extack.policy = error.policy;
      return error.errno;
    }
    if (error instanceof LockdepError) {
      // A strategy in lockdep's refuse mode turned the acquisition down before it could deadlock.
      extack.msg = error.message;
      return Errno.EDEADLK;
    }
    if (error instanceof LockTimeoutError) {
      extack.msg = error.message;
      return Errno.ETIMEDOUT;
    }
    this.fault(error);
    extack.msg = 'internal error';
    return Errno.EINVAL;
  }

  /** Records a handler bug. */
  fault(error: unknown): void {
    this.faults.push(error);
    this.onFault?.(error);
  }

  /** @internal Sockets remove themselves when closed. */
  forgetSocket(socket: NetlinkSocket): void {
    if (this.sockets.get(socket.portId) === socket) this.sockets.delete(socket.portId);
  }

  private allocatePortId(): number {
    while (this.sockets.has(this.nextPortId)) this.nextPortId += 1;
    return this.nextPortId++;
  }
}
