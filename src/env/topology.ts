import type { LogicalNode } from "./graph.js";

/** A node of {@link Topology}. */
export interface TopologyNode {
  readonly id: string;
  readonly name: string;
  /** `source`, `compute`, `union`, `mapAsync`, `sink`, ... */
  readonly kind: string;
}

/** An edge of {@link Topology}, with the stateless stages fused onto it, in order. */
export interface TopologyEdge {
  readonly from: string;
  readonly to: string;
  readonly stages: string[];
}

/** What `env.topology()` returns. */
export interface Topology {
  readonly nodes: TopologyNode[];
  readonly edges: TopologyEdge[];
}

/** @internal */
export function topologyOf(nodes: LogicalNode[]): Topology {
  return {
    nodes: nodes.map((n) => ({ id: n.id, name: n.name, kind: n.kind })),
    edges: nodes.flatMap((n) =>
      n.outputs.map((e) => ({ from: n.id, to: e.to.id, stages: e.link?.path().map((s) => s.name) ?? [] })),
    ),
  };
}

const quote = (s: string) => `"${s.replace(/"/g, "#quot;")}"`;

/** Renders a topology as a Mermaid `flowchart LR`. @internal */
export function toMermaid(t: Topology): string {
  const lines = ["flowchart LR"];
  for (const n of t.nodes) {
    const label = quote(n.name);
    lines.push(
      n.kind === "source"
        ? `  ${n.id}([${label}])`
        : n.kind === "sink"
          ? `  ${n.id}[/${label}/]`
          : `  ${n.id}[${label}]`,
    );
  }
  for (const e of t.edges) {
    lines.push(
      e.stages.length === 0
        ? `  ${e.from} --> ${e.to}`
        : `  ${e.from} -- ${quote(e.stages.join(" → "))} --> ${e.to}`,
    );
  }
  return lines.join("\n");
}
