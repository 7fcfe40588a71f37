// The Mass control plane dashboard: plain ES module, no dependency, no network outside the
// control plane. Reads the JSON routes, follows live events over Server-Sent Events (read with
// fetch so the token can go in a header), and asks for the token before any action.

const TERMINAL = new Set(["finished", "failed", "stopped"]);
const state = {
  tasks: [],
  runs: new Map(),
  streams: [],
  deadLetters: [],
  lastStats: new Map(),
  graphs: [],
  instances: new Map(),
  selectedNode: new Map(),
  token: sessionStorage.getItem("mass.token") ?? "",
  loopback: true,
};

const $ = (sel) => document.querySelector(sel);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m - h * 60} min`;
}

function when(epochMs) {
  if (epochMs === null || epochMs === undefined) return "—";
  const d = epochMs - Date.now();
  const abs = new Date(epochMs).toLocaleTimeString();
  return d >= 0 ? `in ${duration(d)} (${abs})` : `${duration(-d)} ago`;
}

function notice(msg, ok = false) {
  const n = $("#notice");
  n.textContent = msg;
  n.className = ok ? "ok" : "";
  n.hidden = false;
}

function authHeaders() {
  return state.token ? { authorization: `Bearer ${state.token}` } : {};
}

async function getJson(path) {
  const res = await fetch(path, { headers: authHeaders(), cache: "no-store" });
  if (res.status === 401) throw Object.assign(new Error("401"), { status: 401 });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

// ---- token --------------------------------------------------------------------------------

function askToken() {
  const dialog = $("#token-dialog");
  const input = $("#token-input");
  input.value = state.token;
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        if (dialog.returnValue === "ok") {
          state.token = input.value.trim();
          if (state.token) sessionStorage.setItem("mass.token", state.token);
          else sessionStorage.removeItem("mass.token");
          resolve(true);
        } else resolve(false);
      },
      { once: true },
    );
    dialog.showModal();
    input.focus();
  });
}

async function act(label, method, path, body) {
  if (!state.token && !(await askToken())) return;
  const res = await fetch(path, {
    method,
    headers: { ...authHeaders(), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) {
    state.token = "";
    sessionStorage.removeItem("mass.token");
    notice(`${label}: refused (401) — the token is missing or wrong; click the button again to enter it`);
    return;
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = JSON.parse(text).message;
    } catch {}
    notice(`${label}: HTTP ${res.status} — ${message}`);
    return;
  }
  notice(`${label}: done`, true);
  await refresh();
}

// ---- rendering ----------------------------------------------------------------------------

function statusBadge(status) {
  return el("span", { class: `badge status-${status}`, text: status });
}

function renderTasks() {
  const body = $("#tasks tbody");
  body.replaceChildren(
    ...state.tasks.map((t) => {
      const id = encodeURIComponent(t.id);
      return el(
        "tr",
        { "data-task": t.id },
        el("td", { text: t.id, title: t.description || t.name }),
        el("td", { text: t.kind }),
        el("td", {}, statusBadge(t.stopped ? "stopped" : t.paused ? "paused" : t.status)),
        el("td", { text: t.triggers.join(", ") || "—" }),
        el("td", { class: "next-fire", "data-at": t.nextFireAt, text: when(t.nextFireAt) }),
        el("td", { class: "num", text: String(t.activeRuns) }),
        el(
          "td",
          { class: "actions" },
          el("button", {
            type: "button",
            "data-action": "run",
            text: "Run now",
            onclick: () => act(`run ${t.id}`, "POST", `/tasks/${id}/run`, {}),
          }),
          t.paused
            ? el("button", {
                type: "button",
                "data-action": "resume",
                text: "Resume",
                onclick: () => act(`resume ${t.id}`, "POST", `/tasks/${id}/resume`),
              })
            : el("button", {
                type: "button",
                "data-action": "pause",
                text: "Pause",
                onclick: () => act(`pause ${t.id}`, "POST", `/tasks/${id}/pause`),
              }),
          el("button", {
            type: "button",
            "data-action": "stop",
            text: "Stop",
            onclick: () => {
              if (confirm(`Stop task ${t.id} for good?`))
                act(`stop ${t.id}`, "POST", `/tasks/${id}/stop`, {});
            },
          }),
        ),
      );
    }),
  );
  if (state.tasks.length === 0)
    body.append(el("tr", {}, el("td", { colspan: 7, class: "empty", text: "no task" })));
}

function progressCell(r) {
  const pct = r.progress === null || r.progress === undefined ? null : Math.round(r.progress * 100);
  const cls = `bar ${r.status}`;
  const label =
    pct !== null
      ? `${pct}%${r.total !== null && r.total !== undefined ? ` (${r.now}/${r.total})` : ""}`
      : r.now
        ? String(r.now)
        : "";
  return el(
    "div",
    { class: cls, "data-progress": pct ?? "" },
    el("div", { style: `width:${pct ?? (TERMINAL.has(r.status) ? 100 : 0)}%` }),
    el("span", { text: label }),
  );
}

function renderRuns() {
  const body = $("#runs tbody");
  const runs = [...state.runs.values()].sort((a, b) => {
    const ea = TERMINAL.has(a.status) ? 1 : 0;
    const eb = TERMINAL.has(b.status) ? 1 : 0;
    if (ea !== eb) return ea - eb;
    return (b.endTime ?? b.startTime ?? 0) - (a.endTime ?? a.startTime ?? 0);
  });
  body.replaceChildren(
    ...runs.slice(0, 100).map((r) =>
      el(
        "tr",
        { "data-run": r.runId, "data-status": r.status },
        el("td", { text: r.runId }),
        el("td", { text: r.taskId }),
        el("td", {}, statusBadge(r.status)),
        el("td", {}, progressCell(r)),
        el("td", { class: "num used", text: duration(r.usedMs) }),
        el("td", { class: "num remaining", text: TERMINAL.has(r.status) ? "—" : duration(r.remainMs) }),
        el("td", {
          class: "msg",
          text: r.msg ?? (r.waiting ? `waiting (${r.waiting})` : ""),
          title: r.msg ?? "",
        }),
      ),
    ),
  );
  if (runs.length === 0)
    body.append(el("tr", {}, el("td", { colspan: 7, class: "empty", text: "no run yet" })));
}

function renderDeadLetters() {
  const body = $("#dead-letters tbody");
  body.replaceChildren(
    ...state.deadLetters.map((d) => {
      const id = encodeURIComponent(d.id);
      return el(
        "tr",
        { "data-dead-letter": d.id },
        el("td", { text: d.id }),
        el("td", { text: d.taskId }),
        el("td", { class: "msg", text: `${d.error.name}: ${d.error.message}`, title: d.error.message }),
        el("td", { class: "num", text: String(d.attempts) }),
        el("td", { text: when(d.lastFailureAt) }),
        el(
          "td",
          { class: "actions" },
          el("button", {
            type: "button",
            "data-action": "replay",
            text: "Replay",
            onclick: () => act(`replay ${d.id}`, "POST", `/dead-letters/${id}/replay`),
          }),
          el("button", {
            type: "button",
            "data-action": "discard",
            text: "Discard",
            onclick: () => act(`discard ${d.id}`, "DELETE", `/dead-letters/${id}`),
          }),
        ),
      );
    }),
  );
  if (state.deadLetters.length === 0)
    body.append(el("tr", {}, el("td", { colspan: 6, class: "empty", text: "no dead letter" })));
}

/**
 * A layered drawing of a DAG: columns by longest path from the roots. `nodes` are
 * `{ id, label, lines, cls, onclick? }`, `edges` `{ from, to, label? }`.
 */
function dagSvg(nodes, edges, box = { W: 170, H: 54 }) {
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
function topologySvg(topology, nodeStats, rates) {
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

const GRAPH_ENDED = new Set(["succeeded", "failed", "stopped"]);

/** One graph instance drawn with its node states; a finished one offers reruns. */
function instanceBlock(graph, inst) {
  const id = encodeURIComponent(inst.id);
  const finished = GRAPH_ENDED.has(inst.status);
  const selected = state.selectedNode.get(inst.id);
  const rerun = (kind, node) =>
    act(
      `rerun ${kind}${node ? ` ${node}` : ""} of ${inst.id}`,
      "POST",
      `/graph-instances/${id}/rerun`,
      node ? { kind, node } : { kind },
    );
  const block = el("div", { class: "instance", "data-instance": inst.id, "data-status": inst.status });
  const needsRerun = Object.values(inst.nodes).some((s) => s !== "succeeded");
  block.append(
    el(
      "div",
      { class: "instance-head" },
      el("span", { text: inst.id }),
      statusBadge(inst.status),
      el("span", { class: "empty", text: `${inst.reruns} rerun(s) · ${when(inst.createdAt)}` }),
      finished && needsRerun
        ? el("button", {
            type: "button",
            "data-action": "rerun-failed",
            text: "Rerun failed",
            onclick: () => rerun("failed"),
          })
        : null,
      finished && selected
        ? el("button", {
            type: "button",
            "data-action": "rerun-node",
            text: `Rerun ${selected}`,
            onclick: () => rerun("node", selected),
          })
        : null,
      finished && selected
        ? el("button", {
            type: "button",
            "data-action": "rerun-downstream",
            text: `Rerun ${selected} and downstream`,
            onclick: () => rerun("downstream", selected),
          })
        : null,
      inst.status === "running" || inst.status === "waiting"
        ? el("button", {
            type: "button",
            "data-action": "stop-instance",
            text: "Stop",
            onclick: () => act(`stop ${inst.id}`, "POST", `/graph-instances/${id}/stop`, {}),
          })
        : null,
    ),
  );
  block.append(
    dagSvg(
      graph.nodes.map((n) => ({
        id: n.name,
        label: n.name,
        cls: `st-${inst.nodes[n.name] ?? "waiting"}${selected === n.name ? " selected" : ""}`,
        lines: [
          `${inst.nodes[n.name] ?? "waiting"}${n.optional ? " · optional" : ""}${n.conditional ? " · when" : ""}`,
        ],
        onclick: finished
          ? () => {
              state.selectedNode.set(inst.id, selected === n.name ? undefined : n.name);
              renderGraphs();
            }
          : undefined,
      })),
      graph.nodes.flatMap((n) => n.after.map((a) => ({ from: a, to: n.name }))),
      { W: 130, H: 40 },
    ),
  );
  return block;
}

function renderGraphs() {
  const box = $("#graphs");
  if (state.graphs.length === 0) {
    box.replaceChildren(el("p", { class: "empty", text: "no execution graph" }));
    return;
  }
  box.replaceChildren(
    ...state.graphs.map((g) => {
      const id = encodeURIComponent(g.id);
      const div = el("div", { class: "graph", "data-graph": g.id });
      div.append(
        el(
          "h3",
          {},
          `${g.id} `,
          g.stopped ? statusBadge("stopped") : g.paused ? statusBadge("paused") : null,
          el("span", {
            class: "empty",
            text: ` ${g.triggers.join(", ") || "no trigger"} · next ${when(g.nextFireAt)}`,
          }),
          el("button", {
            type: "button",
            "data-action": "run",
            text: "Run now",
            onclick: () => act(`run ${g.id}`, "POST", `/graphs/${id}/run`, {}),
          }),
          g.paused
            ? el("button", {
                type: "button",
                "data-action": "resume",
                text: "Resume",
                onclick: () => act(`resume ${g.id}`, "POST", `/graphs/${id}/resume`),
              })
            : el("button", {
                type: "button",
                "data-action": "pause",
                text: "Pause",
                onclick: () => act(`pause ${g.id}`, "POST", `/graphs/${id}/pause`),
              }),
        ),
      );
      const instances = state.instances.get(g.id) ?? [];
      if (instances.length === 0) div.append(el("p", { class: "empty", text: "no instance yet" }));
      for (const inst of instances) div.append(instanceBlock(g, inst));
      return div;
    }),
  );
}

function renderStreams() {
  const box = $("#streams");
  if (state.streams.length === 0) {
    box.replaceChildren(el("p", { class: "empty", text: "no stream task" }));
    return;
  }
  box.replaceChildren(
    ...state.streams.map((s) => {
      const div = el("div", { class: "stream", "data-stream": s.taskId });
      div.append(el("h3", {}, `${s.taskId} `, statusBadge(s.status)));
      for (const r of s.running) {
        const stats = new Map(r.stats.nodes.map((n) => [n.id, n]));
        const rates = new Map();
        const prev = state.lastStats.get(r.runId);
        if (prev) {
          const dt = (r.stats.at - prev.at) / 1000;
          if (dt > 0)
            for (const n of r.stats.nodes) {
              const p = prev.nodes.find((x) => x.id === n.id);
              if (p) rates.set(n.id, (n.recordsOut - p.recordsOut) / dt);
            }
        }
        state.lastStats.set(r.runId, r.stats);
        div.append(
          el("p", { class: "empty", text: `run ${r.runId}` }),
          topologySvg(r.stats.topology, stats, rates),
        );
      }
      if (s.running.length === 0 && s.lastReport) {
        const rep = s.lastReport;
        div.append(
          el("p", {
            text: `last run: ${rep.status}, ${rep.recordsIn} in, ${rep.recordsOut} out, ${rep.deadLetters} dead letters, ${duration(rep.durationMs)}`,
          }),
        );
      }
      return div;
    }),
  );
}

// ---- data ---------------------------------------------------------------------------------

async function refresh() {
  try {
    const [info, tasks, runs, streams, deadLetters, graphs] = await Promise.all([
      getJson("/info"),
      getJson("/tasks"),
      getJson("/runs?limit=100"),
      getJson("/streams"),
      getJson("/dead-letters"),
      getJson("/graphs"),
    ]);
    const instances = await Promise.all(
      graphs.map((g) => getJson(`/graphs/${encodeURIComponent(g.id)}/instances?limit=5`)),
    );
    state.graphs = graphs;
    state.instances = new Map(graphs.map((g, i) => [g.id, instances[i]]));
    state.loopback = info.loopback;
    $("#scheduler-state").textContent = `scheduler ${info.state} · ${info.concurrency} slots · ${info.mode}`;
    state.tasks = tasks;
    state.runs = new Map(runs.map((r) => [r.runId, r]));
    state.streams = streams;
    state.deadLetters = deadLetters;
    renderTasks();
    renderRuns();
    renderStreams();
    renderDeadLetters();
    renderGraphs();
  } catch (err) {
    if (err.status === 401) {
      notice("this control plane needs the token to read: click “Token…”");
      return;
    }
    notice(`refresh failed: ${err.message}`);
  }
}

let refreshTimer = null;
function refreshSoon() {
  if (refreshTimer !== null) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    refresh();
  }, 200);
}

function onEvent(type, data) {
  if (type === "lifecycle") {
    const r = state.runs.get(data.runId) ?? {
      runId: data.runId,
      taskId: data.id,
      now: 0,
      total: null,
      progress: null,
      usedMs: 0,
      remainMs: null,
    };
    r.status = data.status;
    r.attempt = data.attempt;
    if (data.status === "running" && r.startTime == null) r.startTime = data.occurAt;
    if (TERMINAL.has(data.status)) {
      r.endTime = data.occurAt;
      r.msg = data.msg;
      if (data.status === "finished") r.progress = 1;
      refreshSoon();
    }
    state.runs.set(data.runId, r);
    renderRuns();
  } else if (type === "graph") {
    const list = state.instances.get(data.graphId) ?? [];
    const inst = list.find((i) => i.id === data.instanceId);
    if (inst === undefined) {
      refreshSoon();
      return;
    }
    if (data.node === null) inst.status = data.status;
    else inst.nodes[data.node] = data.status;
    if (data.node === null && GRAPH_ENDED.has(data.status)) refreshSoon();
    renderGraphs();
  } else if (type === "progress") {
    const r = state.runs.get(data.runId) ?? { runId: data.runId, taskId: data.id, status: "running" };
    r.now = data.now;
    r.total = data.total;
    r.progress = data.progress;
    r.startTime = data.startTime;
    r.usedMs = data.usedTime;
    r.remainMs = data.remainTime;
    state.runs.set(data.runId, r);
    renderRuns();
  }
}

/** Follows `/events` (SSE) with fetch, so that a token can be sent; reconnects after 2 s. */
async function follow() {
  const live = $("#live");
  for (;;) {
    try {
      const res = await fetch("/events?types=lifecycle,progress,graph", {
        headers: authHeaders(),
        cache: "no-store",
      });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      live.textContent = "live";
      live.className = "badge on";
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i = buf.indexOf("\n\n");
        while (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let type = "message";
          let data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) type = line.slice(7);
            else if (line.startsWith("data: ")) data += line.slice(6);
          }
          if (data) onEvent(type, JSON.parse(data));
          i = buf.indexOf("\n\n");
        }
      }
    } catch {}
    live.textContent = "reconnecting";
    live.className = "badge off";
    await new Promise((r) => setTimeout(r, 2000));
    refresh();
  }
}

$("#set-token").addEventListener("click", async () => {
  if (await askToken()) refresh();
});
setInterval(() => {
  for (const td of document.querySelectorAll("td.next-fire")) {
    const at = td.getAttribute("data-at");
    td.textContent = when(at ? Number(at) : null);
  }
}, 1000);
setInterval(refresh, 3000);
refresh();
follow();
