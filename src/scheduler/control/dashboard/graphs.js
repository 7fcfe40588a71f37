// Execution graphs: each recent instance drawn with its node states, with its reruns.
import { dagSvg } from "./dag.js";
import { $, el, statusBadge, when } from "./dom.js";
import { act, state } from "./store.js";

export const GRAPH_ENDED = new Set(["succeeded", "failed", "stopped"]);

/** One graph instance drawn with its node states; a finished one offers reruns. */
export function instanceBlock(graph, inst) {
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

export function renderGraphs() {
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
