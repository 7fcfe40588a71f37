import type { Job } from "../runtime/job.js";
import { type RuntimeNode, stageKindName } from "../runtime/node.js";
import { SourceNode } from "../runtime/source-node.js";
import type { NodeReport, OperatorReport, PartitionReport, RunReport } from "./report.js";

/** The report of one physical node (counters read now: live while the run goes on). @internal */
export function nodeReport(rn: RuntimeNode, lane?: number): NodeReport {
  const s = rn.stats;
  let report: NodeReport = {
    id: rn.id,
    name: rn.name,
    kind: rn.kind,
    status: rn.status,
    recordsIn: s.recordsIn,
    recordsOut: s.recordsOut,
    skipped: s.skipped,
    deadLettered: s.deadLettered,
    retries: s.retries,
    lateRecords: s.lateRecords,
    lateDropped: s.lateDropped,
    unassigned: s.unassigned,
  };
  if (lane !== undefined) report = { ...report, lane };
  const acks = rn instanceof SourceNode ? rn.acks : null;
  if (acks !== null) {
    report = {
      ...report,
      ackedPosition: acks.ackedPosition,
      finalAcked: acks.complete && acks.error === undefined,
    };
  }
  const partitions = rn instanceof SourceNode ? sourcePartitions(rn.source) : undefined;
  if (partitions !== undefined) report = { ...report, partitions };
  const why = rn.error ?? rn.cancelReason;
  return why === undefined ? report : { ...report, error: why.message };
}

/**
 * Partitions a source reports through an optional `metrics()` returning
 * `{ partitions: [{ topic, partition, lag, ... }] }` (the Kafka source); undefined otherwise.
 * @internal
 */
export function sourcePartitions(source: unknown): PartitionReport[] | undefined {
  const m = (source as { metrics?: () => unknown }).metrics;
  if (typeof m !== "function") return undefined;
  let parts: unknown;
  try {
    parts = (m.call(source) as { partitions?: unknown } | null)?.partitions;
  } catch {
    return undefined;
  }
  if (!Array.isArray(parts)) return undefined;
  return parts.filter(
    (p): p is PartitionReport =>
      typeof p?.topic === "string" && typeof p.partition === "number" && typeof p.lag === "number",
  );
}

/**
 * One report for the replicas of a logical node (the lanes of a sink after a `shard`): counters
 * summed; status the worst (failed, cancelled, running, finished). @internal
 */
export function groupReport(name: string, id: string, nodes: readonly RuntimeNode[]): NodeReport {
  if (nodes.length === 1) return nodeReport(nodes[0]);
  const parts = nodes.map((n) => nodeReport(n));
  const sum = (
    k:
      | "recordsIn"
      | "recordsOut"
      | "skipped"
      | "deadLettered"
      | "retries"
      | "lateRecords"
      | "lateDropped"
      | "unassigned",
  ) => parts.reduce((a, p) => a + p[k], 0);
  const order = ["failed", "cancelled", "running", "created", "finished"] as const;
  const status = order.find((st) => parts.some((p) => p.status === st)) ?? "finished";
  const error = parts.find((p) => p.error !== undefined)?.error;
  const report: NodeReport = {
    id,
    name,
    kind: parts[0].kind,
    status,
    recordsIn: sum("recordsIn"),
    recordsOut: sum("recordsOut"),
    skipped: sum("skipped"),
    deadLettered: sum("deadLettered"),
    retries: sum("retries"),
    lateRecords: sum("lateRecords"),
    lateDropped: sum("lateDropped"),
    unassigned: sum("unassigned"),
  };
  return error === undefined ? report : { ...report, error };
}

/**
 * Every operator of a physical node: its own (source, sink, calculator, mapAsync, window...)
 * then each stage fused into it, with its counters. @internal
 */
export function operatorReports(rn: RuntimeNode, lane?: number): OperatorReport[] {
  const out: OperatorReport[] = [];
  const base = (r: Omit<OperatorReport, "node" | "nodeId" | "lane">): OperatorReport =>
    lane === undefined
      ? { ...r, node: rn.name, nodeId: rn.id }
      : { ...r, node: rn.name, nodeId: rn.id, lane };
  if (rn.kind !== "lane" && rn.kind !== "merge") {
    const own = rn.ownOperatorStats();
    const why = rn.error ?? rn.cancelReason;
    const r = base({ id: rn.id, name: rn.operatorName, kind: rn.kind, status: rn.status, ...own });
    out.push(why === undefined ? r : { ...r, error: why.message });
  }
  for (const b of rn.stageBranches()) {
    const s = b.stats!;
    const r = base({
      id: b.id ?? `${rn.id}.?`,
      name: b.stage!.name,
      kind: stageKindName(b.stage!.kind),
      status: b.dead === true ? "failed" : rn.status,
      recordsIn: s.recordsIn,
      recordsOut: s.recordsOut,
      skipped: s.skipped,
      deadLettered: s.deadLettered,
      retries: s.retries,
    });
    out.push(b.error === undefined ? r : { ...r, error: b.error.message });
  }
  return out;
}

/** The run report (or, while the run goes on, a live snapshot of it). @internal */
export function buildReport(
  env: string,
  job: Job,
  status: RunReport["status"],
  lanes: ReadonlyMap<RuntimeNode, number>,
  durationMs: number,
): RunReport {
  const nodes = job.nodes.map((n) => nodeReport(n, lanes.get(n)));
  const operators = job.nodes.flatMap((n) => operatorReports(n, lanes.get(n)));
  let recordsIn = 0;
  let recordsOut = 0;
  let lateDropped = 0;
  let unassigned = 0;
  for (const n of nodes) {
    lateDropped += n.lateDropped;
    unassigned += n.unassigned;
    if (n.kind === "source") recordsIn += n.recordsIn;
    if (n.kind === "sink") recordsOut += n.recordsOut;
  }
  return {
    env,
    status,
    durationMs,
    recordsIn,
    recordsOut,
    deadLetters: job.deadLetterCount,
    lateDropped,
    unassigned,
    nodes,
    operators,
    ...(job.checkpoints === null ? {} : { checkpoints: { ...job.checkpoints.stats } }),
  };
}
