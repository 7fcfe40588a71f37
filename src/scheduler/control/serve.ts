import websocket from "@fastify/websocket";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { ConfigError } from "../../errors.js";
import { getDefaultLogger, type Logger } from "../../util/logger.js";
import { checkInt, checkKeys } from "../../util/validate.js";
import type { Scheduler } from "../scheduler.js";
import { registerActRoutes } from "./act-routes.js";
import { bearerToken, isLoopbackHost, randomToken, tokenMatches, websocketToken } from "./auth.js";
import { registerDashboardRoutes } from "./dashboard-routes.js";
import { EnvMetrics, type LiveEnv } from "./env-metrics.js";
import { EventHub } from "./event-hub.js";
import { registerEventRoutes } from "./event-routes.js";
import { registerGraphRoutes } from "./graph-routes.js";
import { installErrorHandlers, schemaErrorFormatter, sendError } from "./http-errors.js";
import { registerReadRoutes } from "./read-routes.js";
import { RunJournal } from "./run-journal.js";

/** Options of `scheduler.serve(options)` (see docs/control-plane.md). */
export interface ServeOptions {
  /**
   * Address to listen on. Default `"127.0.0.1"` (loopback only). On any other address every
   * route (reads too) needs the token, and a token must be given.
   */
  host?: string;
  /** TCP port; 0 picks a free one (read it from `server.port`). Default 9860. */
  port?: number;
  /**
   * The bearer token every mutating route needs (`Authorization: Bearer <token>`). Default on
   * loopback: a random one, at `server.token`. Required on another host. Default
   * `process.env.MASS_TOKEN` when set.
   */
  token?: string;
  /** Where errors go. Default: the scheduler's default logger (pino). */
  logger?: Logger;
  /** Ended runs remembered for `GET /runs`. Default 1,000. */
  history?: number;
  /** Bytes an event client (SSE or WebSocket) may have buffered before it is disconnected. Default 1 MiB. */
  eventBufferBytes?: number;
  /** Event clients at once. Default 1,000. */
  maxEventClients?: number;
  /** Events are gathered this long (ms) and written to each client at once. Default 25. */
  eventFlushMs?: number;
  /** Serve the web dashboard at `/`. Default true. */
  dashboard?: boolean;
  /** Close the server when the scheduler stops. Default true. */
  closeWithScheduler?: boolean;
}

const serveKeys = [
  "host",
  "port",
  "token",
  "logger",
  "history",
  "eventBufferBytes",
  "maxEventClients",
  "eventFlushMs",
  "dashboard",
  "closeWithScheduler",
];

/** The running control plane. */
export interface ControlServer {
  /** Base URL, e.g. `http://127.0.0.1:9860`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The bearer token (the one given, or the generated one). */
  readonly token: string;
  /** Whether reads are open without a token (loopback only). */
  readonly loopback: boolean;
  /** The live event fan-out: `size` (clients), `dropped`, and `drop` / `client` events. */
  readonly events: EventHub;
  /** The fastify instance, already listening (`app.inject()` requests, read `app.server`). */
  readonly app: FastifyInstance;
  /** Closes the server: event clients disconnected, listening stopped. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the HTTP control plane of `scheduler` (fastify): read routes (tasks, runs with
 * progress, dead letters, stream tasks' Env stats, `/metrics` in Prometheus text format), act
 * routes behind a bearer token compared in constant time, live events over Server-Sent Events
 * and WebSocket (bounded per client: a slow client is disconnected, the scheduler never waits),
 * and the web dashboard. Same as `scheduler.serve(options)`.
 * @throws ConfigError for unknown or bad options, or a non-loopback host without a token;
 *   the listen error (e.g. `EADDRINUSE`) when the port is taken.
 */
export async function serve(scheduler: Scheduler, options: ServeOptions = {}): Promise<ControlServer> {
  checkKeys("serve options", options, serveKeys);
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || host.length === 0)
    throw new ConfigError('serve options.host must be a non-empty string, e.g. "127.0.0.1"');
  const port = checkInt("serve options.port", options.port ?? 9860, 0, 65_535);
  const loopback = isLoopbackHost(host);
  const given = options.token ?? process.env.MASS_TOKEN;
  if (given !== undefined && (typeof given !== "string" || given.length < 8))
    throw new ConfigError("serve options.token must be a string of at least 8 characters");
  if (!loopback && given === undefined)
    throw new ConfigError(
      `serve: host "${host}" is not loopback: every route needs a token there; pass serve({ token }) or MASS_TOKEN`,
    );
  const token = given ?? randomToken();
  const logger = options.logger ?? getDefaultLogger();
  const history = checkInt("serve options.history", options.history ?? 1000, 1);

