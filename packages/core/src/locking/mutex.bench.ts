/**
 * core.mutex: our mutex against async-mutex 0.5.0 (the most used async mutex) and against a bare
 * FIFO mutex of a dozen lines (the floor: what our instrumentation hooks cost when off).
 */
import { Mutex as AsyncMutex } from 'async-mutex';
import type { BenchSuite, Workload } from '../../../../scripts/bench/kit';
import { Task } from '../task/task';
import { LockEnv } from './lock-class';
import { Mutex } from './mutex';

const RESOLVED = Promise.resolve();

/** The floor: FIFO, no owner, no options, no allocation on the uncontended path. */
class BareMutex {
  private locked = false;
  private readonly queue: (() => void)[] = [];
  lock(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return RESOLVED;
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }
  unlock(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.locked = false;
  }
}

const BATCH = 1000;
const TASKS = 100;
const ROUNDS = BATCH / TASKS;

interface Subject {
  lock(task: Task): Promise<unknown>;
  unlock(task: Task, token: unknown): void;
}

const ours = (m: Mutex): Subject => ({ lock: (t) => m.lock(t), unlock: (t) => m.unlock(t) });
const asyncMutex = (m: AsyncMutex): Subject => ({
  lock: () => m.acquire(),
  unlock: (_t, release) => (release as () => void)(),
});
const bare = (m: BareMutex): Subject => ({ lock: () => m.lock(), unlock: () => m.unlock() });

function uncontended(subject: Subject): Workload {
  const task = new Task('bench');
  return {
    ops: BATCH,
    async run() {
      for (let i = 0; i < BATCH; i++) subject.unlock(task, await subject.lock(task));
    },
  };
}

/** 100 tasks, one mutex: each holds it across an await, so every acquisition is a handoff. */
function contended(subject: Subject): Workload {
  const tasks = Array.from({ length: TASKS }, (_, i) => new Task(`client${i}`));
  return {
    ops: BATCH,
    run: () =>
      Promise.all(
        tasks.map(async (task) => {
          for (let i = 0; i < ROUNDS; i++) {
            const token = await subject.lock(task);
            await null;
            subject.unlock(task, token);
          }
        }),
      ),
  };
}

const instrumented = () => new Mutex(new LockEnv({ lockdep: true, stats: true }).lockClass('rtnl'));

const suite: BenchSuite = {
  suite: 'core.mutex',
  async run(kit) {
    const am = 'async-mutex 0.5.0';
    await kit.compare(
      'uncontended lock+unlock, default',
      uncontended(ours(new Mutex('rtnl'))),
      am,
      uncontended(asyncMutex(new AsyncMutex())),
    );
    await kit.compare(
      'contended handoff (100 tasks), default',
      contended(ours(new Mutex('rtnl'))),
      am,
      contended(asyncMutex(new AsyncMutex())),
    );
    await kit.compare(
      'uncontended lock+unlock, lockdep + stats on',
      uncontended(ours(instrumented())),
      am,
      uncontended(asyncMutex(new AsyncMutex())),
    );
    await kit.compare(
      'contended handoff (100 tasks), lockdep + stats on',
      contended(ours(instrumented())),
      am,
      contended(asyncMutex(new AsyncMutex())),
    );
    await kit.compare(
      'uncontended lock+unlock, default vs the floor',
      uncontended(ours(new Mutex('rtnl'))),
      'bare FIFO mutex',
      uncontended(bare(new BareMutex())),
    );
    await kit.compare(
      'contended handoff (100 tasks), default vs the floor',
      contended(ours(new Mutex('rtnl'))),
      'bare FIFO mutex',
      contended(bare(new BareMutex())),
    );

    // Lockdep on vs off on a realistic nesting: rtnl, then devinet, then fib.
    const nested = (env: LockEnv): Workload => {
      const locks = ['rtnl', 'devinet', 'fib'].map((name) => new Mutex(env.lockClass(name)));
      const task = new Task('nested');
      return {
        ops: BATCH,
        async run() {
          for (let i = 0; i < BATCH / locks.length; i++) {
            for (const lock of locks) await lock.lock(task);
            for (let j = locks.length - 1; j >= 0; j--) locks[j]?.unlock(task);
          }
        },
      };
    };
    await kit.compare(
      'nested rtnl > devinet > fib, lockdep on',
      nested(new LockEnv({ lockdep: true })),
      'lockdep off',
      nested(new LockEnv()),
    );
  },
};

export default suite;
