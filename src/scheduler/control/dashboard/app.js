// The Mass control plane dashboard: plain ES module, no dependency, no network outside the
// control plane. Reads the JSON routes, follows live events over Server-Sent Events (read with
// fetch so the token can go in a header), and asks for the token before any action.

import { $, notice, when } from "./dom.js";
import { GRAPH_ENDED, renderGraphs } from "./graphs.js";
import { askToken, authHeaders, getJson, hooks, state, TERMINAL } from "./store.js";
import { renderDeadLetters, renderRuns, renderStreams, renderTasks } from "./tables.js";

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
hooks.refresh = refresh;
refresh();
follow();
