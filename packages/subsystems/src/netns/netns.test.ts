import { LockEnv, type Net, Rtnetlink, runTask, Task } from '@rtnlkit/core';
import { rtnlMutexStrategy } from '@rtnlkit/core/testing';
import { describe, expect, it } from 'vitest';
import { netnsOf, type PernetOps } from './netns';

function world() {
  const env = new LockEnv({ lockdep: true });
  const rtnl = new Rtnetlink({ strategy: rtnlMutexStrategy(), env });
  return { rtnl, env, netns: netnsOf(rtnl), task: new Task('test') };
}

function recorder(name: string, log: string[], fail?: { init?: string }): PernetOps {
  return {
    name,
    init(net) {
      if (fail?.init === net.name) throw new Error(`${name} init failed in ${net.name}`);
      log.push(`${name}.init(${net.name})`);
    },
    exit(net) {
      log.push(`${name}.exit(${net.name})`);
    },
  };
}

describe('netns', () => {
  it('starts with init_net alone, and is one per rtnetlink instance', () => {
    const { rtnl, netns } = world();
    expect(netns.nets).toEqual([rtnl.initNet]);
    expect(netnsOf(rtnl)).toBe(netns);
  });

  it('runs init for existing namespaces at registration and for new ones, in registration order', async () => {
    const { netns, task } = world();
    const log: string[] = [];
    await netns.register(recorder('a', log), task);
    const ns1 = await netns.create('ns1', task);
    await netns.register(recorder('b', log), task);
    const ns2 = await netns.create('ns2', task);
    expect(log).toEqual([
      'a.init(init_net)',
      'a.init(ns1)',
      'b.init(init_net)',
      'b.init(ns1)',
      'a.init(ns2)',
      'b.init(ns2)',
    ]);
    expect(netns.nets.map((n) => n.name)).toEqual(['init_net', 'ns1', 'ns2']);
    expect(netns.byName('ns2')).toBe(ns2);
    expect(netns.isAlive(ns1)).toBe(true);
  });

  it('runs exit in reverse registration order when a namespace is destroyed, after unlisting it', async () => {
    const { netns, task } = world();
    const log: string[] = [];
    const listed: boolean[] = [];
    await netns.register(recorder('a', log), task);
    await netns.register(
      {
        name: 'b',
        exit(net) {
          listed.push(netns.isAlive(net));
          log.push(`b.exit(${net.name})`);
        },
      },
      task,
    );
    const ns = await netns.create('ns', task);
    log.length = 0;
    await netns.destroy(ns, task);
    expect(log).toEqual(['b.exit(ns)', 'a.exit(ns)']);
    expect(listed).toEqual([false]);
    expect(netns.nets.map((n) => n.name)).toEqual(['init_net']);
    await netns.destroy(ns, task); // a second destroy does nothing
    expect(log).toHaveLength(2);
  });

  it('refuses to destroy init_net and to create a duplicate name', async () => {
    const { rtnl, netns, task } = world();
    await expect(netns.destroy(rtnl.initNet, task)).rejects.toThrow(/init_net/);
    await netns.create('x', task);
    await expect(netns.create('x', task)).rejects.toThrow(/exists/);
  });

  it('unwinds a failed setup_net: earlier exits run in reverse, the namespace is never listed', async () => {
    const { netns, task } = world();
    const log: string[] = [];
    await netns.register(recorder('a', log), task);
    await netns.register(recorder('b', log), task);
    await netns.register(recorder('c', log, { init: 'bad' }), task);
    log.length = 0;
    await expect(netns.create('bad', task)).rejects.toThrow('c init failed in bad');
    expect(log).toEqual(['a.init(bad)', 'b.init(bad)', 'b.exit(bad)', 'a.exit(bad)']);
    expect(netns.byName('bad')).toBeUndefined();
  });

  it('unwinds a failed registration: nothing stays registered', async () => {
    const { netns, task } = world();
    await netns.create('ns1', task);
    await netns.create('ns2', task);
    const log: string[] = [];
    const ops = recorder('a', log, { init: 'ns2' });
    await expect(netns.register(ops, task)).rejects.toThrow('a init failed in ns2');
    expect(log).toEqual(['a.init(init_net)', 'a.init(ns1)', 'a.exit(ns1)', 'a.exit(init_net)']);
    expect(netns.pernetOps).toEqual([]);
  });

  it('unregister runs exit in every namespace and stops future inits', async () => {
    const { netns, task } = world();
    const log: string[] = [];
    const ops = recorder('a', log);
    await netns.register(ops, task);
    await netns.create('ns1', task);
    log.length = 0;
    await netns.unregister(ops, task);
    await netns.create('ns2', task);
    expect(log).toEqual(['a.exit(init_net)', 'a.exit(ns1)']);
    await expect(netns.register(ops, task)).resolves.toBeUndefined();
    await expect(netns.register(ops, task)).rejects.toThrow(/already registered/);
  });

  it('serialises registration against namespace creation (pernet_ops_rwsem)', async () => {
    const { netns, env } = world();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: PernetOps = {
      name: 'slow',
      async init(net: Net) {
        order.push(`slow.init(${net.name}) start`);
        if (net.name === 'init_net') await gate;
        order.push(`slow.init(${net.name}) end`);
      },
    };
    const registering = runTask('register', (t) => netns.register(slow, t));
    await Promise.resolve();
    const creating = runTask('unshare', async (t) => {
      order.push('create start');
      await netns.create('ns', t);
      order.push('create end');
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(order).toEqual(['slow.init(init_net) start', 'create start']);
    release();
    await Promise.all([registering, creating]);
    expect(order).toEqual([
      'slow.init(init_net) start',
      'create start',
      'slow.init(init_net) end',
      'slow.init(ns) start',
      'slow.init(ns) end',
      'create end',
    ]);
    expect(env.lockdep?.reports ?? []).toEqual([]);
  });
});
