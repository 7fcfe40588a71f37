import type { ShardSpec } from "../runtime/shard-node.js";
import type { LogicalEdge, LogicalNode } from "./graph.js";

/** How a physical node came from the logical graph. @internal */
export type PlanRole = "node" | "partitioner" | "lane" | "replica" | "merge";

/** One input port of a physical node: fed by `from`, carrying logical edge `edge` (or none). @internal */
export interface PlanInput {
  readonly from: PlanNode;
  /** The logical edge whose records arrive here; `null` for a shard's lane edges and merge outputs (identity). */
  readonly edge: LogicalEdge | null;
}

/** One output of a physical node: into port `port` of `to`; its stages are `edge.link`'s. @internal */
export interface PlanOutput {
  readonly to: PlanNode;
  readonly port: number;
  /** The logical edge (its fused stages run in this node); `null` for an identity output. */
  readonly edge: LogicalEdge | null;
}

/** A physical node: what runs (Flink's job graph vertex). @internal */
export interface PlanNode {
  readonly id: string;
  readonly name: string;
  /** The logical kind; `lane` for a shard's lanes, `merge` for the node joining lanes again. */
  readonly kind: string;
  readonly role: PlanRole;
  /** The logical node it runs (for a merge: the node it feeds). */
  readonly logical: LogicalNode;
  /** Lane index, for a shard's lanes and the replicas of the operators after it. */
  readonly lane?: number;
  /** Number of replicas of the same logical node (lanes), when replicated. */
  readonly replicas?: number;
  readonly inputs: PlanInput[];
  readonly outputs: PlanOutput[];
}

/** Kinds that run once per lane after a `shard` (their async work proceeds concurrently). */
const REPLICABLE = new Set(["mapAsync", "compute", "sink"]);

interface Lanes {
  readonly group: LogicalNode;
  readonly n: number;
}

/**
 * The physical plan of a set of logical nodes (see docs/runtime.md, "Shards"): one physical
 * node per logical node, except
 * - a `shard` node is a partitioner plus `parallelism` lane nodes (each running the stages
 *   fused after the shard);
 * - a `mapAsync`, `compute` or sink whose every input comes from the lanes of the same shard
 *   runs once per lane (replicas sharing the operator instance);
 * - a laned edge into any other node goes through a `merge` node (the lanes join again, order
 *   kept within each lane), so every logical input edge stays one input port.
 * @internal
 */
export function physicalPlan(nodes: readonly LogicalNode[]): PlanNode[] {
  const memo = new Map<LogicalNode, Lanes | null>();
  const lanesOf = (n: LogicalNode): Lanes | null => {
    const known = memo.get(n);
    if (known !== undefined) return known;
    memo.set(n, null); // no cycles in a job graph; guards anyway
    let l: Lanes | null = null;
    if (n.kind === "shard") l = { group: n, n: (n.operator as ShardSpec).parallelism };
    else if (REPLICABLE.has(n.kind) && n.inputs.length > 0) {
      const ins = n.inputs.map((e) => lanesOf(e.from));
      const first = ins[0];
      if (first !== null && ins.every((x) => x !== null && x.group === first.group)) l = first;
    }
    memo.set(n, l);
    return l;
  };
  const replicated = (n: LogicalNode) => n.kind !== "shard" && lanesOf(n) !== null;

  const out: PlanNode[] = [];
  const single = new Map<LogicalNode, PlanNode>();
  const perLane = new Map<LogicalNode, PlanNode[]>();
  const make = (p: Omit<PlanNode, "inputs" | "outputs">): PlanNode => {
    const node: PlanNode = { ...p, inputs: [], outputs: [] };
    out.push(node);
    return node;
  };
  for (const n of nodes) {
    if (n.kind === "shard") {
      const p = (n.operator as ShardSpec).parallelism;
      single.set(n, make({ id: n.id, name: n.name, kind: "shard", role: "partitioner", logical: n }));
      perLane.set(
        n,
        Array.from({ length: p }, (_, i) =>
          make({
            id: `${n.id}.${i}`,
            name: `${n.name}[${i}]`,
            kind: "lane",
            role: "lane",
            logical: n,
            lane: i,
            replicas: p,
          }),
        ),
      );
    } else if (replicated(n)) {
      const p = lanesOf(n)!.n;
      perLane.set(
        n,
        Array.from({ length: p }, (_, i) =>
          make({
            id: `${n.id}.${i}`,
            name: `${n.name}[${i}]`,
            kind: n.kind,
            role: "replica",
            logical: n,
            lane: i,
            replicas: p,
          }),
        ),
      );
    } else single.set(n, make({ id: n.id, name: n.name, kind: n.kind, role: "node", logical: n }));
  }
  /** The physical node emitting `n`'s output (for lane `lane` when laned). */
  const emitter = (n: LogicalNode, lane: number | null): PlanNode =>
    lane === null ? single.get(n)! : perLane.get(n)![lane];
  const connect = (from: PlanNode, to: PlanNode, edge: LogicalEdge | null) => {
    to.inputs.push({ from, edge });
    from.outputs.push({ to, port: to.inputs.length - 1, edge });
  };
  for (const n of nodes) {
    n.inputs.forEach((e, k) => {
      const l = lanesOf(e.from);
      if (replicated(n)) {
        perLane.get(n)!.forEach((r, i) => {
          connect(emitter(e.from, i), r, e);
        });
      } else if (l !== null) {
        const target = single.get(n)!;
        const merge = make({
          id: `${n.id}.m${k}`,
          name: `${n.name}:merge`,
          kind: "merge",
          role: "merge",
          logical: n,
        });
        for (let i = 0; i < l.n; i++) connect(emitter(e.from, i), merge, e);
        connect(merge, target, null);
      } else connect(emitter(e.from, null), single.get(n)!, e);
    });
    if (n.kind === "shard") for (const laneNode of perLane.get(n)!) connect(single.get(n)!, laneNode, null);
  }
  return out;
}

/** The physical nodes that run logical node `n`: its replicas, or its one node (a shard: its partitioner). @internal */
export function planNodesOf(plan: readonly PlanNode[], n: LogicalNode): PlanNode[] {
  return plan.filter(
    (p) => p.logical === n && (p.role === "node" || p.role === "replica" || p.role === "partitioner"),
  );
}

/**
 * The stable operator id under which a physical node's state goes into checkpoints (matched
 * on restore): the `name` the user gave (with `[lane]` for a shard's replicas), else
 * `kind@id` derived from the graph (ids number the nodes in the order the job was built, so
 * a job built in the same order gets the same ids; name stateful operators to change the
 * graph safely, as Flink's `uid()`).
 * @internal
 */
export function stateIdOf(p: PlanNode): string {
  const named = p.logical.options.name;
  if (named === undefined || p.role === "merge" || p.role === "lane") return `${p.kind}@${p.id}`;
  return p.lane === undefined ? named : `${named}[${p.lane}]`;
}
