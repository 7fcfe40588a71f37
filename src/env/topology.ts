import { stageKindName } from "../runtime/node.js";
import type { LogicalNode } from "./graph.js";
import { physicalPlan, stateIdOf } from "./plan.js";

/** A physical node of {@link Topology} (Flink's job graph vertex): what runs. */
export interface TopologyNode {
  readonly id: string;
  readonly name: string;
  /** `source`, `compute`, `union`, `mapAsync`, `sink`, `window`, `shard`, `lane`, `merge`... */
  readonly kind: string;
  /** For a shard's lanes and the operators replicated in them: the lane index. */
  readonly lane?: number;
  /** Ids of the operators chained into this node (its own first, then the fused stages). */
  readonly operators: string[];
  /**
   * Id of the node's state in checkpoints (matched on restore): the name the user gave, else
   * `kind@id`. See docs/checkpoints.md.
   */
  readonly stateId: string;
}

/** An edge between physical nodes, with the stateless stages fused onto it, in order. */
export interface TopologyEdge {
  readonly from: string;
  readonly to: string;
  readonly stages: string[];
}

/**
 * An operator of {@link Topology} (Flink's stream graph vertex), chained or not, with the
 * physical node it runs in. An operator after a `shard` runs in every lane: it is listed once
 * per lane (same `id`, its `lane` and `node` differ).
 */
export interface TopologyOperator {
  /** The node's id for a node's own operator; `<node id>.s<n>` for a fused stage. */
  readonly id: string;
  readonly name: string;
  /** `source`, `map`, `filter`, `flatMap`, `mutate`, `tap`, `compute`, `mapAsync`, `window`, `sink`... */
  readonly kind: string;
  /** Id of the physical node it is chained into. */
  readonly node: string;
  readonly lane?: number;
}

/** What `env.topology()` returns: the job graph (nodes, edges) and the stream graph (operators, operatorEdges). */
export interface Topology {
  readonly nodes: TopologyNode[];
  readonly edges: TopologyEdge[];
  readonly operators: TopologyOperator[];
  /** Edges between operators (ids), shared prefixes once. */
  readonly operatorEdges: { readonly from: string; readonly to: string }[];
}

/** @internal */
export function topologyOf(logical: LogicalNode[]): Topology {
  const plan = physicalPlan(logical);
  const nodes: TopologyNode[] = [];
  const edges: TopologyEdge[] = [];
  const operators: TopologyOperator[] = [];
  for (const p of plan) {
    const lane = p.lane === undefined ? {} : { lane: p.lane };
    const ops: string[] = [];
    if (p.role === "node" || p.role === "replica" || p.role === "partitioner") {
      const n = p.logical;
      operators.push({ id: n.id, name: n.operatorName, kind: n.kind, node: p.id, ...lane });
      ops.push(n.id);
    }
    const seen = new Set<string>();
    for (const o of p.outputs) {
      const path: { id: string; name: string; kind: string }[] = [];
      for (let l = o.edge?.link ?? null; l !== null; l = l.parent)
        path.push({ id: l.id, name: l.spec.name, kind: stageKindName(l.spec.kind) });
      path.reverse();
      for (const st of path) {
        if (seen.has(st.id)) continue;
        seen.add(st.id);
        operators.push({ ...st, node: p.id, ...lane });
        ops.push(st.id);
      }
      edges.push({ from: p.id, to: o.to.id, stages: path.map((st) => st.name) });
    }
    nodes.push({ id: p.id, name: p.name, kind: p.kind, ...lane, operators: ops, stateId: stateIdOf(p) });
  }
  const operatorEdges: { from: string; to: string }[] = [];
  const have = new Set<string>();
  const add = (from: string, to: string) => {
    const k = `${from}>${to}`;
    if (have.has(k)) return;
    have.add(k);
    operatorEdges.push({ from, to });
  };
  for (const n of logical) {
    for (const e of n.outputs) {
      let prev = n.id;
      const path: string[] = [];
      for (let l = e.link; l !== null; l = l.parent) path.push(l.id);
      for (const id of path.reverse()) {
        add(prev, id);
        prev = id;
      }
      add(prev, e.to.id);
    }
  }
  return { nodes, edges, operators, operatorEdges };
}

const quote = (s: string) => `"${s.replace(/"/g, "#quot;")}"`;

/** Renders a topology (its job graph) as a Mermaid `flowchart LR`. @internal */
export function toMermaid(t: Topology): string {
  const lines = ["flowchart LR"];
  const id = (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_");
  for (const n of t.nodes) {
    const label = quote(n.name);
    lines.push(
      n.kind === "source"
        ? `  ${id(n.id)}([${label}])`
        : n.kind === "sink"
          ? `  ${id(n.id)}[/${label}/]`
          : `  ${id(n.id)}[${label}]`,
    );
  }
  for (const e of t.edges) {
    lines.push(
      e.stages.length === 0
        ? `  ${id(e.from)} --> ${id(e.to)}`
        : `  ${id(e.from)} -- ${quote(e.stages.join(" → "))} --> ${id(e.to)}`,
    );
  }
  return lines.join("\n");
}
