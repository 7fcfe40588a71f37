import type { Env } from "../../env/env.js";
import type { Topology } from "../../env/topology.js";

/** Lag of one Kafka partition (or any partitioned source): messages behind the end of the log. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** Messages between the last acknowledged offset and the log end. */
  readonly lag: number;
}

/** Counters of one operator chained into a physical node (filled once the runtime reports them). */
export interface OperatorStats {
  readonly name: string;
  readonly kind: string;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly deadLettered: number;
}

/**
 * A live snapshot of one physical node of a running Env, the shape the control plane serves
 * (`GET /streams`) and turns into metrics. Counts are records since the run started.
 */
export interface NodeStatsSnapshot {
  readonly id: string;
  readonly name: string;
  /** `source`, `compute`, `window`, `sink`, ... */
  readonly kind: string;
  /** `created`, `running`, `finished`, `failed`, `cancelled`. */
  readonly status: string;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly skipped: number;
  readonly deadLettered: number;
  readonly retries: number;
  readonly lateRecords: number;
  readonly lateDropped: number;
  /** The node's event-time watermark (epoch ms), `undefined` before the first one or at +Infinity (input ended). */
  readonly watermark: number | undefined;
  /** Keys, windows or records held in state (0 for stateless nodes). */
  readonly stateSize: number;
  /** Time the node spent blocked by backpressure, ms; `undefined` until the runtime measures it. */
  readonly backpressureMs: number | undefined;
  /** Per-operator counters of the stages chained into the node; empty until the runtime reports them. */
  readonly operators: readonly OperatorStats[];
  /** Partition lag of a Kafka source; empty for other nodes. */
  readonly lag: readonly PartitionLag[];
}

/** A live snapshot of a running Env: its topology and every node's counters. */
export interface EnvStatsSnapshot {
  readonly env: string;
  /** When the snapshot was taken, epoch ms. */
  readonly at: number;
  readonly topology: Topology;
  readonly nodes: readonly NodeStatsSnapshot[];
}

/** What a node may offer beyond the base counters (duck-typed, so new runtime fields plug in here). */
interface NodeLike {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly status: string;
  readonly stats: {
    recordsIn: number;
    recordsOut: number;
    skipped: number;
    deadLettered: number;
    retries: number;
    lateRecords: number;
    lateDropped: number;
    /** Time blocked by backpressure, when the runtime measures it. */
    backpressureMs?: number;
  };
  readonly watermark: number;
  readonly stateCount: number;
  /** The node's own operator: a source or sink may report connector metrics (`metrics()`). */
  readonly operator: unknown;
}

/** The live per-operator counters of `env.stats()` (the runtime's accessor), when the Env has it. */
interface LiveOperators {
  readonly operators?: readonly {
    readonly name: string;
    readonly kind: string;
    readonly nodeId: string;
    readonly recordsIn: number;
    readonly recordsOut: number;
    readonly deadLettered: number;
  }[];
}

/** Partition lag from a connector's `metrics()`: `{ partitions: [{ topic, partition, lag }] }` (the Kafka source). */
function partitionLag(operator: unknown): PartitionLag[] {
  const op = operator as { metrics?: () => unknown } | null;
  if (op === null || typeof op !== "object" || typeof op.metrics !== "function") return [];
  let m: unknown;
  try {
    m = op.metrics();
  } catch {
    return [];
  }
  const parts = (m as { partitions?: unknown } | null)?.partitions;
  if (!Array.isArray(parts)) return [];
  const out: PartitionLag[] = [];
  for (const p of parts as { topic?: unknown; partition?: unknown; lag?: unknown }[]) {
    if (typeof p?.topic === "string" && typeof p.partition === "number" && typeof p.lag === "number")
      out.push({ topic: p.topic, partition: p.partition, lag: p.lag });
  }
  return out;
}

/**
 * Reads a live snapshot of `env`'s current run (cheap: plain counters, no copy of state). The
 * one place that reads an Env's runtime nodes, so that new runtime figures and connector hooks
 * reach `GET /streams` and `/metrics` together: per-operator counters from the runtime's live
 * `env.stats()` (its `operators`, matched to nodes by `nodeId`), time blocked by backpressure
 * (`stats.backpressureMs` on a node, once measured), and partition lag from a connector's
 * `metrics()` (`{ partitions: [{ topic, partition, lag }] }`, as the Kafka source reports).
 */
export function envStats(env: Env, now: number = Date.now()): EnvStatsSnapshot {
  const live = env as unknown as { stats?: () => LiveOperators | undefined };
  let operators: LiveOperators["operators"];
  if (typeof live.stats === "function") {
    try {
      operators = live.stats()?.operators;
    } catch {
      operators = undefined;
    }
  }
  const byNode = new Map<string, OperatorStats[]>();
  for (const o of operators ?? []) {
    let list = byNode.get(o.nodeId);
    if (list === undefined) {
      list = [];
      byNode.set(o.nodeId, list);
    }
    list.push({
      name: o.name,
      kind: o.kind,
      recordsIn: o.recordsIn,
      recordsOut: o.recordsOut,
      deadLettered: o.deadLettered,
    });
  }
  const nodes = (env.runtimeNodes() as unknown as readonly NodeLike[]).map((n): NodeStatsSnapshot => {
    const s = n.stats;
    const wm = n.watermark;
    return {
      id: n.id,
      name: n.name,
      kind: n.kind,
      status: n.status,
      recordsIn: s.recordsIn,
      recordsOut: s.recordsOut,
      skipped: s.skipped,
      deadLettered: s.deadLettered,
      retries: s.retries,
      lateRecords: s.lateRecords,
      lateDropped: s.lateDropped,
      watermark: Number.isFinite(wm) ? wm : undefined,
      stateSize: n.stateCount,
      backpressureMs: s.backpressureMs,
      operators: byNode.get(n.id) ?? [],
      lag: partitionLag(n.operator),
    };
  });
  return { env: env.name, at: now, topology: env.topology(), nodes };
}
