import type { GraphHandle } from "../graph/graph-handle.js";
import type {
  GraphInstanceRecord,
  GraphInstanceStatus,
  GraphNodeRecord,
  GraphNodeStatus,
} from "../graph/graph-types.js";

/** A node of a graph definition, as served. */
export interface GraphNodeView {
  readonly name: string;
  /** Upstream node names. */
  readonly after: readonly string[];
  /** Its failure does not fail the instance. */
  readonly optional: boolean;
  /** It carries a `when` condition. */
  readonly conditional: boolean;
  readonly description: string;
}

/** A graph as `GET /graphs` serves it. Times epoch ms. */
export interface GraphView {
  readonly id: string;
  readonly description: string;
  readonly priority: number;
  /** Node runs of the graph at once; `null` without a limit. */
  readonly maxParallel: number | null;
  readonly paused: boolean;
  readonly stopped: boolean;
  readonly triggers: string[];
  readonly nextFireAt: number | null;
  /** Nodes in topological order. */
  readonly nodes: readonly GraphNodeView[];
  /** Instances kept, by status. */
  readonly instances: Record<GraphInstanceStatus, number>;
}

/** An instance in a list: its states without node outputs. */
export interface GraphInstanceSummary {
  readonly id: string;
  readonly graphId: string;
  readonly status: GraphInstanceStatus;
  readonly firedAt: number;
  readonly createdAt: number;
  readonly endedAt: number | null;
  readonly reruns: number;
  /** Node states by node name. */
  readonly nodes: Record<string, GraphNodeStatus>;
}

/** One instance as `GET /graph-instances/:id` serves it: the stored record with the graph's shape. */
export interface GraphInstanceView extends GraphInstanceRecord {
  /** Nodes in topological order. */
  readonly order: readonly string[];
  /** Edges `[upstream, node]`. */
  readonly edges: readonly (readonly [string, string])[];
  /** The Mermaid drawing with node states. */
  readonly mermaid: string;
}

const INSTANCE_STATUSES: readonly GraphInstanceStatus[] = [
  "waiting",
  "running",
  "succeeded",
  "failed",
  "stopped",
];

/** Builds a {@link GraphView}. */
export function graphView(h: GraphHandle): GraphView {
  const g = h.graph;
  const counts = Object.fromEntries(INSTANCE_STATUSES.map((s) => [s, 0])) as Record<
    GraphInstanceStatus,
    number
  >;
  for (const r of h.instances()) counts[r.status]++;
  return {
    id: h.id,
    description: g.description,
    priority: g.priority,
    maxParallel: Number.isFinite(g.maxParallel) ? g.maxParallel : null,
    paused: h.paused,
    stopped: h.stopped,
    triggers: h.triggers,
    nextFireAt: h.nextFireAt ?? null,
    nodes: h.order.map((name) => {
      const n = g.nodeDef(name)!;
      return {
        name,
        after: [...n.after],
        optional: n.optional,
        conditional: n.when !== undefined,
        description: n.description,
      };
    }),
    instances: counts,
  };
}

/** Builds a {@link GraphInstanceSummary}. */
export function instanceSummary(r: GraphInstanceRecord): GraphInstanceSummary {
  const nodes: Record<string, GraphNodeStatus> = {};
  for (const [name, n] of Object.entries(r.nodes) as [string, GraphNodeRecord][]) nodes[name] = n.status;
  return {
    id: r.id,
    graphId: r.graphId,
    status: r.status,
    firedAt: r.firedAt,
    createdAt: r.createdAt,
    endedAt: r.endedAt ?? null,
    reruns: r.reruns,
    nodes,
  };
}

/** Builds a {@link GraphInstanceView}. */
export function instanceView(h: GraphHandle, r: GraphInstanceRecord): GraphInstanceView {
  return { ...r, order: h.order, edges: h.graph.edges(), mermaid: h.toMermaid(r.id) };
}
