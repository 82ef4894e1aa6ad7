/**
 * Run in a child process by task.bench.ts, so that each measurement starts from a clean process:
 * `node --import tsx promise-heavy.child.ts plain|loaded|ambient` prints the ops/s of
 * promise-heavy code that takes no lock, (plain) without rtnlkit, (loaded) with rtnlkit loaded
 * and its explicit tasks and locks in use, (ambient) inside an AsyncLocalStorage-tracked task.
 */
import { createKit, type Workload } from '../../../../scripts/bench/kit';

const mode = process.argv[2] ?? 'plain';
const time = Number(process.argv[3] ?? 600);

async function step(i: number): Promise<number> {
  return i + 1;
}

const promiseHeavy: Workload = {
  ops: 1000,
  async run() {
    let x = 0;
    for (let i = 0; i < 1000; i++) x = await step(x);
    return x;
  },
};

let measure = () => createKit('child', [], { time }).opsPerSecond(promiseHeavy);
if (mode !== 'plain') {
  const core = await import('../index');
  // Use the kit the way a request does, so anything it switches on globally is on.
  const task = new core.Task('warm-up');
  const mutex = new core.Mutex(new core.LockEnv({ lockdep: true, stats: true }).lockClass('rtnl'));
  for (let i = 0; i < 100; i++) await mutex.runExclusive(task, () => null);
  if (mode === 'ambient') {
    core.trackAmbientTasks();
    const plainMeasure = measure;
    measure = () => core.runTask('ambient', () => plainMeasure());
  }
}
process.stdout.write(`${JSON.stringify({ mode, opsPerSecond: await measure() })}\n`);