  const journal = new RunJournal(history);
  const onLifecycle = (e: Parameters<typeof journal.record>[0]) => journal.record(e);
  scheduler.on("lifecycle", onLifecycle);
  const hub = new EventHub(scheduler, {
    maxBufferBytes: checkInt("serve options.eventBufferBytes", options.eventBufferBytes ?? 1 << 20, 1),
    maxClients: checkInt("serve options.maxEventClients", options.maxEventClients ?? 1000, 1),
    flushMs: checkInt("serve options.eventFlushMs", options.eventFlushMs ?? 25, 0),
  });
  hub.on("drop", (c: { kind: string }, reason: string) =>
    logger.warn({ client: c.kind, reason }, "control plane: event client disconnected"),
  );
  const envMetrics = new EnvMetrics(() => liveEnvs(scheduler));

  const app = Fastify({
    logger: false,
    bodyLimit: 1 << 20,
    routerOptions: { maxParamLength: 1024 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false, verbose: true } },
    schemaErrorFormatter: schemaErrorFormatter as never,
    forceCloseConnections: true,
  });
  installErrorHandlers(app, logger);
  await app.register(websocket, {
    options: {
      maxPayload: 64 * 1024,
      handleProtocols: (protocols: Set<string>) => {
        for (const p of protocols) if (p.startsWith("bearer.")) return p;
        return false;
      },
    },
  });

  const needsToken = (req: FastifyRequest): boolean => {
    if (req.method !== "GET" && req.method !== "HEAD") return true;
    if (loopback) return false;
    const path = req.url.split("?")[0];
    return !(path === "/" || path.startsWith("/dashboard/"));
  };
  app.addHook("onRequest", async (req: FastifyRequest, reply: FastifyReply) => {
    // on loopback, reads need no token: refuse other Host names, so that a web page whose DNS
    // name was rebound to 127.0.0.1 cannot read the routes from a browser (DNS rebinding)
    if (loopback && !isLoopbackHost(hostName(req.headers.host)))
      return sendError(
        reply,
        403,
        `Host "${req.headers.host ?? ""}" not allowed: use 127.0.0.1 or localhost`,
      );
    if (!needsToken(req)) return;
    const presented =
      bearerToken(req.headers.authorization) ?? websocketToken(req.headers["sec-websocket-protocol"]);
    if (presented === undefined) {
      reply.header("www-authenticate", 'Bearer realm="mass"');
      return sendError(reply, 401, "this route needs Authorization: Bearer <token> (the serve() token)");
    }
    if (!tokenMatches(presented, token)) {
      reply.header("www-authenticate", 'Bearer realm="mass", error="invalid_token"');
      return sendError(reply, 401, "wrong token");
    }
  });
  // POST routes may come without a body: validate an empty object then
  app.addHook("preValidation", async (req: FastifyRequest) => {
    if (req.method !== "GET" && req.body === undefined) (req as { body: unknown }).body = {};
  });

  const started = Date.now();
  registerReadRoutes(app, {
    scheduler,
    journal,
    envMetrics,
    now: Date.now,
    info: () => ({
      name: "mass-stream control plane",
      state: scheduler.state,
      concurrency: scheduler.concurrency,
      mode: scheduler.mode,
      now: Date.now(),
      startedAt: started,
      loopback,
      eventClients: hub.size,
    }),
  });
  registerActRoutes(app, scheduler, logger);
  registerGraphRoutes(app, scheduler, logger);
  registerEventRoutes(app, hub);
  if (options.dashboard ?? true) await registerDashboardRoutes(app);

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      scheduler.off("lifecycle", onLifecycle as never);
      hub.close();
      await app.close();
    })();
    return closing;
  };
  app.addHook("preClose", async () => hub.close());

  try {
    await app.listen({ host, port });
  } catch (err) {
    await close();
    throw err;
  }
  const address = app.server.address();
  const boundPort = typeof address === "object" && address !== null ? address.port : port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  if (options.closeWithScheduler ?? true) scheduler.onStopped(() => void close());
  if (given === undefined)
    logger.info({ url: `http://${urlHost}:${boundPort}` }, "control plane: token generated (server.token)");
  return {
    url: `http://${urlHost}:${boundPort}`,
    host,
    port: boundPort,
    token,
    loopback,
    events: hub,
    app,
    close,
  };
}

/** The host name of a Host header (`127.0.0.1:9860` -> `127.0.0.1`, `[::1]:80` -> `::1`). */
function hostName(host: string | undefined): string {
  if (host === undefined) return "";
  const m = /^\[([^\]]+)\]/.exec(host);
  if (m !== null) return m[1];
  const i = host.lastIndexOf(":");
  return i >= 0 && host.indexOf(":") === i ? host.slice(0, i) : host;
}

function* liveEnvs(scheduler: Scheduler): Iterable<LiveEnv> {
  for (const h of scheduler.tasks()) {
    if (h.kind !== "stream") continue;
    for (const [runId, env] of h.liveEnvs()) yield { task: h.id, runId, env };
  }
}
