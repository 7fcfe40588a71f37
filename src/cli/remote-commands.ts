import type { GraphInstanceSummary, GraphView } from "../scheduler/control/graph-views.js";
import type { RunView, TaskView } from "../scheduler/control/views.js";
import type { CliIo } from "./cli-io.js";
import { type ClientOptions, ControlClient } from "./control-client.js";
import { formatMs, table } from "./report-format.js";

const enc = encodeURIComponent;

function when(epochMs: number | null, now: number): string {
  if (epochMs === null) return "—";
  const d = epochMs - now;
  return d >= 0 ? `in ${formatMs(d)}` : `${formatMs(-d)} ago`;
}

/**
 * `mass status [--json]`: the scheduler's state, its tasks (status, triggers, next fire, active
 * runs) and the latest runs with progress and remaining time.
 */
export async function statusCommand(
  options: ClientOptions & { json?: boolean; limit?: number },
  io: CliIo,
): Promise<number> {
  const c = new ControlClient(options);
  const [info, tasks, runs, graphs] = await Promise.all([
    c.get<{ state: string; concurrency: number; mode: string; now: number }>("/info"),
    c.get<TaskView[]>("/tasks"),
    c.get<RunView[]>(`/runs?limit=${options.limit ?? 20}`),
    c.get<GraphView[]>("/graphs"),
  ]);
  const instances = await Promise.all(
    graphs.map((g) => c.get<GraphInstanceSummary[]>(`/graphs/${enc(g.id)}/instances?limit=3`)),
  );
  if (options.json) {
    io.out(JSON.stringify({ info, tasks, runs, graphs, instances: instances.flat() }, null, 2));
    return 0;
  }
  const now = info.now;
  io.out(`scheduler ${info.state} at ${c.url}: ${info.concurrency} slots, ${info.mode}`);
  io.out("");
  io.out(
    table([
      ["task", "kind", "status", "triggers", "next fire", "active"],
      ...tasks.map((t) => [
        t.id,
        t.kind,
        t.stopped ? "stopped" : t.paused ? "paused" : t.status,
        t.triggers.join(", ") || "—",
        when(t.nextFireAt, now),
        String(t.activeRuns),
      ]),
    ]),
  );
  if (graphs.length > 0) {
    io.out("");
    io.out(
      table([
        ["graph", "status", "triggers", "next fire", "instances"],
        ...graphs.map((g) => [
          g.id,
          g.stopped ? "stopped" : g.paused ? "paused" : "active",
          g.triggers.join(", ") || "—",
          when(g.nextFireAt, now),
          Object.entries(g.instances)
            .filter(([, n]) => n > 0)
            .map(([st, n]) => `${n} ${st}`)
            .join(", ") || "none",
        ]),
      ]),
    );
    for (const inst of instances.flat())
      io.out(
        `  ${inst.id} ${inst.status}: ${Object.entries(inst.nodes)
          .map(([node, st]) => `${node} ${st}`)
          .join(", ")}`,
      );
  }
  io.out("");
  if (runs.length === 0) io.out("no run yet");
  else
    io.out(
      table([
        ["run", "task", "status", "progress", "used", "remaining", "message"],
        ...runs.map((r) => [
          r.runId,
          r.taskId,
          r.waiting === null ? r.status : `${r.status} (${r.waiting})`,
          r.progress === null ? (r.now ? String(r.now) : "—") : `${Math.round(r.progress * 100)}%`,
          formatMs(r.usedMs),
          r.remainMs === null ? "—" : formatMs(r.remainMs),
          r.msg ?? "",
        ]),
      ]),
    );
  return 0;
}

/** `mass pause | resume | cancel <task>` (or `pause | resume <graph> --graph`): the act route; prints the outcome. */
export async function taskActionCommand(
  action: "pause" | "resume" | "cancel",
  id: string,
  options: ClientOptions & { graph?: boolean },
  io: CliIo,
): Promise<number> {
  const c = new ControlClient(options);
  if (options.graph) {
    if (action === "cancel") {
      io.err(
        "mass cancel: a graph has no queued runs to cancel; stop an instance with mass stop <instanceId> --instance",
      );
      return 2;
    }
    const g = await c.act<GraphView>("POST", `/graphs/${enc(id)}/${action}`);
    io.out(`graph ${id}: ${g.paused ? "paused" : "running"}`);
    return 0;
  }
  const r = await c.act<TaskView | { cancelled: number }>("POST", `/tasks/${enc(id)}/${action}`);
  if ("cancelled" in r) io.out(`task ${id}: ${r.cancelled} queued run(s) cancelled`);
  else io.out(`task ${id}: ${r.paused ? "paused" : "running"}`);
  return 0;
}

