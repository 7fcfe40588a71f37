import type { Json } from "../store/store-state.js";

/**
 * A node's state in a graph instance:
 * - `waiting`: not started (upstreams not done yet, or queued for a slot);
 * - `running`: its run is running (attempts and retries included);
 * - `succeeded`: its run returned; its output is kept (JSON) for its dependants and reruns;
 * - `failed`: its run failed after its retries (an `optional` node's dependants run anyway);
 * - `skipped`: not run: its condition was false, or an upstream failed or was skipped (see `reason`);
 * - `stopped`: its run was stopped (`stopInstance`, `handle.stop()`).
 */
export type GraphNodeStatus = "waiting" | "running" | "succeeded" | "failed" | "skipped" | "stopped";

/**
 * A graph instance's state: `waiting` (created, no node started yet), `running`, then
 * `succeeded` (every node succeeded, was skipped, or failed while `optional`), `failed` (a node
 * that is not optional failed) or `stopped`.
 */
export type GraphInstanceStatus = "waiting" | "running" | "succeeded" | "failed" | "stopped";

/** Why a node was skipped. */
export type SkipReason = "condition" | "upstream-failed" | "upstream-skipped";

/** A node of an instance, as persisted in the task store. */
export interface GraphNodeRecord {
  status: GraphNodeStatus;
  /** Runs of this node in this instance (1, then more with reruns). */
  runs: number;
  /** Attempts of its last run (retries included). */
  attempts: number;
  /** Its output (JSON) when it succeeded. */
  output?: Json;
  /** Its last error when it failed or was stopped. */
  error?: { name: string; message: string };
  /** Why it was skipped. */
  reason?: SkipReason;
  /** The run id of its last run. */
  runId?: string;
  /** Epoch ms. */
  startedAt?: number;
  endedAt?: number;
}

/** A graph instance as persisted in the task store (`StoreState.graphs[id]`). */
export interface GraphInstanceRecord {
  readonly id: string;
  readonly graphId: string;
  status: GraphInstanceStatus;
  /** The trigger's input (JSON): the input of the nodes without upstream. */
  readonly input: Json;
  /** When its trigger fired (epoch ms). */
  readonly firedAt: number;
  readonly createdAt: number;
  endedAt?: number;
  /** Reruns made on it. */
  reruns: number;
  /** Node states by node name. */
  nodes: Record<string, GraphNodeRecord>;
}

/**
 * What a graph node's run knows about its place (`bus.graph`): the graph, the instance, the
 * node, the instance's input (a root node's `input` argument is the same) and the outputs of
 * its upstream nodes by name.
 */
export interface GraphRunContext {
  readonly graphId: string;
  readonly instanceId: string;
  readonly node: string;
  readonly instanceInput: Json;
  readonly upstream: Readonly<Record<string, Json | undefined>>;
}

/**
 * The three manual reruns of a finished instance (as PowerJob and DolphinScheduler offer):
 * - `node`: that node only (its upstream outputs reused; its dependants keep their state);
 * - `downstream`: that node and everything downstream of it;
 * - `failed`: every node that failed, was skipped because an upstream failed, was stopped or never
 *   ran; succeeded nodes keep their outputs.
 */
export type RerunKind = "node" | "downstream" | "failed";
