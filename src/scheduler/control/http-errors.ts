import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ConfigError, LifecycleError, MassError, TaskError } from "../../errors.js";
import type { Logger } from "../../util/logger.js";

/** The body of every error answer: `{ statusCode, error, message, field? }` (never a stack). */
export interface ErrorBody {
  readonly statusCode: number;
  /** The HTTP reason phrase, e.g. `"Bad Request"`. */
  readonly error: string;
  /** What is wrong and what to do. */
  readonly message: string;
  /** For a validation error: the offending field, e.g. `"body.reason"`, `"params.id"`, `"querystring.limit"`. */
  readonly field?: string;
}

/** An HTTP error a route throws on purpose (404, 409...). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

const PHRASES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** Sends an error answer. */
export function sendError(
  reply: FastifyReply,
  statusCode: number,
  message: string,
  field?: string,
): FastifyReply {
  const body: ErrorBody = {
    statusCode,
    error: PHRASES[statusCode] ?? "Error",
    message,
    ...(field === undefined ? {} : { field }),
  };
  return reply.code(statusCode).type("application/json; charset=utf-8").send(body);
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  /** With ajv's `verbose`: the schema holding the failed keyword (its `description` says what is expected). */
  parentSchema?: { description?: string };
}

/**
 * The field an ajv error is about, e.g. `body.reason` (`/reason` under `body`), with the name of
 * a missing or unknown property appended.
 */
function fieldOf(e: AjvError, part: string): string {
  const path = e.instancePath
    .split("/")
    .filter((s) => s.length > 0)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  const extra = e.params.missingProperty ?? e.params.additionalProperty;
  if (typeof extra === "string") path.push(extra);
  return [part, ...path].join(".");
}

/** Turns ajv errors into one message naming the field (fastify's `schemaErrorFormatter`). */
export function schemaErrorFormatter(errors: readonly AjvError[], part: string): Error {
  const e = errors[0];
  const field = fieldOf(e, part);
  let message: string;
  if (e.keyword === "additionalProperties") message = `${field}: unknown field (not accepted here)`;
  else if (e.keyword === "required") message = `${field}: required field missing`;
  else if (e.keyword === "pattern" && e.parentSchema?.description !== undefined)
    message = `${field} ${e.parentSchema.description}`;
  else message = `${field} ${e.message ?? "is invalid"}`;
  const err = new Error(message) as Error & { field: string };
  err.field = field;
  return err;
}

/**
 * Installs the error and not-found handlers: validation errors are 400 naming the field; HTTP
 * errors keep their status; Mass errors map to 400 (ConfigError), 409 (TaskError,
 * LifecycleError); anything else is a 500 whose body says only that (the error goes to the log,
 * never a stack to the client).
 */
export function installErrorHandlers(app: FastifyInstance, logger: Logger): void {
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) =>
    sendError(reply, 404, `no route ${req.method} ${req.url.split("?")[0]}; GET /info lists the routes`),
  );
  app.setErrorHandler((err: FastifyError & { field?: string }, req: FastifyRequest, reply: FastifyReply) => {
    if (err.validation !== undefined) {
      const field =
        err.field ?? (err.validationContext === undefined ? undefined : String(err.validationContext));
      return sendError(reply, 400, err.message, field);
    }
    if (err instanceof HttpError) return sendError(reply, err.statusCode, err.message);
    if (err instanceof ConfigError) return sendError(reply, 400, err.message);
    if (err instanceof LifecycleError || err instanceof TaskError) return sendError(reply, 409, err.message);
    const status = typeof err.statusCode === "number" ? err.statusCode : 500;
    if (status === 415)
      return sendError(
        reply,
        415,
        `content-type "${req.headers["content-type"] ?? ""}" is not accepted: send application/json`,
      );
    if (status >= 400 && status < 500) return sendError(reply, status, err.message);
    logger.error(
      { err, method: req.method, url: req.url, massError: err instanceof MassError },
      "control plane: request failed",
    );
    return sendError(reply, 500, "internal error (see the server log)");
  });
}
