import type { FastifyInstance } from "fastify";
import type { Scheduler } from "../scheduler.js";
import type { EnvMetrics } from "./env-metrics.js";
import { HttpError } from "./http-errors.js";
import type { RunJournal } from "./run-journal.js";
import { activeRunView, endedRunView, listRuns, listTasks, streamView, taskView } from "./views.js";

/** A path parameter: a task, run or dead-letter id. */
export const idParams = {
  type: "object",
  properties: { id: { type: "string", minLength: 1, maxLength: 512 } },
  required: ["id"],
  additionalProperties: false,
} as const;

const runStatuses = ["init", "running", "paused", "stopped", "finished", "failed"];

const num = { type: ["number", "null"] } as const;
/** JSON schema of a RunView: fastify serialises `GET /runs` with it (fast-json-stringify). */
const runViewSchema = {
  type: "object",
  properties: {
    taskId: { type: "string" },
    runId: { type: "string" },
    status: { type: "string" },
    ended: { type: "boolean" },
    waiting: { type: ["string", "null"] },
    attempt: { type: "integer" },
    startTime: num,
    endTime: num,
    now: num,
    total: num,
    progress: num,
    usedMs: { type: "number" },
    remainMs: num,
    pausedMs: { type: "number" },
    pausedSince: num,
    msg: { type: ["string", "null"] },
    graph: {
      type: ["object", "null"],
      properties: { graphId: { type: "string" }, instanceId: { type: "string" }, node: { type: "string" } },
    },
  },
  required: ["taskId", "runId", "status", "ended", "attempt", "usedMs", "pausedMs"],
} as const;

/** Every route, for `GET /info` and the 404 message. */
export const ROUTES = [
  "GET /",
  "GET /info",
  "GET /tasks",
  "GET /tasks/:id",
  "GET /runs?task=&status=&limit=",
  "GET /runs/:id",
  "GET /dead-letters",
  "GET /graphs",
  "GET /graphs/:id",
  "GET /graphs/:id/instances?status=&limit=",
  "GET /graph-instances/:id",
  "GET /streams",
  "GET /streams/:id",
  "GET /events?types=&tasks= (Server-Sent Events)",
  "GET /ws?types=&tasks= (WebSocket)",
  "GET /metrics",
  "POST /tasks/:id/run {input?}",
  "POST /tasks/:id/pause",
  "POST /tasks/:id/resume",
  "POST /tasks/:id/stop {reason?}",
  "POST /tasks/:id/savepoint",
  "POST /tasks/:id/cancel",
  "POST /dead-letters/:id/replay",
  "DELETE /dead-letters/:id",
  "POST /graphs/:id/run {input?}",
  "POST /graphs/:id/pause",
  "POST /graphs/:id/resume",
  "POST /graphs/:id/stop {reason?}",
  "POST /graph-instances/:id/stop {reason?}",
  "POST /graph-instances/:id/rerun {kind: node|downstream|failed, node?}",
];

/** What the read routes need. */
export interface ReadContext {
  readonly scheduler: Scheduler;
  readonly journal: RunJournal;
  readonly envMetrics: EnvMetrics;
  readonly now: () => number;
  readonly info: () => Record<string, unknown>;
}

/** The task's handle, or a 404 naming it. */
export function taskOr404(scheduler: Scheduler, id: string) {
  const h = scheduler.task(id);
  if (h === undefined) throw new HttpError(404, `no task "${id}"; GET /tasks lists them`);
  return h;
}

/** Registers the read routes: info, tasks, runs, dead letters, streams, metrics. */
export function registerReadRoutes(app: FastifyInstance, ctx: ReadContext): void {
  const { scheduler, journal } = ctx;
  app.get("/info", async () => ({ ...ctx.info(), routes: ROUTES }));

  app.get("/tasks", async () => listTasks(scheduler));

  app.get<{ Params: { id: string } }>("/tasks/:id", { schema: { params: idParams } }, async (req) => {
    const h = taskOr404(scheduler, req.params.id);
    const runs = scheduler.runs().filter((r) => r.taskId === h.id);
    return { ...taskView(h, runs.length), runs: runs.map(activeRunView) };
  });

  app.get<{ Querystring: { task?: string; status?: string; limit?: string } }>(
    "/runs",
    {
      schema: {
        querystring: {
          type: "object",
          properties: {
            task: { type: "string", minLength: 1, maxLength: 512 },
            status: { type: "string", enum: runStatuses },
            // query values are strings (no type coercion, so that bodies are never coerced either)
            limit: {
              type: "string",
              pattern: "^[1-9][0-9]{0,3}$|^10000$",
              description: "must be an integer from 1 to 10000",
            },
          },
          additionalProperties: false,
        },
        response: { 200: { type: "array", items: runViewSchema } },
      },
    },
    async (req) => {
      const { limit, ...rest } = req.query;
      return listRuns(scheduler, journal, {
        ...rest,
        ...(limit === undefined ? {} : { limit: Number(limit) }),
      });
    },
  );

  app.get<{ Params: { id: string } }>("/runs/:id", { schema: { params: idParams } }, async (req) => {
    const id = req.params.id;
    const active = scheduler.runs().find((r) => r.runId === id);
    if (active !== undefined) return activeRunView(active);
    const ended = journal.get(id);
    if (ended === undefined)
      throw new HttpError(404, `no run "${id}" active or among the last ${journal.capacity} ended runs`);
    return endedRunView(ended);
  });

  app.get("/dead-letters", async () => scheduler.deadLetters.list());

  app.get("/streams", async () => {
    const now = ctx.now();
    return scheduler
      .tasks()
      .filter((h) => h.kind === "stream")
      .map((h) => streamView(h, now));
  });

  app.get<{ Params: { id: string } }>("/streams/:id", { schema: { params: idParams } }, async (req) => {
    const h = taskOr404(scheduler, req.params.id);
    if (h.kind !== "stream") throw new HttpError(404, `task "${h.id}" is not a stream task`);
    return streamView(h, ctx.now());
  });

  app.get("/metrics", async (_req, reply) => {
    const a = await scheduler.metrics.registry.metrics();
    const b = await ctx.envMetrics.registry.metrics();
    return reply.type(scheduler.metrics.registry.contentType).send(`${a}\n${b}`);
  });
}
