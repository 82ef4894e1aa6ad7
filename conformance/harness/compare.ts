/**
 * Comparing what Linux and rtnlkit answered, after normalisation, and saying how they differ in
 * lines a person can read:
 *
 *   step 2 (RTM_NEWLINK from a non-admin socket), reply 1: errno: kernel EPERM, rtnlkit EOPNOTSUPP
 *   step 3 (two messages in one datagram): kernel sent 2 replies, rtnlkit 1
 *   step 3 (two messages in one datagram), reply 2: only kernel: NLMSG_ERROR errno=0 seq=<step 3 msg 2>
 */
import type { ExchangeRecord } from './client';
import { newContext, type ReplyView, type Side, seqNames, type ViewContext, viewRecord } from './normalise';
import { type Plan, planOf } from './plan';
import type { Coverage } from './rules';
import type { Scenario, SideResult, StateKind } from './types';

export interface StepView {
  label: string;
  replies: ReplyView[];
  timedOut: boolean;
  socketErrors: string[];
}

export interface SideView {
  /** Setup requests that did not succeed: the scenario cannot be judged past them. */
  setupFailures: string[];
  steps: StepView[];
  state: Partial<Record<StateKind, StepView>>;
  /** Problems found beside the replies (rtnlkit handler faults, lockdep reports). */
  problems: string[];
}

function stepView(label: string, record: ExchangeRecord | undefined, ctx: ViewContext): StepView {
  if (!record) return { label, replies: [], timedOut: false, socketErrors: ['no record (the side did not run it)'] };
  return {
    label,
    replies: viewRecord(record, ctx),
    timedOut: record.timedOut,
    socketErrors: record.socketErrors,
  };
}

/** Why a setup request's answer is not a success, or undefined when it is one. */
function setupFailure(view: StepView): string | undefined {
  if (view.timedOut) return `${view.label}: no complete answer`;
  if (view.socketErrors.length > 0) return `${view.label}: ${view.socketErrors.join('; ')}`;
  for (const reply of view.replies) {
    const errno = reply.fields.find(([name]) => name === 'errno')?.[1];
    if (errno !== undefined && errno !== '0') {
      const extack = reply.fields.find(([name]) => name === 'extack')?.[1];
      return `${view.label}: ${reply.summary}${extack ? ` ${extack}` : ''}`;
    }
  }
  return undefined;
}

export function viewSide(
  side: Side,
  result: SideResult & { problems?: string[] },
  scenario: Scenario,
  options: { plan?: Plan; coverage?: Coverage } = {},
): SideView {
  const plan = options.plan ?? planOf(scenario);
  const ctx = newContext(side, seqNames(plan), options.coverage);
  const setup = plan.setup.map((_, i) => stepView(`setup ${i + 1}`, result.setup[i], ctx));
  const steps = scenario.steps.map((step, i) => stepView(`step ${i + 1} (${step.title})`, result.steps[i], ctx));
  const state: Partial<Record<StateKind, StepView>> = {};
  for (const kind of scenario.state ?? []) state[kind] = stepView(`state ${kind}`, result.state[kind], ctx);
  return {
    setupFailures: setup.map(setupFailure).filter((f): f is string => f !== undefined),
    steps,
    state,
    problems: result.problems ?? [],
  };
}

const show = (value: string | undefined): string => value ?? '(absent)';

function compareReplies(where: string, kernel: ReplyView, rtnlkit: ReplyView): string[] {
  const k = new Map(kernel.fields);
  const r = new Map(rtnlkit.fields);
  // Messages of different types have little in common field by field: say what each one is.
  if (k.get('type') !== r.get('type')) return [`${where}: kernel ${kernel.summary}, rtnlkit ${rtnlkit.summary}`];
  const keys = [...k.keys(), ...[...r.keys()].filter((key) => !k.has(key))];
  // The order of attributes says something only when both sent the same ones.
  const attrKeys = (m: Map<string, string>) =>
    [...m.keys()].filter((key) => key.startsWith('attr ') && key !== 'attr order');
  const sameAttrs = attrKeys(k).length === attrKeys(r).length && attrKeys(k).every((key) => r.has(key));
  return keys
    .filter((key) => k.get(key) !== r.get(key) && (sameAttrs || key !== 'attr order'))
    .map((key) => `${where}: ${key}: kernel ${show(k.get(key))}, rtnlkit ${show(r.get(key))}`);
}

function compareStep(kernel: StepView, rtnlkit: StepView): string[] {
  const label = kernel.label;
  const lines: string[] = [];
  if (kernel.timedOut !== rtnlkit.timedOut) {
    lines.push(
      `${label}: ${kernel.timedOut ? 'kernel' : 'rtnlkit'} did not answer completely within the time limit, ${kernel.timedOut ? 'rtnlkit' : 'kernel'} did`,
    );
  }
  const kErrors = kernel.socketErrors.join('; ');
  const rErrors = rtnlkit.socketErrors.join('; ');
  if (kErrors !== rErrors)
    lines.push(`${label}: socket errors: kernel ${kErrors || 'none'}, rtnlkit ${rErrors || 'none'}`);
  const common = Math.min(kernel.replies.length, rtnlkit.replies.length);
  if (kernel.replies.length !== rtnlkit.replies.length) {
    lines.push(`${label}: kernel sent ${kernel.replies.length} replies, rtnlkit ${rtnlkit.replies.length}`);
  }
  for (let i = 0; i < common; i += 1) {
    lines.push(
      ...compareReplies(`${label}, reply ${i + 1}`, kernel.replies[i] as ReplyView, rtnlkit.replies[i] as ReplyView),
    );
  }
  kernel.replies.slice(common).forEach((reply, i) => {
    lines.push(`${label}, reply ${common + i + 1}: only kernel: ${reply.summary}`);
  });
  rtnlkit.replies.slice(common).forEach((reply, i) => {
    lines.push(`${label}, reply ${common + i + 1}: only rtnlkit: ${reply.summary}`);
  });
  return lines;
}

/** Every difference between the two sides, one line each; empty when they agree. */
export function differences(kernel: SideView, rtnlkit: SideView): string[] {
  const lines: string[] = [];
  for (const failure of kernel.setupFailures) lines.push(`setup failed on Linux (the scenario is wrong): ${failure}`);
  for (const failure of rtnlkit.setupFailures) lines.push(`setup failed on rtnlkit: ${failure}`);
  for (const problem of rtnlkit.problems) lines.push(`rtnlkit: ${problem}`);
  kernel.steps.forEach((step, i) => {
    const other = rtnlkit.steps[i];
    if (other) lines.push(...compareStep(step, other));
  });
  for (const [kind, view] of Object.entries(kernel.state) as [StateKind, StepView][]) {
    const other = rtnlkit.state[kind];
    if (other) lines.push(...compareStep(view, other));
  }
  return lines;
}

/** At most `max` lines, then how many more there were. */
export function truncateLines(lines: readonly string[], max = 40): string[] {
  if (lines.length <= max) return [...lines];
  return [...lines.slice(0, max), `... and ${lines.length - max} more differences`];
}
