import type { Calculator } from "../operators/calculator.js";
import type { MapAsyncSpec } from "../operators/map-async.js";
import type { Sink } from "../operators/sink.js";
import type { Source } from "../operators/source.js";
import type { ChainBranch } from "../runtime/chain.js";
import { isSnapshottable } from "../runtime/checkpoint/snapshot-types.js";
import type { Job } from "../runtime/job.js";
import { JoinNode, type JoinSpec } from "../runtime/join-node.js";
import { KeyedAggNode, type KeyedAggSpec } from "../runtime/keyed-agg-node.js";
import { MapAsyncNode } from "../runtime/map-async-node.js";
import { MAIN, type NodeSettings, type RuntimeNode } from "../runtime/node.js";
import { ShardNode, type ShardSpec } from "../runtime/shard-node.js";
import { SharedHooks } from "../runtime/shared-hooks.js";
import { SinkNode } from "../runtime/sink-node.js";
import { SourceNode } from "../runtime/source-node.js";
import { newOperatorStats } from "../runtime/stats.js";
import { TimestampNode, type TimestampSpec } from "../runtime/timestamp-node.js";
import { TransformNode } from "../runtime/transform-node.js";
import { LATE, WindowNode, type WindowSpec } from "../runtime/window-node.js";
import type { LogicalNode, StageLink } from "./graph.js";
import type { ResolvedEnvOptions } from "./options.js";
import { type PlanNode, physicalPlan, stateIdOf } from "./plan.js";

/** The runtime nodes of a run, by the logical node they run. @internal */
export type RuntimeMap = Map<LogicalNode, RuntimeNode[]>;

/** What {@link buildJob} returns. @internal */
export interface BuiltJob {
  /** The runtime nodes of each logical node (several for a shard's replicas). */
  readonly nodes: RuntimeMap;
  /** Lane index of each runtime node that runs in a shard's lane. */
  readonly lanes: Map<RuntimeNode, number>;
}

/**
 * Builds the physical nodes of `pending` into `job`: one runtime node per node of the
 * {@link physicalPlan} (lanes and replicas of shards included), their ports in the order of
 * each node's logical inputs (a join's left input is port 0), and the fused stage trees.
 * @internal
 */
export function buildJob(pending: LogicalNode[], o: ResolvedEnvOptions, job: Job): BuiltJob {
  const plan = physicalPlan(pending);
  const byPlan = new Map<PlanNode, RuntimeNode>();
  const shared = new Map<LogicalNode, SharedHooks>();
  const map: RuntimeMap = new Map();
  const lanes = new Map<RuntimeNode, number>();
  for (const p of plan) {
    const n = p.logical;
    const settings: NodeSettings = {
      batchSize: n.options.batchSize ?? o.batchSize,
      highWaterMark: n.options.highWaterMark ?? o.highWaterMark,
      lingerMs: o.lingerMs,
      onError: n.options.onError ?? o.onError,
    };
    const rn = runtimeNode(p, job, settings);
    rn.stateId = stateIdOf(p);
    // a Calculator or Sink with snapshotState/restoreState keeps its state in checkpoints
    // (one instance: not when a shard's lanes share it)
    if ((n.kind === "compute" || n.kind === "sink") && p.role === "node" && n.operator !== null) {
      if (isSnapshottable(n.operator)) rn.userState = n.operator;
    }
    if (p.role === "replica" && rn.operator !== null) {
      let hooks = shared.get(n);
      if (hooks === undefined) {
        hooks = new SharedHooks(rn.operator, p.replicas!);
        shared.set(n, hooks);
      }
      rn.operator = hooks.forReplica();
      if (rn instanceof SinkNode) rn.replicated = true;
    }
    byPlan.set(p, rn);
    job.nodes.push(rn);
    if (p.lane !== undefined) lanes.set(rn, p.lane);
    if (p.role === "node" || p.role === "replica" || p.role === "partitioner") {
      const list = map.get(n) ?? [];
      list.push(rn);
      map.set(n, list);
    }
  }
  for (const p of plan) {
    const rn = byPlan.get(p)!;
    for (const _ of p.inputs) rn.addInput(rn.settings.highWaterMark);
  }
  for (const p of plan) wire(p, byPlan);
  return { nodes: map, lanes };
}

function runtimeNode(p: PlanNode, job: Job, settings: NodeSettings): RuntimeNode {
  const n = p.logical;
  const { id, name } = p;
  if (p.role === "lane") return new TransformNode(id, name, "lane", job, settings, null, "lane");
  if (p.role === "merge") return new TransformNode(id, name, "merge", job, settings, null, "merge");
  switch (n.kind) {
    case "source":
      return new SourceNode(id, name, job, settings, n.operator as Source<unknown>);
    case "sink":
      return new SinkNode(id, name, job, settings, n.operator as Sink<unknown>);
    case "mapAsync":
      return new MapAsyncNode(id, name, job, settings, n.operator as MapAsyncSpec);
    case "compute": {
      const calc = n.operator as Calculator<unknown, unknown>;
      return new TransformNode(id, name, n.kind, job, settings, calc, calc.name ?? calc.constructor.name);
    }
    case "union":
      return new TransformNode(id, name, n.kind, job, settings, null, "union");
    case "timestamps":
      return new TimestampNode(id, name, job, settings, n.operator as TimestampSpec);
    case "window": {
      const w = new WindowNode(id, name, job, settings, n.operator as WindowSpec);
      w.hasLateOutput = n.outputs.some((e) => e.tag === LATE);
      return w;
    }
    case "keyedAgg":
      return new KeyedAggNode(id, name, job, settings, n.operator as KeyedAggSpec);
    case "join":
      return new JoinNode(id, name, job, settings, n.operator as JoinSpec);
    case "shard":
      return new ShardNode(id, name, job, settings, n.operator as ShardSpec);
  }
}

/** Connects the outputs of `p` and builds its stage tree (shared prefixes shared). */
function wire(p: PlanNode, byPlan: Map<PlanNode, RuntimeNode>): void {
  const rn = byPlan.get(p)!;
  const branches = new Map<StageLink, ChainBranch>();
  const rootsByTag = new Map<string, ChainBranch[]>();
  const rootsOf = (tag: string) => {
    let r = rootsByTag.get(tag);
    if (r === undefined) {
      r = [];
      rootsByTag.set(tag, r);
    }
    return r;
  };
  const branchOf = (l: StageLink, tag: string): ChainBranch => {
    let b = branches.get(l);
    if (b === undefined) {
      b = { stage: l.spec, out: -1, children: [], stats: newOperatorStats(), id: l.id };
      branches.set(l, b);
      (l.parent === null ? rootsOf(tag) : branchOf(l.parent, tag).children).push(b);
    }
    return b;
  };
  p.outputs.forEach((o, j) => {
    const target = byPlan.get(o.to)!;
    rn.outputs.push(target.inputs[o.port]);
    if (!rn.downstream.includes(target)) rn.downstream.push(target);
    if (!target.upstream.includes(rn)) target.upstream.push(rn);
    const leaf: ChainBranch = { stage: null, out: j, children: [] };
    const e = o.edge;
    const tag = e?.tag ?? MAIN;
    (e === null || e.link === null ? rootsOf(tag) : branchOf(e.link, tag).children).push(leaf);
  });
  rn.chains.main = rootsOf(MAIN);
  for (const [tag, roots] of rootsByTag) if (tag !== MAIN) rn.chains.side.set(tag, roots);
}
