// Tasks, runs, dead letters and stream tasks.
import { topologySvg } from "./dag.js";
import { $, duration, el, statusBadge, when } from "./dom.js";
import { act, state, TERMINAL } from "./store.js";

export function renderTasks() {
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

export function progressCell(r) {
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

export function renderRuns() {
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

export function renderDeadLetters() {
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

export function renderStreams() {
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
