import type { Graph } from "./graph.js";
import type { GraphInstanceRecord, GraphNodeStatus } from "./graph-types.js";

/** Fill and stroke per node state in an instance drawing. */
const STYLES: Record<GraphNodeStatus, string> = {
  waiting: "fill:#f8f9fa,stroke:#adb5bd",
  running: "fill:#cfe2ff,stroke:#0d6efd",
  succeeded: "fill:#d1e7dd,stroke:#198754",
  failed: "fill:#f8d7da,stroke:#dc3545",
  skipped: "fill:#e9ecef,stroke:#6c757d,stroke-dasharray:4",
  stopped: "fill:#fff3cd,stroke:#fd7e14",
};

/**
 * A Mermaid flowchart of `graph` (top-down; optional nodes say so, conditional ones are
 * hexagons); with `instance`, each node also shows its state, styled by a class per state.
 * @internal
 */
export function graphMermaid(graph: Graph, instance: GraphInstanceRecord | null): string {
  const ids = new Map<string, string>();
  graph.nodes.forEach((n, i) => {
    ids.set(n.name, `n${i}`);
  });
  const lines = ["flowchart TD"];
  for (const n of graph.nodes) {
    const state = instance?.nodes[n.name]?.status;
    let label = escapeLabel(n.name);
    if (n.optional) label += " (optional)";
    if (state !== undefined) label += `<br/>${state}`;
    const id = ids.get(n.name)!;
    lines.push(n.when === undefined ? `  ${id}["${label}"]` : `  ${id}{{"${label}"}}`);
  }
  for (const [from, to] of graph.edges()) lines.push(`  ${ids.get(from)} --> ${ids.get(to)}`);
  if (instance !== null) {
    const used = new Set<GraphNodeStatus>();
    for (const n of graph.nodes) {
      const s = instance.nodes[n.name]?.status;
      if (s === undefined) continue;
      used.add(s);
      lines.push(`  class ${ids.get(n.name)} ${s}`);
    }
    for (const s of used) lines.push(`  classDef ${s} ${STYLES[s]}`);
  }
  return lines.join("\n");
}

function escapeLabel(s: string): string {
  return s.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}
