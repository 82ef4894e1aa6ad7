import { describe, expect, it } from 'vitest';
import { LockEnv } from '../locking/lock-class';
import { Task } from '../task/task';
import { VirtualClock } from '../time/virtual-clock';
import { SeqLock } from './seqlock';

describe('SeqLock', () => {
  it('serialises writers and gives readers only whole names, never a half-renamed one', async () => {
    const clock = new VirtualClock({ seed: 3 });
    const lock = new SeqLock(new LockEnv({ clock }).lockClass('netdev_rename_lock'));
    // A name written in two halves with a pause between: the torn state is "eth1" + "0".
    let name = ['eth', '0'];
    const seen = new Set<string>();
    await clock.run(async () => {
      const rename = async (task: Task, to: [string, string]) =>
        lock.write(task, async () => {
          name = [to[0], name[1] as string];
          await clock.sleep(1);
          name = [to[0], to[1]];
        });
      const reader = async () => {
        for (let i = 0; i < 20; i++) {
          seen.add(await lock.read(() => name.join('')));
          await clock.sleep(0.25);
        }
      };
      await Promise.all([
        reader(),
        reader(),
        rename(new Task('ip-a'), ['wan', '1']),
        rename(new Task('ip-b'), ['lan', '2']),
      ]);
    });
    for (const value of seen) expect(['eth0', 'wan1', 'lan2']).toContain(value);
    expect(seen.size).toBeGreaterThan(1);
    expect(lock.seq.sequence % 2).toBe(0);
    expect(lock.seq.sequence).toBe(4);
  });

  it('ends the write and frees the writer lock when the body throws', async () => {
    const lock = new SeqLock('throwing');
    const t = new Task('t');
    await expect(
      lock.write(t, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(lock.seq.writeInProgress).toBe(false);
    expect(lock.writerLock.locked).toBe(false);
  });

  it('refuses writeUnlock from a task that is not the writer', async () => {
    const lock = new SeqLock('owned');
    const [a, b] = [new Task('a'), new Task('b')];
    await lock.writeLock(a);
    expect(() => lock.writeUnlock(b)).toThrow();
    expect(lock.seq.writeInProgress).toBe(true);
    lock.writeUnlock(a);
    expect(lock.readSync(() => 'ok')).toBe('ok');
  });
});
