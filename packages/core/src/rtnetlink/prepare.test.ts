import { describe, expect, it } from 'vitest';
import { Errno, ErrnoError } from '../errno';
import { Net } from '../net/net';
import type { StrategyCall } from '../strategy/strategy';
import { callNets } from '../strategy/strategy';
import { rtnlMutexStrategy } from '../testing/rtnl-mutex-strategy';
import { call, toyRequest, toyWorld } from '../testing/toy-world';
import { AF, NETLINK_OPT } from '../wire/constants';
import { RTM } from '../wire/generated';

describe('a doit with a prepare stage', () => {
  it('runs the stage unlocked, hands its data to the doit, names extra namespaces, releases after the doit', async () => {
    const strategy = rtnlMutexStrategy();
    const { rtnl, clock } = toyWorld(strategy);
    const other = new Net('blue');
    const log: string[] = [];
    const calls: StrategyCall[] = [];
    const run = strategy.run.bind(strategy);
    strategy.run = (c, body) => {
      calls.push(c);
      return run(c, body);
    };
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      name: 'rtnl_newlink',
      prepare() {
        log.push(`prepare, rtnl ${strategy.rtnl.locked ? 'held' : 'free'}`);
        return { nets: [other], data: { kind: 'veth' }, release: () => log.push('release') };
      },
      doit(req) {
        log.push(
          `doit with ${(req.prepared?.data as { kind: string } | undefined)?.kind}, rtnl ${strategy.rtnl.locked ? 'held' : 'free'}`,
        );
        req.afterUnlock(async () => {
          await clock.sleep(5);
          log.push(`after unlock, rtnl ${strategy.rtnl.locked ? 'held' : 'free'}`);
        });
      },
    });
    const errno = await clock.run(() => call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK)));
    expect(errno).toBe(0);
    expect(log).toEqual(['prepare, rtnl free', 'doit with veth, rtnl held', 'after unlock, rtnl free', 'release']);
    expect(calls[0]?.nets).toEqual([other]);
    expect(clock.now()).toBe(5); // the reply waited for the work after unlock
  });

  it("answers the stage's error without taking a lock or running the doit", async () => {
    const strategy = rtnlMutexStrategy();
    const { rtnl, clock } = toyWorld(strategy);
    let doits = 0;
    let runs = 0;
    const run = strategy.run.bind(strategy);
    strategy.run = (c, body) => {
      runs += 1;
      return run(c, body);
    };
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      name: 'rtnl_newlink',
      prepare() {
        throw new ErrnoError(Errno.EOPNOTSUPP, 'Unknown device type');
      },
      doit() {
        doits += 1;
      },
    });
    const sock = rtnl.socket({ admin: true });
    sock.setOption(NETLINK_OPT.EXT_ACK, true);
    expect(await clock.run(() => call(sock, toyRequest(RTM.NEWLINK)))).toBe(Errno.EOPNOTSUPP);
    expect({ doits, runs }).toEqual({ doits: 0, runs: 0 });
  });

  it('releases what was prepared and still runs the rest of the work when the doit or a work item fails', async () => {
    const { rtnl, clock } = toyWorld(rtnlMutexStrategy());
    const log: string[] = [];
    rtnl.handlers.register({
      family: AF.UNSPEC,
      type: RTM.NEWLINK,
      name: 'rtnl_newlink',
      prepare: () => ({ release: () => log.push('release') }),
      doit(req) {
        req.afterUnlock(() => {
          throw new Error('todo broke');
        });
        req.afterUnlock(() => {
          log.push('second');
        });
        throw new ErrnoError(Errno.EBUSY);
      },
    });
    expect(await clock.run(() => call(rtnl.socket({ admin: true }), toyRequest(RTM.NEWLINK)))).toBe(Errno.EBUSY);
    expect(log).toEqual(['second', 'release']);
    expect(rtnl.faults.map((f) => (f as Error).message)).toEqual(['todo broke']);
  });

  it('is registered with its doit: a prepare stage alone is a programming error', () => {
    const { rtnl } = toyWorld(rtnlMutexStrategy());
    expect(() => rtnl.handlers.register({ family: AF.UNSPEC, type: RTM.NEWLINK, prepare: () => undefined })).toThrow(
      TypeError,
    );
  });
});

describe('callNets', () => {
  it('puts the request namespace and the named ones in rtnl_nets_lock() order, without duplicates', () => {
    const init = new Net('init_net', { initNet: true });
    const a = new Net('a');
    const b = new Net('b');
    expect(callNets({ net: b, nets: [a, b, init] })).toEqual([init, a, b]);
    expect(callNets({ net: a })).toEqual([a]);
  });
});
