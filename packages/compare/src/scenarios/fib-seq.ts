/**
 * Scenario 5 of the seed: the five-step missed update of `fib_seq`, with the plain atomic counter
 * and with the seqcount.
 */
import { type FibAlias, type FibNet, fibNet, registerFibNotifier, u32ToIpv4 } from '@rtnlkit/subsystems';
import { addLink, addRoute, delRoute, setLinkUp } from '../scenario/requests';
import type { CompareScenario, ScenarioWorld } from '../scenario/types';

const DEVICES = 3;
const PREFIXES = 48;
const WRITERS = 3;

/** A route as a listener mirrors it: its key (table, prefix, tos, metric) and where it goes. */
const keyOf = (tbId: number, dst: number, dstLen: number, alias: FibAlias) =>
  `table ${tbId} ${u32ToIpv4(dst)}/${dstLen} tos ${alias.tos} metric ${alias.info.priority}`;
const targetOf = (alias: FibAlias) => `dev ${alias.info.nhs[0]?.oif ?? 0}`;

function fibState(fib: FibNet): Map<string, string> {
  const state = new Map<string, string>();
  for (const table of fib.tablesInOrder())
    for (const r of table.routes()) state.set(keyOf(table.id, r.dst, r.dstLen, r.alias), targetOf(r.alias));
  return state;
}

function difference(mirror: Map<string, string>, fib: Map<string, string>): string | undefined {
  const lacks = [...fib.keys()].filter((k) => mirror.get(k) !== fib.get(k));
  const extra = [...mirror.keys()].filter((k) => !fib.has(k));
  if (!lacks.length && !extra.length) return undefined;
  return [lacks.length ? `lacks ${lacks.join(', ')}` : '', extra.length ? `has ${extra.join(', ')} too` : '']
    .filter(Boolean)
    .join('; ');
}

const count = (world: ScenarioWorld, name: string) => {
  world.counters[name] = (world.counters[name] ?? 0) + 1;
};

/** One `register_fib_notifier()` whose replay yields as it goes; checks it at the instant it is judged consistent. */
async function registerAndCheck(world: ScenarioWorld): Promise<void> {
  const fib = fibNet(world.net);
  const mirror = new Map<string, string>();
  let replaying = true;
  let checked = false;
  const unregister = await registerFibNotifier(fib, {
    async event(event, route, tbId) {
      const key = keyOf(tbId, route.dst, route.dstLen, route.alias);
      if (event === 'ENTRY_DEL') mirror.delete(key);
      else mirror.set(key, targetOf(route.alias));
      // A driver programming hardware takes time per route: writers run meanwhile.
      if (replaying) await world.clock.sleep(0.005);
    },
    flush() {
      count(world, 'replays retried');
      mirror.clear();
    },
    dumpConsistent() {
      replaying = false;
      checked = true;
      const diff = difference(mirror, fibState(fib));
      if (diff) {
        count(world, 'updates missed');
        world.finding({
          kind: 'missed-update',
          summary: `a FIB notifier replay judged consistent ${diff.slice(0, 120)}`,
          detail: `fib_seq (${fib.seq.mode}) read the same before and after the replay, yet the replayed routes differ from the FIB at that instant: ${diff}`,
        });
      }
    },
  });
  unregister();
  if (!checked) throw new Error('register_fib_notifier returned without a consistent replay');
  count(world, 'notifier registrations');
}

function fibSeqScenario(mode: 'atomic' | 'seqcount'): CompareScenario {
  return {
    name: `fib-seq-${mode}`,
    title: `Dump consistency: fib_seq as ${mode === 'atomic' ? 'a plain atomic counter' : 'a seqcount'}`,
    description:
      mode === 'atomic'
        ? "The seed's five-step missed update. A FIB listener (register_fib_notifier: a switchdev driver) replays the tables and keeps the registration if fib_seq read the same before and after. With a plain counter bumped once after a change is linked in, a writer that linked a route behind the replay's cursor but has not bumped yet (another CPU, preempted) is invisible: the replay is judged consistent and the route is never seen. Each such replay is a finding."
        : 'The same workload with fib_seq as a seqcount: odd from before a change is linked until after, so a replay that started or ended during a write is retried. No replay judged consistent may miss a route, under any strategy; retries are counted.',
    durationMs: 400,
    fibSeq: mode,
    instrument(world) {
      // A writer between linking its change and ending its fib_seq write: another CPU may run.
      fibNet(world.net).preemptionPoint = () => world.clock.sleep(world.random.next() * 0.05);
      return undefined;
    },
    async setup(world) {
      for (let i = 0; i < DEVICES; i += 1) {
        await world.must(addLink(100 + 2 * i, `ifb${i}`));
        await world.must(setLinkUp(101 + 2 * i, `ifb${i}`));
      }
      // A stable table for the replays to walk; the writers work on 10.254/16 beside it.
      for (let k = 0; k < PREFIXES; k += 1)
        await world.must(addRoute(200 + k, `10.253.${k}.0`, 24, { oif: world.ifindex(`ifb${k % DEVICES}`) }));
    },
    classes: [
      {
        name: 'route-change',
        kind: 'write',
        tasks: WRITERS,
        arrival: { kind: 'closed', thinkMs: 2 },
        // Each writer adds a route of its own and deletes it again, over and over: no errors.
        request: ({ world, seq, task, index }) => {
          const k = task + WRITERS * ((index >> 1) % (PREFIXES / WRITERS));
          const oif = world.ifindex(`ifb${k % DEVICES}`);
          return index % 2 === 0 ? addRoute(seq, `10.254.${k}.0`, 24, { oif }) : delRoute(seq, `10.254.${k}.0`, 24);
        },
      },
      {
        name: 'fib-notifier-register',
        // It changes the notifier chain (a listener joins, then leaves), and its cost is the
        // replay's retries, not a lock: not a read in the 1.1x sense.
        kind: 'write',
        tasks: 2,
        arrival: { kind: 'closed', thinkMs: 1 },
        // EBUSY after FIB_DUMP_MAX_RETRIES replays is an error answer of this class.
        request: ({ world }) => ({ run: () => registerAndCheck(world) }),
      },
    ],
  };
}

export const fibSeqAtomic = fibSeqScenario('atomic');
export const fibSeqSeqcount = fibSeqScenario('seqcount');
