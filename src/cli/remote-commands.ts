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
  const [info, tasks, runs] = await Promise.all([
    c.get<{ state: string; concurrency: number; mode: string; now: number }>("/info"),
    c.get<TaskView[]>("/tasks"),
    c.get<RunView[]>(`/runs?limit=${options.limit ?? 20}`),
  ]);
  if (options.json) {
    io.out(JSON.stringify({ info, tasks, runs }, null, 2));
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

/** `mass pause | resume | cancel <task>`: the task's act route; prints the outcome. */
export async function taskActionCommand(
  action: "pause" | "resume" | "cancel",
  task: string,
  options: ClientOptions,
  io: CliIo,
): Promise<number> {
  const c = new ControlClient(options);
  const r = await c.act<TaskView | { cancelled: number }>("POST", `/tasks/${enc(task)}/${action}`);
  if ("cancelled" in r) io.out(`task ${task}: ${r.cancelled} queued run(s) cancelled`);
  else io.out(`task ${task}: ${r.paused ? "paused" : "running"}`);
  return 0;
}

/** `mass stop <task> [--reason text]`: stops the task for good (its running run ends as stopped). */
export async function stopCommand(
  task: string,
  options: ClientOptions & { reason?: string },
  io: CliIo,
): Promise<number> {
  const c = new ControlClient(options);
  await c.act(
    "POST",
    `/tasks/${enc(task)}/stop`,
    options.reason === undefined ? {} : { reason: options.reason },
  );
  io.out(`task ${task}: stopping (it takes no new run; a running run ends at its next proceed())`);
  return 0;
}

/** `mass rerun <task> [--input json]`: queues a run of the task now; prints the run id. */
export async function rerunCommand(
  task: string,
  options: ClientOptions & { input?: string },
  io: CliIo,
): Promise<number> {
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
  const r = await c.act<{ runId: string }>(
    "POST",
    `/tasks/${enc(task)}/run`,
    input === undefined ? {} : { input },
  );
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
