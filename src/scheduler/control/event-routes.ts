import type { FastifyInstance } from "fastify";
import { SseClient, WsClient } from "./event-clients.js";
import type { EventFilter, EventHub } from "./event-hub.js";
import { HttpError } from "./http-errors.js";
import { wireEventTypes } from "./wire-events.js";

interface FilterQuery {
  types?: string;
  tasks?: string;
}

const filterQuery = {
  type: "object",
  properties: {
    types: {
      type: "string",
      pattern: `^(${wireEventTypes.join("|")})(,(${wireEventTypes.join("|")}))*$`,
      maxLength: 100,
      description: `must be a comma-separated list of ${wireEventTypes.join(", ")}`,
    },
    tasks: { type: "string", minLength: 1, maxLength: 4096 },
  },
  additionalProperties: false,
} as const;

function filterOf(q: FilterQuery): EventFilter {
  return {
    ...(q.types === undefined ? {} : { types: new Set(q.types.split(",")) }),
    ...(q.tasks === undefined ? {} : { tasks: new Set(q.tasks.split(",")) }),
  };
}

/**
 * Registers the live event routes: `GET /events` (Server-Sent Events) and `GET /ws` (WebSocket),
 * both filtered by `?types=lifecycle,progress,custom` and `?tasks=a,b`. A full hub answers 503
 * (SSE) or closes with code 1013 "try again later" (WebSocket).
 */
export function registerEventRoutes(app: FastifyInstance, hub: EventHub): void {
  app.get<{ Querystring: FilterQuery }>("/events", { schema: { querystring: filterQuery } }, (req, reply) => {
    if (!hub.accepting) throw new HttpError(503, "too many event clients (serve options.maxEventClients)");
    const res = reply.raw;
    const client = new SseClient(res, filterOf(req.query));
    reply.hijack();
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    if (!hub.add(client)) {
      res.end();
      return;
    }
    res.write("retry: 2000\n: connected\n\n");
    req.raw.socket.setNoDelay(true);
    res.on("close", () => hub.remove(client));
  });

  app.get<{ Querystring: FilterQuery }>(
    "/ws",
    { websocket: true, schema: { querystring: filterQuery } },
    (socket, req) => {
      const client = new WsClient(socket, filterOf(req.query));
      if (!hub.add(client)) {
        socket.close(1013, "too many event clients");
        return;
      }
      socket.on("close", () => hub.remove(client));
      socket.on("error", () => hub.remove(client));
      // the socket is for events only: messages from the client are ignored
    },
  );
}
