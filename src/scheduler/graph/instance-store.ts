import type { Logger } from "../../util/logger.js";
import type { Graph } from "./graph.js";
import type { GraphInstanceRecord, GraphInstanceStatus } from "./graph-types.js";

/** The final states of an instance. @internal */
export const FINAL: ReadonlySet<GraphInstanceStatus> = new Set(["succeeded", "failed", "stopped"]);

/**
 * Removes the oldest finished instances of graph `graphId` from the store beyond `keep`.
 * @returns how many finished instances of the graph the store holds now.
 * @internal
 */
export function pruneFinished(
  store: Record<string, GraphInstanceRecord>,
  graphId: string,
  keep: number,
): number {
  const finished = Object.values(store).filter((r) => r.graphId === graphId && FINAL.has(r.status));
  if (finished.length <= keep) return finished.length;
  finished.sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0));
  for (const r of finished.slice(0, finished.length - keep)) delete store[r.id];
  return keep;
}

/**
 * Fits an unfinished instance stored by an earlier version of the graph to the graph it runs
 * with now: nodes added since are `waiting`, nodes removed since are dropped from it (logged).
 * @internal
 */
export function adaptToGraph(
  rec: GraphInstanceRecord,
  graph: Graph,
  order: readonly string[],
  logger: Logger,
): void {
  for (const name of order) rec.nodes[name] ??= { status: "waiting", runs: 0, attempts: 0 };
  for (const name of Object.keys(rec.nodes)) {
    if (graph.nodeDef(name) !== undefined) continue;
    logger.warn(
      { graph: graph.id, instance: rec.id, node: name },
      "a node of this unfinished instance is no longer in the graph: dropped from it",
    );
    delete rec.nodes[name];
  }
}
