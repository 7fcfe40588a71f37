import type { RunReport } from "../env/report.js";
import type { Topology } from "../env/topology.js";

/** Left-aligned text table (first row = header). */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) for (let i = 0; i < r.length; i++) widths[i] = Math.max(widths[i] ?? 0, r[i].length);
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** A duration in ms as `850 ms`, `12.3 s`, `4 min 5 s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** A run report as text: the totals, then one row per node. */
export function formatReport(r: RunReport): string {
  const rate = r.durationMs > 0 ? Math.round(r.recordsIn / (r.durationMs / 1000)) : 0;
  const head = [
    `env ${r.env}: ${r.status} in ${formatMs(r.durationMs)}`,
    `records in ${r.recordsIn}, out ${r.recordsOut} (${rate} records/s in), dead letters ${r.deadLetters}, late dropped ${r.lateDropped}`,
  ];
  const rows = [["node", "kind", "status", "in", "out", "skipped", "dead", "retries", "late"]];
  for (const n of r.nodes)
    rows.push([
      n.name,
      n.kind,
      n.status,
      String(n.recordsIn),
      String(n.recordsOut),
      String(n.skipped),
      String(n.deadLettered),
      String(n.retries),
      String(n.lateRecords + n.lateDropped),
    ]);
  const errors = r.nodes.filter((n) => n.error !== undefined).map((n) => `  ${n.name}: ${n.error}`);
  return [...head, "", table(rows), ...(errors.length > 0 ? ["", "errors:", ...errors] : [])].join("\n");
}

/**
 * A topology as text: its nodes, then one line per edge with the stages fused onto it,
 * e.g. `source:jsonl --[map → filter]--> sink:csv`.
 */
export function formatTopology(t: Topology): string {
  const name = new Map(t.nodes.map((n) => [n.id, n.name]));
  const nodes = table([["id", "node", "kind"], ...t.nodes.map((n) => [n.id, n.name, n.kind])]);
  const edges = t.edges.map(
    (e) =>
      `${name.get(e.from)} ${e.stages.length > 0 ? `--[${e.stages.join(" → ")}]-->` : "-->"} ${name.get(e.to)}`,
  );
  return `${nodes}\n\n${edges.join("\n")}`;
}
