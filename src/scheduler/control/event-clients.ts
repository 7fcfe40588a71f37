import type { ServerResponse } from "node:http";
import type { WebSocket } from "ws";
import type { EventClient, EventFilter, PreparedEvent } from "./event-hub.js";

/**
 * A Server-Sent Events client: one `text/event-stream` response; each event is
 * `id: <seq>\nevent: <type>\ndata: <json>\n\n` (listen with `addEventListener("lifecycle", ...)`).
 */
export class SseClient implements EventClient {
  readonly kind = "sse";
  constructor(
    private readonly res: ServerResponse,
    readonly filter: EventFilter,
  ) {}

  buffered(): number {
    return this.res.writableLength;
  }

  send(events: readonly PreparedEvent[], chunk?: string): void {
    this.res.write(chunk ?? sseChunk(events));
  }

  ping(): void {
    this.res.write(": keep-alive\n\n");
  }

  close(): void {
    this.res.destroy();
  }
}

/** The SSE text of events (one `id:`, `event:`, `data:` block each). */
export function sseChunk(events: readonly PreparedEvent[]): string {
  let chunk = "";
  for (const p of events) chunk += `id: ${p.seq}\nevent: ${p.event.type}\ndata: ${p.json}\n\n`;
  return chunk;
}

/** A WebSocket client: one text message per event (the event's JSON, `type` inside). */
export class WsClient implements EventClient {
  readonly kind = "ws";
  constructor(
    private readonly socket: WebSocket,
    readonly filter: EventFilter,
  ) {}

  buffered(): number {
    return this.socket.bufferedAmount;
  }

  send(events: readonly PreparedEvent[]): void {
    for (const p of events) this.socket.send(p.json);
  }

  ping(): void {
    this.socket.ping();
  }

  close(reason: string): void {
    // 1008 "policy violation" for a slow client, then the socket is torn down without waiting
    if (reason.startsWith("slow")) this.socket.close(1008, reason.slice(0, 120));
    this.socket.terminate();
  }
}
