import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Task } from '../task/task';
import { VirtualClock } from '../time/virtual-clock';
import { LockError } from './errors';
import { LockEnv } from './lock-class';
import { RwSemaphore } from './rwsem';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('RwSemaphore', () => {
  it('lets readers share and keeps a writer out until they leave', async () => {
    const sem = new RwSemaphore('pernet_ops_rwsem');
    const [r1, r2, w] = [new Task('r1'), new Task('r2'), new Task('w')];
    await sem.readLock(r1);
    await sem.readLock(r2);
    expect(sem.readerTasks).toEqual([r1, r2]);
    let writing = false;
    const wDone = sem.writeLock(w).then(() => {
      writing = true;
    });
    await flush();
    expect(writing).toBe(false);
    sem.readUnlock(r1);
    await flush();
    expect(writing).toBe(false);
    sem.readUnlock(r2);
    await wDone;
    expect(sem.writerTask).toBe(w);
  });

  it('queues a reader behind a waiting writer so writers are not starved', async () => {
    const sem = new RwSemaphore('net_rwsem');
    const [r1, w, r2] = [new Task('r1'), new Task('w'), new Task('r2')];
    const order: string[] = [];
    await sem.readLock(r1);
    const wDone = sem.writeLock(w).then(() => order.push('w'));
    const r2Done = sem.readLock(r2).then(() => order.push('r2'));
    expect(sem.tryReadLock(new Task('late'))).toBe(false);
    sem.readUnlock(r1);
    await wDone;
    expect(order).toEqual(['w']);
    sem.writeUnlock(w);
    await r2Done;
    expect(order).toEqual(['w', 'r2']);
  });

  it('admits the whole run of readers at the head together', async () => {
    const sem = new RwSemaphore('batch');
    const w = new Task('w');
    await sem.writeLock(w);
    const readers = [new Task('a'), new Task('b'), new Task('c')];
    const w2 = new Task('w2');
    const got = readers.map((r) => sem.readLock(r));
    const w2Done = sem.writeLock(w2);
    sem.writeUnlock(w);
    await Promise.all(got);
    expect(sem.readerTasks).toEqual(readers);
    expect(sem.waiters).toEqual([{ task: w2, mode: 'exclusive' }]);
    for (const r of readers) sem.readUnlock(r);
    await w2Done;
    expect(sem.writerTask).toBe(w2);
  });

  it('lets the readers behind an aborted head writer in', async () => {
    const sem = new RwSemaphore('abort-head');
    const [r1, w, r2] = [new Task('r1'), new Task('w'), new Task('r2')];
    await sem.readLock(r1);
    const controller = new AbortController();
    const wWait = sem.writeLock(w, { signal: controller.signal });
    const r2Wait = sem.readLock(r2);
    controller.abort(new Error('cancelled'));
    await expect(wWait).rejects.toThrow('cancelled');
    await r2Wait;
    expect(sem.readerTasks).toEqual([r1, r2]);
    expect(sem.waiters).toEqual([]);
  });

  it('refuses misuse: unlocking the wrong way, recursive acquisition', async () => {
    const sem = new RwSemaphore('misuse');
    const t = new Task('t');
    expect(() => sem.readUnlock(t)).toThrow(LockError);
    await sem.readLock(t);
    expect(() => sem.writeUnlock(t)).toThrow(LockError);
    await expect(sem.readLock(t)).rejects.toThrow(/recursive/);
    sem.readUnlock(t);
  });

  test.prop([fc.scheduler(), fc.array(fc.boolean(), { minLength: 1, maxLength: 10 })])(
    'never has a writer together with anyone else, whatever the interleaving',
    async (s, writers) => {
      const clock = new VirtualClock();
      const sem = new RwSemaphore(new LockEnv({ clock }).lockClass('prop'));
      let readersIn = 0;
      let writersIn = 0;
      let violations = 0;
      const step = s.scheduleFunction(async () => {});
      const check = () => {
        if (writersIn > 1 || (writersIn === 1 && readersIn > 0)) violations += 1;
      };
      const runs = writers.map((isWriter, i) => {
        const task = new Task(`t${i}`);
        return isWriter
          ? sem.write(task, async () => {
              writersIn += 1;
              check();
              await step();
              writersIn -= 1;
            })
          : sem.read(task, async () => {
              readersIn += 1;
              check();
              await step();
              readersIn -= 1;
            });
      });
      await s.waitFor(Promise.all(runs));
      expect(violations).toBe(0);
      expect(sem.writerTask).toBe(null);
      expect(sem.readerTasks).toEqual([]);
    },
  );
});
