import { describeError } from "../../errors.js";
import type { Json } from "../store/store-state.js";
import type { Graph } from "./graph.js";
import type { GraphInstanceRecord, GraphInstanceStatus, SkipReason } from "./graph-types.js";

/** A node whose upstreams are done and whose condition holds: run it with `input`. @internal */
export interface ReadyNode {
  readonly node: string;
  /** The instance's input (a root node) or the upstream outputs by name. */
  readonly input: unknown;
  readonly upstream: Record<string, Json | undefined>;
}

/**
 * One pass over an unfinished instance in topological order: a `waiting` node whose upstreams
 * are all done is **skipped** when an upstream failed (not `optional`), was stopped, or was
 * skipped because of such a failure (reason `upstream-failed`); when an upstream was skipped
 * otherwise (`upstream-skipped`); or when its condition is false (`condition`). A condition
 * that throws fails the node. Otherwise the node is **ready**. Marks are written into the record
 * (so they cascade within the pass); `busy(node)` says the node is queued or running already.
 * @returns the ready nodes and the names of the nodes whose state changed.
 * @internal
 */
export function progress(
  graph: Graph,
  order: readonly string[],
  inst: GraphInstanceRecord,
  busy: (node: string) => boolean,
  now: number,
): { ready: ReadyNode[]; changed: string[] } {
  const ready: ReadyNode[] = [];
  const changed: string[] = [];
  for (const name of order) {
    const rec = inst.nodes[name];
    if (rec.status !== "waiting" || busy(name)) continue;
    const def = graph.nodeDef(name)!;
    let blocked = false;
    let skip: SkipReason | null = null;
    for (const u of def.after) {
      const r = inst.nodes[u];
      if (r.status === "waiting" || r.status === "running") blocked = true;
      else if ((r.status === "failed" && !graph.nodeDef(u)!.optional) || r.status === "stopped")
        skip = "upstream-failed";
      else if (r.status === "skipped")
        skip =
          r.reason === "upstream-failed" || skip === "upstream-failed"
            ? "upstream-failed"
            : "upstream-skipped";
    }
    if (blocked) continue;
    const upstream: Record<string, Json | undefined> = {};
    for (const u of def.after)
      upstream[u] = inst.nodes[u].status === "succeeded" ? inst.nodes[u].output : undefined;
    if (skip === null && def.when !== undefined) {
      try {
        if (!def.when(upstream, { instanceId: inst.id, input: inst.input })) skip = "condition";
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        rec.status = "failed";
        rec.error = { name: e.name, message: `condition failed: ${describeError(err)}` };
        rec.endedAt = now;
        changed.push(name);
        continue;
      }
    }
    if (skip !== null) {
      rec.status = "skipped";
      rec.reason = skip;
      rec.endedAt = now;
      changed.push(name);
      continue;
    }
    ready.push({ node: name, input: def.after.length === 0 ? inst.input : upstream, upstream });
  }
  return { ready, changed };
}

/**
 * The final status of an instance whose nodes are all done, or `null` while a node is waiting
 * or running: `failed` when a node that is not `optional` failed or was stopped, else `succeeded`.
 * @internal
 */
export function finalStatus(graph: Graph, inst: GraphInstanceRecord): GraphInstanceStatus | null {
  let failed = false;
  for (const [name, r] of Object.entries(inst.nodes)) {
    if (r.status === "waiting" || r.status === "running") return null;
    if ((r.status === "failed" && !graph.nodeDef(name)?.optional) || r.status === "stopped") failed = true;
  }
  return failed ? "failed" : "succeeded";
}
