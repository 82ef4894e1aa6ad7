import { describe, expect, it } from 'vitest';
import { currentTask, runTask, Task, trackAmbientTasks } from './task';
import { findWaitCycle } from './wait-for';

describe('Task', () => {
  it('has a unique id and prints as name/id', () => {
    const a = new Task('ip');
    const b = new Task('ip');
    expect(a.id).not.toBe(b.id);
    expect(String(a)).toBe(`ip/${a.id}`);
  });

  it('runTask passes the task, ends it however the body ends, and returns the result', async () => {
    let seen: Task | undefined;
    expect(
      await runTask('req', async (task) => {
        seen = task;
        return 7;
      }),
    ).toBe(7);
    expect(seen?.ended).toBe(true);
    await expect(
      runTask('bad', () => {
        throw new Error('x');
      }),
    ).rejects.toThrow('x');
  });

  it('tracks the current task across awaits once ambient tracking is on', async () => {
    trackAmbientTasks();
    const names = await Promise.all(
      ['a', 'b'].map((name) =>
        runTask(name, async () => {
          await new Promise((r) => setTimeout(r, 1));
          return currentTask()?.name;
        }),
      ),
    );
    expect(names).toEqual(['a', 'b']);
    expect(currentTask()).toBeUndefined();
  });
});

describe('findWaitCycle', () => {
  const lock = (name: string, holders: Task[]) => ({ name, holders: () => holders });

  it('finds a cycle through several tasks and ignores chains that end', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => new Task(n)) as [Task, Task, Task, Task];
    a.block(lock('L1', [b]));
    b.block(lock('L2', [c]));
    c.block(lock('L3', [a]));
    d.block(lock('L4', [a]));
    const cycle = findWaitCycle([d, a, b, c]);
    expect(cycle?.map((e) => `${e.task.name}>${e.heldBy.name}`)).toEqual(['a>b', 'b>c', 'c>a']);
    for (const t of [a, b, c, d]) t.unblock();
  });

  it('finds none when the holder is running', () => {
    const [a, b] = [new Task('a'), new Task('b')];
    a.block(lock('L', [b]));
    expect(findWaitCycle([a])).toBeUndefined();
    a.unblock();
  });
});
