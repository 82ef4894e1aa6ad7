/**
 * Private network namespaces for the scripts that talk to the real kernel: create one, configure
 * it with `ip -n NS ...`, run something inside, and always delete it again — when the body
 * throws, on SIGINT/SIGTERM/SIGHUP while inside, and at process exit as a last resort. A
 * namespace left behind keeps its devices and routes until someone notices, so every path out
 * of here removes what it made (and only what it made: an existing name is an error, not reused).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';

/** An `ip` command failed, or a namespace could not be created or deleted. */
export class NetnsError extends Error {
  override name = 'NetnsError';
  constructor(
    message: string,
    readonly command: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

// `ip netns` names become files under /run/netns; keep them to a safe alphabet.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const liveNamespaces = new Set<string>();
const liveChildren = new Set<ChildProcess>();
let handlersInstalled = false;

function runIp(args: readonly string[]): string {
  const run = spawnSync('ip', args, { encoding: 'utf8' });
  const command = ['ip', ...args];
  if (run.error) throw new NetnsError(`cannot run ip: ${run.error.message}`, command, null, '');
  if (run.status !== 0) {
    const stderr = run.stderr.trim();
    throw new NetnsError(`${command.join(' ')} failed (exit ${run.status}): ${stderr}`, command, run.status, stderr);
  }
  return run.stdout;
}

/** Deletes a namespace; returns the failure instead of throwing, so cleanup paths can go on. */
function deleteNamespace(name: string): NetnsError | undefined {
  try {
    runIp(['netns', 'delete', name]);
    return undefined;
  } catch (error) {
    return error instanceof NetnsError
      ? error
      : new NetnsError(String(error), ['ip', 'netns', 'delete', name], null, '');
  }
}

function cleanUpEverything(): void {
  for (const child of liveChildren) child.kill('SIGTERM');
  for (const name of liveNamespaces) {
    const failure = deleteNamespace(name);
    if (failure) process.stderr.write(`with-netns: could not delete namespace ${name}: ${failure.message}\n`);
  }
  liveNamespaces.clear();
}

// Registering a signal listener replaces Node's default "exit on signal", so exit ourselves with
// the conventional 128 + signal number once the namespaces are gone.
function onSignal(signal: NodeJS.Signals): void {
  cleanUpEverything();
  process.exit(128 + (constants.signals[signal] ?? 0));
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('exit', cleanUpEverything);
}

function removeHandlersIfIdle(): void {
  if (!handlersInstalled || liveNamespaces.size > 0) return;
  handlersInstalled = false;
  for (const signal of SIGNALS) process.off(signal, onSignal);
  process.off('exit', cleanUpEverything);
}

/** The file of namespace `name` that `ip netns add` made: open it to hand the namespace to a process. */
export function netnsPath(name: string): string {
  return `/run/netns/${name}`;
}

/** Splits `'link set lo up'` into words; setup commands never need quoting. */
function words(command: string): string[] {
  return command.trim().split(/\s+/).filter(Boolean);
}

/**
 * True when this process may create network namespaces: Linux, root, `ip` present, and a
 * throwaway namespace can really be added (containers often forbid it). The probe is deleted.
 */
export function canCreateNetns(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  if (spawnSync('ip', ['-V']).status !== 0) return false;
  const probe = `rtnlkit-probe-${process.pid}-${randomBytes(4).toString('hex')}`;
  if (spawnSync('ip', ['netns', 'add', probe]).status !== 0) return false;
  return deleteNamespace(probe) === undefined;
}

/**
 * Creates namespace `name`, runs each setup command as `ip -n name <command>` (e.g.
 * `'link set lo up'`), then `body(name)`; the namespace is deleted whatever happens. The body's
 * error wins over a failed deletion, which is then only reported on stderr.
 */
export async function withNetns<T>(
  name: string,
  setup: readonly string[],
  body: (ns: string) => Promise<T>,
): Promise<T> {
  if (!NAME.test(name)) throw new NetnsError(`invalid namespace name ${JSON.stringify(name)}`, [], null, '');
  installHandlers();
  try {
    runIp(['netns', 'add', name]);
  } catch (error) {
    // `ip` killed by a signal (Ctrl-C reaches the whole process group) may have got as far as
    // creating the namespace: it was ours, so remove it. Any other failure (the name exists) is
    // left alone.
    if (error instanceof NetnsError && error.exitCode === null) deleteNamespace(name);
    removeHandlersIfIdle();
    throw error;
  }
  liveNamespaces.add(name);
  let result: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    for (const command of setup) runIp(['-n', name, ...words(command)]);
    result = { ok: true, value: await body(name) };
  } catch (error) {
    result = { ok: false, error };
  }
  liveNamespaces.delete(name);
  removeHandlersIfIdle();
  const failure = deleteNamespace(name);
  if (!result.ok) {
    if (failure) process.stderr.write(`with-netns: could not delete namespace ${name}: ${failure.message}\n`);
    throw result.error;
  }
  if (failure) throw failure;
  return result.value;
}

export interface RunResult {
  stdout: string;
}

export interface RunOptions {
  /** Written to the child's stdin, which is then closed; without it stdin is /dev/null. */
  input?: string;
  /** Open descriptors the child gets as its fds 3, 4, … (e.g. another namespace's `/run/netns` file). */
  extraFds?: readonly number[];
}

/**
 * Runs `argv` inside namespace `ns` (`ip netns exec ns ...`) in `cwd`, passing stderr through
 * and collecting stdout. The child is killed if we are interrupted while it runs.
 */
export function runInNetns(
  ns: string,
  argv: readonly string[],
  cwd: string,
  options: RunOptions = {},
): Promise<RunResult> {
  const command = ['ip', 'netns', 'exec', ns, ...argv];
  return new Promise((resolve, reject) => {
    const stdin = options.input === undefined ? 'ignore' : 'pipe';
    const stdio = [stdin, 'pipe', 'inherit', ...(options.extraFds ?? [])] as const;
    const child = spawn(command[0] as string, command.slice(1), { cwd, stdio: [...stdio] });
    liveChildren.add(child);
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A child that exits without reading all of its input makes the pipe fail: its exit status says more.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input);
    child.on('error', (error) => {
      liveChildren.delete(child);
      reject(new NetnsError(`cannot start ${command.join(' ')}: ${error.message}`, command, null, ''));
    });
    child.on('close', (code, signal) => {
      liveChildren.delete(child);
      if (code === 0) resolve({ stdout: Buffer.concat(chunks).toString('utf8') });
      else reject(new NetnsError(`${command.join(' ')} ended with ${signal ?? `exit ${code}`}`, command, code, ''));
    });
  });
}
