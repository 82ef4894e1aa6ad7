/**
 * `npm test` runs every conformance scenario, as `npm run conformance` does, when this machine can
 * create a network namespace (root on Linux); otherwise it says so and skips. It also checks the
 * Linux side's own machinery that today's scenarios do not use yet: setup requests run as root
 * before unprivileged steps, the `ip` escape hatch, and the state dumps.
 */
import { AF, IFLA, IFLA_INFO, NLM_F, NLMSG, RTM } from '@rtnlkit/core';
import { describe, expect, it } from 'vitest';
import { ifaddrmsg, ifinfomsg, message } from './harness/build';
import { viewSide } from './harness/compare';
import { canCreateNetns, runKernel } from './harness/kernel-runner';
import { loadScenarios } from './harness/load';
import type { ReplyView } from './harness/normalise';
import { judgeScenario } from './harness/run-scenario';
import { STRATEGY_VARIANTS } from './harness/strategies';
import type { Scenario } from './harness/types';

const canRun = canCreateNetns();
if (!canRun) {
  console.log(
    'conformance: skipped: this machine cannot create a network namespace (needs Linux, root and iproute2); nothing was compared with Linux',
  );
}

const scenarios = await loadScenarios();

describe.skipIf(!canRun)('conformance with Linux in a private network namespace', () => {
  it.concurrent.each(scenarios.map((s) => [s.name, s] as const))(
    '%s',
    async (_name, scenario) => {
      const kernel = await runKernel(scenario).catch((error: unknown) =>
        error instanceof Error ? error : new Error(String(error)),
      );
      const outcomes = await judgeScenario(scenario, kernel, STRATEGY_VARIANTS);
      const failures = outcomes.filter((o) => !o.ok).flatMap((o) => [`[${o.strategy}]`, ...o.differences]);
      expect(failures).toEqual([]);
    },
    30_000,
  );
});

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;

/** Not a conformance scenario (rtnlkit has no links yet): the Linux side's setup and state. */
const machinery: Scenario = {
  name: 'linux-side-machinery',
  description: 'setup requests as root, ipSetup, unprivileged steps, state dumps',
  socket: { admin: false },
  ipSetup: ['link add veth0 type veth peer name veth1', 'link set lo up'],
  rtnlkitSetup: () => {},
  setup: [
    // ip link add ifb0 type ifb
    message(RTM.NEWLINK, REQ_ACK | NLM_F.CREATE | NLM_F.EXCL, 1, (b) =>
      b
        .bytes(ifinfomsg())
        .string(IFLA.IFNAME, 'ifb0')
        .nest(IFLA.LINKINFO, (info) => info.string(IFLA_INFO.KIND, 'ifb')),
    ),
    // ip addr add 192.0.2.1/24 dev lo
    message(RTM.NEWADDR, REQ_ACK | NLM_F.CREATE | NLM_F.EXCL, 2, (b) =>
      b
        .bytes(ifaddrmsg({ family: AF.INET, prefixlen: 24, index: 1 }))
        .ipv4(2, '192.0.2.1')
        .ipv4(1, '192.0.2.1'),
    ),
  ],
  steps: [
    { title: 'RTM_NEWLINK unprivileged', send: message(RTM.NEWLINK, REQ_ACK, 3, ifinfomsg()) },
    { title: 'NOOP', send: message(NLMSG.NOOP, REQ_ACK, 4) },
  ],
  state: ['links', 'addresses', 'routes'],
};

const values = (replies: readonly ReplyView[], field: string) =>
  replies.flatMap((r) => r.fields.filter(([key]) => key === field).map(([, value]) => value));

describe.skipIf(!canRun)('the Linux side', () => {
  it('runs setup requests as root, the steps unprivileged, and dumps the state', { timeout: 30_000 }, async () => {
    const kernel = await runKernel(machinery);
    const view = viewSide('kernel', kernel, machinery, { coverage: { link: ['*'], address: ['*'], route: ['*'] } });
    expect(view.setupFailures).toEqual([]);
    expect(view.steps.map((s) => values(s.replies, 'errno'))).toEqual([['EPERM'], ['0']]);
    const { links, addresses, routes } = view.state;
    expect(values(links?.replies ?? [], 'attr ifname')).toEqual(['"lo"', '"veth1"', '"veth0"', '"ifb0"']);
    expect(values(links?.replies ?? [], 'attr address')).toEqual([
      '00:00:00:00:00:00',
      '<mac #1>',
      '<mac #2>',
      '<mac #3>',
    ]);
    expect(values(addresses?.replies ?? [], 'attr local')).toEqual(['127.0.0.1', '192.0.2.1']);
    expect(values(routes?.replies ?? [], 'attr dst')).toContain('192.0.2.0');
    for (const kind of ['links', 'addresses', 'routes'] as const) {
      const replies = view.state[kind]?.replies ?? [];
      expect(view.state[kind]?.timedOut).toBe(false);
      expect(values(replies, 'type').at(-1)).toBe('NLMSG_DONE');
    }
  });
});
