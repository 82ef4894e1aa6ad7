/**
 * The wait-for graph of blocked tasks: task → what it waits on → the tasks holding that. A cycle
 * in it is a deadlock that no timing can resolve; the virtual clock reports it instead of hanging.
 */
import type { Task, Waitable } from './task';

export interface WaitEdge {
  task: Task;
  waitsFor: Waitable;
  heldBy: Task;
}

/** A cycle among `tasks` (each blocked), as edges in wait order; undefined when there is none. */
export function findWaitCycle(tasks: Iterable<Task>): WaitEdge[] | undefined {
  const done = new Set<Task>();
  for (const start of tasks) {
    if (done.has(start)) continue;
    // Depth-first along wait edges, remembering the path to spot where it closes.
    const onPath = new Map<Task, number>();
    const path: WaitEdge[] = [];
    const visit = (task: Task): WaitEdge[] | undefined => {
      const waitsFor = task.waitingOn;
      if (!waitsFor || done.has(task)) return undefined;
      onPath.set(task, path.length);
      for (const holder of waitsFor.holders()) {
        const edge = { task, waitsFor, heldBy: holder };
        const closesAt = onPath.get(holder);
        if (closesAt !== undefined) return [...path.slice(closesAt), edge];
        path.push(edge);
        const found = visit(holder);
        if (found) return found;
        path.pop();
      }
      onPath.delete(task);
      done.add(task);
      return undefined;
    };
    const cycle = visit(start);
    if (cycle) return cycle;
  }
  return undefined;
}

/** One line per edge: `a/1 waits for rtnl held by b/2`. */
export function describeWaits(edges: readonly WaitEdge[]): string {
  return edges.map((e) => `  ${e.task} waits for ${e.waitsFor.name} held by ${e.heldBy}`).join('\n');
}