/**
 * `mass stop <task> [--reason text]`: stops the task for good (its running run ends as stopped);
 * with `--graph` a graph for good, with `--instance` one unfinished graph instance.
 */
export async function stopCommand(
  id: string,
  options: ClientOptions & { reason?: string; graph?: boolean; instance?: boolean },
  io: CliIo,
): Promise<number> {
  const c = new ControlClient(options);
  const body = options.reason === undefined ? {} : { reason: options.reason };
  if (options.instance) {
    await c.act("POST", `/graph-instances/${enc(id)}/stop`, body);
    io.out(`graph instance ${id}: stopping (queued nodes never run, running ones are stopped)`);
  } else if (options.graph) {
    await c.act("POST", `/graphs/${enc(id)}/stop`, body);
    io.out(`graph ${id}: stopping (no new instance; unfinished ones are stopped)`);
  } else {
    await c.act("POST", `/tasks/${enc(id)}/stop`, body);
    io.out(`task ${id}: stopping (it takes no new run; a running run ends at its next proceed())`);
  }
  return 0;
}

/**
 * `mass savepoint <task>`: stops the task's running stream job with a savepoint
 * (`POST /tasks/:id/savepoint`) and prints each savepoint's location, to restore later with
 * `env.run({ restore: { from } })` (or a StreamTask's `runOptions`).
 */
export async function savepointCommand(id: string, options: ClientOptions, io: CliIo): Promise<number> {
  const c = new ControlClient(options);
  const r = await c.act<{ savepoints: string[] }>("POST", `/tasks/${enc(id)}/savepoint`);
  for (const sp of r.savepoints) io.out(`task ${id}: savepoint ${sp} (the run stopped)`);
  return 0;
}

/** Options of `mass rerun`. */
export interface RerunOptions extends ClientOptions {
  /** The run's (or new instance's) input, as JSON. */
  input?: string;
  /** `<id>` is a graph: make a new instance now. */
  graph?: boolean;
  /** `<id>` is a finished graph instance: rerun its failed (and skipped-because-failed) nodes. */
  failed?: boolean;
  /** `<id>` is a finished graph instance: rerun this node ... */
  node?: string;
  /** ... and everything downstream of it. */
  downstream?: boolean;
}

/**
 * `mass rerun <task> [--input json]`: queues a run of the task now and prints the run id;
 * `mass rerun <graph> --graph [--input json]` a new instance of a graph (prints its id);
 * `mass rerun <instance> --failed | --node <name> [--downstream]` reruns part of a finished graph
 * instance in place (prints the nodes that run again).
 */
export async function rerunCommand(task: string, options: RerunOptions, io: CliIo): Promise<number> {
  if (options.failed || options.node !== undefined || options.downstream) {
    if (options.failed === (options.node !== undefined)) {
      io.err("mass rerun <instanceId>: give either --failed or --node <name> [--downstream]");
      return 2;
    }
    if (options.downstream && options.node === undefined) {
      io.err("mass rerun: --downstream needs --node <name>");
      return 2;
    }
    const body = options.failed
      ? { kind: "failed" }
      : { kind: options.downstream ? "downstream" : "node", node: options.node };
    const c = new ControlClient(options);
    const r = await c.act<{ nodes: string[] }>("POST", `/graph-instances/${enc(task)}/rerun`, body);
    io.out(r.nodes.length === 0 ? "nothing to rerun" : r.nodes.join(" "));
    return 0;
  }
  let input: unknown;
  if (options.input !== undefined) {
    try {
      input = JSON.parse(options.input);
    } catch (err) {
      io.err(`--input must be JSON: ${(err as Error).message}`);
      return 2;
    }
  }
  const c = new ControlClient(options);
  const body = input === undefined ? {} : { input };
  if (options.graph) {
    const r = await c.act<{ instanceId: string }>("POST", `/graphs/${enc(task)}/run`, body);
    io.out(r.instanceId);
    return 0;
  }
  const r = await c.act<{ runId: string }>("POST", `/tasks/${enc(task)}/run`, body);
  io.out(r.runId);
  return 0;
}

/** `mass replay <deadLetterId>`: runs a dead letter's input again; prints the new run id. */
export async function replayCommand(id: string, options: ClientOptions, io: CliIo): Promise<number> {
  const c = new ControlClient(options);
  const r = await c.act<{ runId: string }>("POST", `/dead-letters/${enc(id)}/replay`);
  io.out(r.runId);
  return 0;
}
