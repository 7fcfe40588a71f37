import type { RunReport } from "../../env/report.js";
import type { RunInfo } from "../run-info.js";
import type { Scheduler } from "../scheduler.js";
import type { DeadLetterEntry } from "../store/store-state.js";
import type { TaskHandle } from "../task-handle.js";
import type { RunStatus } from "../task-run.js";
import { type EnvStatsSnapshot, envStats } from "./env-stats.js";
import type { EndedRun, RunJournal } from "./run-journal.js";

/** A task as `GET /tasks` serves it. Times epoch ms. */
export interface TaskView {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** `task` or `stream`. */
  readonly kind: "task" | "stream";
  readonly priority: number;
  /** Status of the latest run (`init` before any). */
  readonly status: RunStatus;
  readonly paused: boolean;
  readonly stopped: boolean;
  /** One line per trigger (`"every 1000 ms"`, `"cron 0 9 * * *"`, `"signal reindex"`). */
  readonly triggers: string[];
  /** Earliest next fire of its time triggers; `null` when none is armed. */
  readonly nextFireAt: number | null;
  /** Runs of the task not ended (queued, waiting for a retry, running, paused). */
  readonly activeRuns: number;
}

/** A run as `GET /runs` serves it: an active run's live progress, or an ended run's outcome. */
export interface RunView {
  readonly taskId: string;
  readonly runId: string;
  readonly status: RunStatus;
  /** Whether the run ended (`finished`, `failed`, `stopped`). */
  readonly ended: boolean;
  /** For a waiting run: `queue`, `retry` or `parked`. */
  readonly waiting: string | null;
  readonly attempt: number;
  readonly startTime: number | null;
  /** Ended runs: when. */
  readonly endTime: number | null;
  /** Units done and in all (`proceed({ now, total })`); active runs only. */
  readonly now: number | null;
  readonly total: number | null;
  /** `now / total` in [0, 1]; `1` for a finished run; `null` when unknown. */
  readonly progress: number | null;
  /** Time running, paused time left out (ended runs: start to end). */
  readonly usedMs: number;
  /** Estimated time left; `null` when unknown (no total, nothing done yet, ended). */
  readonly remainMs: number | null;
  /** Time paused so far (active runs), the current pause included. */
  readonly pausedMs: number;
  /** When the current pause began, or `null`. */
  readonly pausedSince: number | null;
  /** Ended runs: the last lifecycle message (why). */
  readonly msg: string | null;
  /** An active graph node run: its graph, instance and node (its task id is `<graphId>/<node>`); else `null`. */
  readonly graph: { readonly graphId: string; readonly instanceId: string; readonly node: string } | null;
}

/** A stream task as `GET /streams` serves it: its running Envs' topology and live counters, and the last report. */
export interface StreamView {
  readonly taskId: string;
  readonly status: RunStatus;
  readonly running: readonly { readonly runId: string; readonly stats: EnvStatsSnapshot }[];
  readonly lastReport: RunReport | null;
}

/** Builds a {@link TaskView}. */
export function taskView(h: TaskHandle, active: number): TaskView {
  return {
    id: h.id,
    name: h.name,
    description: h.description,
    kind: h.kind,
    priority: h.priority,
    status: h.status,
    paused: h.paused,
    stopped: h.stopped,
    triggers: h.triggers,
    nextFireAt: h.nextFireAt ?? null,
    activeRuns: active,
  };
}

/** Builds the view of an active run. */
export function activeRunView(r: RunInfo): RunView {
  return {
    taskId: r.taskId,
    runId: r.runId,
    status: r.status,
    ended: false,
    waiting: r.waiting ?? null,
    attempt: r.attempt,
    startTime: r.startTime ?? null,
    endTime: null,
    now: r.now,
    total: r.total ?? null,
    progress: r.progress ?? null,
    usedMs: r.usedMs,
    remainMs: r.remainMs ?? null,
    pausedMs: r.pausedMs,
    pausedSince: r.pausedSince ?? null,
    msg: null,
    graph: r.graph ?? null,
  };
}

/** Options of {@link listRuns}. */
export interface RunQuery {
  task?: string;
  status?: string;
  /** At most this many (default 200). */
  limit?: number;
}

/** Active runs first (running by start time, then waiting), then ended runs, newest first. */
export function listRuns(scheduler: Scheduler, journal: RunJournal, q: RunQuery = {}): RunView[] {
  const limit = q.limit ?? 200;
  const out: RunView[] = [];
  const active = new Set<string>();
  const keep = (v: RunView) =>
    (q.task === undefined || v.taskId === q.task) && (q.status === undefined || v.status === q.status);
  for (const r of scheduler.runs()) {
    active.add(r.runId);
    const v = activeRunView(r);
    if (keep(v) && out.length < limit) out.push(v);
  }
  const ended = journal.recent(
    limit - out.length,
    (e) =>
      !active.has(e.runId) &&
      (q.task === undefined || e.taskId === q.task) &&
      (q.status === undefined || e.status === q.status),
  );
  for (const e of ended) out.push(endedRunView(e));
  return out;
}

/** Builds the view of an ended run. */
export function endedRunView(e: EndedRun): RunView {
  return {
    taskId: e.taskId,
    runId: e.runId,
    status: e.status,
    ended: true,
    waiting: null,
    attempt: e.attempt,
    startTime: e.startTime ?? null,
    endTime: e.endTime,
    now: null,
    total: null,
    progress: e.status === "finished" ? 1 : null,
    usedMs: e.durationMs,
    remainMs: null,
    pausedMs: 0,
    pausedSince: null,
    msg: e.msg,
    graph: null,
  };
}

/** The tasks with their active run counts. */
export function listTasks(scheduler: Scheduler): TaskView[] {
  const active = new Map<string, number>();
  for (const r of scheduler.runs()) active.set(r.taskId, (active.get(r.taskId) ?? 0) + 1);
  return scheduler.tasks().map((h) => taskView(h, active.get(h.id) ?? 0));
}

/** A dead letter as served: the stored entry (input as JSON, error name, message and the task's stack). */
export type DeadLetterView = DeadLetterEntry;

/** The view of one stream task. */
export function streamView(h: TaskHandle, now: number): StreamView {
  return {
    taskId: h.id,
    status: h.status,
    running: [...h.liveEnvs()].map(([runId, env]) => ({ runId, stats: envStats(env, now) })),
    lastReport: h.lastReport ?? null,
  };
}
