/**
 * Runs a scenario against Linux: a fresh private network namespace per scenario (`withNetns`
 * deletes it whatever happens, also on SIGINT/SIGTERM), the `ipSetup` escape hatch, then
 * `kernel-child.ts` inside it, with every capability for admin scenarios and with none for the
 * others (the setup requests of those run first in a privileged child).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { netnsPath, runInNetns, withNetns } from '../../scripts/bench/with-netns';
import { type ChildInput, type ChildPhase, type Plan, planOf } from './plan';
import type { Scenario, SideResult } from './types';

export { canCreateNetns } from '../../scripts/bench/with-netns';

const root = fileURLToPath(new URL('../../', import.meta.url));
const child = fileURLToPath(new URL('./kernel-child.ts', import.meta.url));

/**
 * A process without any capability (so no CAP_NET_ADMIN for its netlink socket) that keeps its
 * uid, so it can still read the checkout wherever CI put it (a fresh clone may sit in a directory
 * only its owner can enter).
 */
export const UNPRIVILEGED = ['setpriv', '--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all'] as const;

/** The Linux side failed to produce an answer (the child crashed, setpriv is missing, ...). */
export class KernelSideError extends Error {
  override name = 'KernelSideError';
}

async function runChild(
  ns: string,
  plan: Plan,
  phase: ChildPhase,
  admin: boolean,
  extraFds: readonly number[],
): Promise<SideResult> {
  const argv = [...(admin ? [] : UNPRIVILEGED), process.execPath, '--import', 'tsx', child];
  const input: ChildInput = { plan, phase };
  try {
    const { stdout } = await runInNetns(ns, argv, root, { input: JSON.stringify(input), extraFds });
    return JSON.parse(stdout) as SideResult;
  } catch (error) {
    const hint = admin ? '' : ' (unprivileged: the child runs through setpriv with every capability dropped)';
    throw new KernelSideError(`${(error as Error).message}${hint}`, { cause: error });
  }
}

/** A namespace name nobody else uses: `rtnlkit-cf-<pid>-<random>`. */
export function namespaceName(): string {
  return `rtnlkit-cf-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export async function runKernel(scenario: Scenario): Promise<SideResult> {
  const plan = planOf(scenario);
  const run = (extraFds: readonly number[]) =>
    withNetns(namespaceName(), scenario.ipSetup ?? [], async (ns) => {
      if (plan.admin || plan.setup.length === 0) return runChild(ns, plan, 'all', plan.admin, extraFds);
      const { setup } = await runChild(ns, plan, 'setup', true, extraFds);
      return { ...(await runChild(ns, plan, 'main', false, extraFds)), setup };
    });
  if (!scenario.peerNamespace) return run([]);
  // The peer namespace, handed to the child as its fd PEER_NS_FD (3: the first after stdio).
  return withNetns(namespaceName(), [], async (peer) => {
    const fd = openSync(netnsPath(peer), 'r');
    try {
      return await run([fd]);
    } finally {
      closeSync(fd);
    }
  });
}
