import type { FastifyInstance } from "fastify";
import { describeError } from "../../errors.js";
import type { Logger } from "../../util/logger.js";
import type { GraphHandle } from "../graph/graph-handle.js";
import type { GraphInstanceStatus, RerunKind } from "../graph/graph-types.js";
import type { Scheduler } from "../scheduler.js";
import { graphView, instanceSummary, instanceView } from "./graph-views.js";
import { HttpError } from "./http-errors.js";
import { idParams } from "./read-routes.js";

const instanceStatuses = ["waiting", "running", "succeeded", "failed", "stopped"];
const emptyBody = { type: "object", properties: {}, additionalProperties: false } as const;

/** The graph's handle, or a 404 naming it. */
function graphOr404(scheduler: Scheduler, id: string): GraphHandle {
  const h = scheduler.graph(id);
  if (h === undefined) throw new HttpError(404, `no graph "${id}"; GET /graphs lists them`);
  return h;
}

/** The instance and its graph's handle, or a 404 naming it. */
function instanceOr404(scheduler: Scheduler, id: string) {
  const found = scheduler.graphInstance(id);
  if (found === undefined)
    throw new HttpError(404, `no graph instance "${id}"; GET /graphs/:id/instances lists them`);
  return found;
}

/**
 * Registers the execution-graph routes (see docs/control-plane.md): reads of graphs and their
 * instances with node states; acts (behind the token, checked before them): a new instance, pause,
 * resume, stop a graph, stop an instance, and the three reruns of a finished instance.
 */
export function registerGraphRoutes(app: FastifyInstance, scheduler: Scheduler, logger: Logger): void {
  app.get("/graphs", async () => scheduler.graphs().map(graphView));

  app.get<{ Params: { id: string } }>("/graphs/:id", { schema: { params: idParams } }, async (req) =>
    graphView(graphOr404(scheduler, req.params.id)),
  );

  app.get<{ Params: { id: string }; Querystring: { status?: GraphInstanceStatus; limit?: string } }>(
    "/graphs/:id/instances",
    {
      schema: {
        params: idParams,
        querystring: {
          type: "object",
          properties: {
            status: { type: "string", enum: instanceStatuses },
            limit: {
              type: "string",
              pattern: "^[1-9][0-9]{0,3}$|^10000$",
              description: "must be an integer from 1 to 10000",
            },
          },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const h = graphOr404(scheduler, req.params.id);
      const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
      return h
        .instances({ ...(req.query.status === undefined ? {} : { status: req.query.status }), limit })
        .map(instanceSummary);
    },
  );

  app.get<{ Params: { id: string } }>(
    "/graph-instances/:id",
    { schema: { params: idParams } },
    async (req) => {
      const { handle, instance } = instanceOr404(scheduler, req.params.id);
      return instanceView(handle, instance);
    },
  );

  app.post<{ Params: { id: string }; Body: { input?: unknown } }>(
    "/graphs/:id/run",
    {
      schema: {
        params: idParams,
        body: { type: "object", properties: { input: {} }, additionalProperties: false },
      },
    },
    async (req, reply) => {
      const instanceId = graphOr404(scheduler, req.params.id).sched(req.body.input);
      return reply.code(201).send({ instanceId });
    },
  );

  for (const action of ["pause", "resume"] as const) {
    app.post<{ Params: { id: string } }>(
      `/graphs/:id/${action}`,
      { schema: { params: idParams, body: emptyBody } },
      async (req) => {
        const h = graphOr404(scheduler, req.params.id);
        h[action]();
        return graphView(h);
      },
    );
  }

  const reasonBody = {
    type: "object",
    properties: { reason: { type: "string", maxLength: 1000 } },
    additionalProperties: false,
  } as const;

  app.post<{ Params: { id: string }; Body: { reason?: string } }>(
    "/graphs/:id/stop",
    { schema: { params: idParams, body: reasonBody } },
    async (req, reply) => {
      const h = graphOr404(scheduler, req.params.id);
      const reason = req.body.reason === undefined ? undefined : new Error(req.body.reason);
      h.stop(reason).catch((err) =>
        logger.error({ graph: h.id, err: describeError(err) }, "control plane: graph stop failed"),
      );
      return reply.code(202).send(graphView(h));
    },
  );

  app.post<{ Params: { id: string }; Body: { reason?: string } }>(
    "/graph-instances/:id/stop",
    { schema: { params: idParams, body: reasonBody } },
    async (req, reply) => {
      const { handle, instance } = instanceOr404(scheduler, req.params.id);
      if (instance.status !== "waiting" && instance.status !== "running")
        throw new HttpError(
          409,
          `graph instance "${instance.id}" is ${instance.status}: only an unfinished one stops`,
        );
      const reason = req.body.reason === undefined ? undefined : new Error(req.body.reason);
      handle
        .stopInstance(instance.id, reason)
        .catch((err) =>
          logger.error(
            { instance: instance.id, err: describeError(err) },
            "control plane: instance stop failed",
          ),
        );
      return reply.code(202).send({ instanceId: instance.id });
    },
  );

  app.post<{ Params: { id: string }; Body: { kind: RerunKind; node?: string } }>(
    "/graph-instances/:id/rerun",
    {
      schema: {
        params: idParams,
        body: {
          type: "object",
          properties: {
            kind: { type: "string", enum: ["node", "downstream", "failed"] },
            node: { type: "string", minLength: 1, maxLength: 512 },
          },
          required: ["kind"],
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      const { handle, instance } = instanceOr404(scheduler, req.params.id);
      const { kind, node } = req.body;
      if (kind !== "failed" && node === undefined)
        throw new HttpError(400, `body.node: required for a "${kind}" rerun (the node to run again)`);
      // TaskError (unfinished instance) answers 409, ConfigError (unknown node) 400
      const nodes = handle.rerun(instance.id, kind, node);
      return reply.code(202).send({ instanceId: instance.id, kind, nodes });
    },
  );
}
