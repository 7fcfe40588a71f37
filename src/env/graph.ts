import type { Calculator } from "../operators/calculator.js";
import type { MapAsyncSpec } from "../operators/map-async.js";
import type { Sink } from "../operators/sink.js";
import type { Source } from "../operators/source.js";
import type { StageSpec } from "../operators/stage.js";
import type { JoinSpec } from "../runtime/join-node.js";
import type { KeyedAggSpec } from "../runtime/keyed-agg-node.js";
import type { ShardSpec } from "../runtime/shard-node.js";
import type { TimestampSpec } from "../runtime/timestamp-node.js";
import type { WindowSpec } from "../runtime/window-node.js";
import type { NodeOptions } from "./options.js";

/** Kinds of logical node. Stateless stages are not nodes: they fuse onto edges. @internal */
export type LogicalKind =
  | "source"
  | "compute"
  | "union"
  | "mapAsync"
  | "sink"
  | "timestamps"
  | "window"
  | "keyedAgg"
  | "join"
  | "shard";

/** A stage appended to a stream; shared prefixes are shared links (fan-out runs them once). @internal */
export class StageLink {
  constructor(
    readonly spec: StageSpec,
    readonly parent: StageLink | null,
    /** Operator id in the topology: the id of the node whose output it reads, then `.s<n>`. */
    readonly id: string,
  ) {}

  /** The stages from the node's output down to this link. */
  path(): StageSpec[] {
    const out: StageSpec[] = [];
    for (let l: StageLink | null = this; l !== null; l = l.parent) out.push(l.spec);
    return out.reverse();
  }
}

/** What a logical node runs. @internal */
export type NodeOperator =
  | Source<unknown>
  | Calculator<unknown, unknown>
  | Sink<unknown>
  | MapAsyncSpec
  | TimestampSpec
  | WindowSpec
  | KeyedAggSpec
  | JoinSpec
  | ShardSpec
  | null;

/** A node of the job graph as the user built it. @internal */
export class LogicalNode {
  readonly inputs: LogicalEdge[] = [];
  readonly outputs: LogicalEdge[] = [];
  /** Index of the run that executed this node, once it ran or runs. */
  run?: number;
  /** Stages appended downstream of this node so far (for their ids). */
  stageCount = 0;

  constructor(
    readonly id: string,
    readonly kind: LogicalKind,
    readonly name: string,
    readonly operator: NodeOperator,
    readonly options: NodeOptions,
    /** Name of the node's own operator (`array`, `Explode`, `window:tumbling`...). */
    readonly operatorName: string = name,
  ) {}
}

/** An edge: `from`'s output, through the fused stages of `link`, into `to`. @internal */
export interface LogicalEdge {
  readonly from: LogicalNode;
  readonly link: StageLink | null;
  readonly to: LogicalNode;
  /** Side output of `from` this edge reads (e.g. `"late"`); main output when absent. */
  readonly tag?: string;
}
