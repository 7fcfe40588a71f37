import { ConfigError, TaskError } from "../../errors.js";
import { closest } from "../../util/validate.js";
import type { Graph } from "./graph.js";
import type { GraphInstanceRecord, RerunKind } from "./graph-types.js";

/**
 * The nodes a manual rerun of a finished instance resets to `waiting` (see {@link RerunKind}):
 * `node` that node; `downstream` it and everything downstream; `failed` every node that failed,
 * was skipped because an upstream failed, was stopped, or never ran. Succeeded nodes outside the
 * set keep their outputs, which the rerun nodes read.
 * @throws TaskError when the instance is not finished; ConfigError for a missing or unknown node.
 * @internal
 */
export function rerunPlan(
  graph: Graph,
  instance: GraphInstanceRecord,
  kind: RerunKind,
  node?: string,
): string[] {
  if (instance.status === "waiting" || instance.status === "running")
    throw new TaskError(
      `rerun: graph instance "${instance.id}" is ${instance.status}; rerun a finished instance (succeeded, failed or stopped)`,
    );
  if (kind === "failed") {
    return graph.validate().filter((n) => {
      const r = instance.nodes[n];
      return (
        r === undefined ||
        r.status === "failed" ||
        r.status === "stopped" ||
        r.status === "waiting" ||
        (r.status === "skipped" && r.reason === "upstream-failed")
      );
    });
  }
  if (kind !== "node" && kind !== "downstream")
    throw new ConfigError(`rerun: kind must be 'node', 'downstream' or 'failed', got ${String(kind)}`);
  const names = graph.nodes.map((n) => n.name);
  if (node === undefined)
    throw new ConfigError(
      `rerun(${kind}): give the node to rerun; graph "${graph.id}" has ${names.map((n) => `"${n}"`).join(", ")}`,
    );
  if (graph.nodeDef(node) === undefined) {
    const near = closest(node, names);
    throw new ConfigError(
      `rerun(${kind}): graph "${graph.id}" has no node "${node}"${near === undefined ? `; it has ${names.map((n) => `"${n}"`).join(", ")}` : ` (did you mean "${near}"?)`}`,
    );
  }
  return kind === "node" ? [node] : graph.downstreamOf(node);
}
