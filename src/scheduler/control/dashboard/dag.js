// Layered drawings of DAGs (stream topologies, execution graphs) as SVG.
import { svg } from "./dom.js";

/**
 * A layered drawing of a DAG: columns by longest path from the roots. `nodes` are
 * `{ id, label, lines, cls, onclick? }`, `edges` `{ from, to, label? }`.
 */
export function dagSvg(nodes, edges, box = { W: 170, H: 54 }) {
  const depth = new Map(nodes.map((n) => [n.id, 0]));
  for (let i = 0; i < nodes.length; i++)
    for (const e of edges) depth.set(e.to, Math.max(depth.get(e.to), depth.get(e.from) + 1));
  const columns = [];
  for (const n of nodes) {
    const d = depth.get(n.id);
    if (columns[d] === undefined) columns[d] = [];
    columns[d].push(n);
  }
  const { W, H } = box;
  const GX = 60;
  const GY = 16;
  const pos = new Map();
  for (let x = 0; x < columns.length; x++) {
    const col = columns[x] ?? [];
    for (let y = 0; y < col.length; y++) pos.set(col[y].id, { x: 10 + x * (W + GX), y: 10 + y * (H + GY) });
  }
  const width = 20 + columns.length * (W + GX) - GX;
  const height = 20 + Math.max(...columns.map((c) => (c ?? []).length)) * (H + GY) - GY;
  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img" });
  for (const e of edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    const x1 = a.x + W;
    const y1 = a.y + H / 2;
    const x2 = b.x;
    const y2 = b.y + H / 2;
    root.append(svg("path", { d: `M${x1},${y1} C${x1 + GX / 2},${y1} ${x2 - GX / 2},${y2} ${x2},${y2}` }));
    if (e.label)
      root.append(
        svg(
          "text",
          { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 4, "text-anchor": "middle", class: "small" },
          e.label,
        ),
      );
  }
  for (const n of nodes) {
    const p = pos.get(n.id);
    const g = svg("g", { "data-node": n.label });
    if (n.onclick) {
      g.addEventListener("click", n.onclick);
      g.setAttribute("class", "clickable");
    }
    g.append(svg("rect", { x: p.x, y: p.y, width: W, height: H, rx: 6, class: n.cls }));
    g.append(
      svg("text", { x: p.x + 8, y: p.y + 16 }, n.label.length > 26 ? `${n.label.slice(0, 25)}…` : n.label),
    );
    n.lines.forEach((line, i) => {
      g.append(svg("text", { x: p.x + 8, y: p.y + 32 + i * 14, class: "small" }, line));
    });
    root.append(g);
  }
  return root;
}

/** A stream task's topology with each node's counters and throughput. */
export function topologySvg(topology, nodeStats, rates) {
  return dagSvg(
    topology.nodes.map((n) => {
      const s = nodeStats.get(n.id);
      const rate = rates.get(n.id);
      return {
        id: n.id,
        label: n.name,
        cls: `${n.kind}${s && s.status === "failed" ? " failed" : ""}`,
        lines: s
          ? [
              `in ${s.recordsIn} · out ${s.recordsOut}`,
              `${rate === undefined ? "…" : `${Math.round(rate)} rec/s`}${s.deadLettered ? ` · ${s.deadLettered} dead` : ""}`,
            ]
          : [],
      };
    }),
    topology.edges.map((e) => ({ from: e.from, to: e.to, label: e.stages.join(" → ") })),
  );
}
