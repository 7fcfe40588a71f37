import type { FastifyInstance } from "fastify";
import { describeError } from "../../errors.js";
import type { Logger } from "../../util/logger.js";
import type { Scheduler } from "../scheduler.js";
import { HttpError } from "./http-errors.js";
import { idParams, taskOr404 } from "./read-routes.js";
import { taskView } from "./views.js";

const emptyBody = { type: "object", properties: {}, additionalProperties: false } as const;

/**
 * Registers the act routes (every one needs the bearer token, checked before them):
 * run now, pause, resume, stop, cancel a task, stop it with a savepoint; replay or discard a dead letter.
 */
export function registerActRoutes(app: FastifyInstance, scheduler: Scheduler, logger: Logger): void {
  const view = (id: string) => {
    const h = taskOr404(scheduler, id);
    return taskView(h, scheduler.runs().filter((r) => r.taskId === id).length);
  };

  app.post<{ Params: { id: string }; Body: { input?: unknown } }>(
    "/tasks/:id/run",
    {
      schema: {
        params: idParams,
        body: { type: "object", properties: { input: {} }, additionalProperties: false },
      },
    },
    async (req, reply) => {
      const h = taskOr404(scheduler, req.params.id);
      const runId = h.sched(req.body.input);
      if (runId === null)
        throw new HttpError(
          409,
          `task "${h.id}" is stopped (or the scheduler is stopping): it takes no new run`,
        );
      return reply.code(201).send({ runId });
    },
  );

  app.post<{ Params: { id: string } }>(
    "/tasks/:id/pause",
    { schema: { params: idParams, body: emptyBody } },
    async (req) => {
      taskOr404(scheduler, req.params.id).pause();
      return view(req.params.id);
    },
  );

  app.post<{ Params: { id: string } }>(
    "/tasks/:id/resume",
    { schema: { params: idParams, body: emptyBody } },
    async (req) => {
      taskOr404(scheduler, req.params.id).resume();
      return view(req.params.id);
    },
  );

  app.post<{ Params: { id: string } }>(
    "/tasks/:id/cancel",
    { schema: { params: idParams, body: emptyBody } },
    async (req) => ({ cancelled: taskOr404(scheduler, req.params.id).cancel() }),
  );

  app.post<{ Params: { id: string }; Body: { reason?: string } }>(
    "/tasks/:id/stop",
    {
      schema: {
        params: idParams,
        body: {
          type: "object",
          properties: { reason: { type: "string", maxLength: 1000 } },
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      const h = taskOr404(scheduler, req.params.id);
      const reason = req.body.reason;
      // answers at once (202): a running run ends at its next proceed(), a stream task drains;
      // the run's end comes as a lifecycle event
      h.stop(reason === undefined ? undefined : new Error(reason)).catch((err) =>
        logger.error({ task: h.id, err: describeError(err) }, "control plane: stop failed"),
      );
      return reply.code(202).send(view(h.id));
    },
  );

  app.post<{ Params: { id: string } }>(
    "/tasks/:id/savepoint",
    { schema: { params: idParams, body: emptyBody } },
    async (req) => {
      const h = taskOr404(scheduler, req.params.id);
      const envs = [...h.liveEnvs().values()];
      if (envs.length === 0) {
        throw new HttpError(
          409,
          `task "${h.id}" has no running stream job: a savepoint is taken of a running one`,
        );
      }
      // stop-with-savepoint of each running Env of the task (its run then ends as stopped)
      const savepoints: string[] = [];
      for (const env of envs) {
        if (env.options.checkpoint === null) {
          throw new HttpError(
            409,
            `task "${h.id}": its Env has no checkpoint option; give envOptions() a checkpoint: { store } to take savepoints`,
          );
        }
        let report: Awaited<ReturnType<typeof env.stop>>;
        try {
          report = await env.stop({ savepoint: true });
        } catch (err) {
          throw new HttpError(409, `task "${h.id}": savepoint failed: ${describeError(err)}`);
        }
        const sp = report?.checkpoints?.savepoint;
        if (sp !== undefined) savepoints.push(sp);
      }
      return { savepoints };
    },
  );

  app.post<{ Params: { id: string } }>(
    "/dead-letters/:id/replay",
    { schema: { params: idParams, body: emptyBody } },
    async (req, reply) => {
      const id = req.params.id;
      if (!scheduler.deadLetters.list().some((e) => e.id === id))
        throw new HttpError(404, `no dead letter "${id}"; GET /dead-letters lists them`);
      const runId = await scheduler.deadLetters.replay(id);
      return reply.code(201).send({ runId });
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/dead-letters/:id",
    { schema: { params: idParams } },
    async (req, reply) => {
      const id = req.params.id;
      if (!scheduler.deadLetters.list().some((e) => e.id === id))
        throw new HttpError(404, `no dead letter "${id}"; GET /dead-letters lists them`);
      await scheduler.deadLetters.discard(id);
      return reply.code(204).send();
    },
  );
}
