import { EventEmitter } from "node:events";
import type { SchedulerEvent } from "../events.js";
import { sseChunk } from "./event-clients.js";
import { toWireEvent, type WireEvent, wireJson } from "./wire-events.js";

/** One event ready to send: its wire form, JSON and sequence number (SSE `id:`). */
export interface PreparedEvent {
  readonly seq: number;
  readonly event: WireEvent;
  readonly json: string;
}

/** What a client wants: event types and task ids (`undefined` = all). */
export interface EventFilter {
  readonly types?: ReadonlySet<string>;
  readonly tasks?: ReadonlySet<string>;
}

/**
 * A connected event client (an SSE response or a WebSocket), as the hub sees it.
 */
export interface EventClient {
  /** `sse` or `ws`, for logs and metrics. */
  readonly kind: "sse" | "ws";
  readonly filter: EventFilter;
  /** Bytes written to the client and not yet taken by the operating system. */
  buffered(): number;
  /**
   * Sends events (already filtered), in order. `sse` is their SSE text when the hub built it
   * already (it does once per flush for all clients that take every event).
   */
  send(events: readonly PreparedEvent[], sse?: string): void;
  /** Sends a keep-alive (SSE comment, WebSocket ping). */
  ping(): void;
  /** Disconnects (destroys the socket); `reason` is for the log. */
  close(reason: string): void;
}

/** Options of {@link EventHub}. */
export interface EventHubOptions {
  /** Bytes a client may have buffered before it is disconnected as too slow. Default 1 MiB. */
  maxBufferBytes?: number;
  /** Events are gathered for this long (ms) and sent in one write per client. Default 25. */
  flushMs?: number;
  /** Events gathered that force a flush before `flushMs`. Default 1,000. */
  maxPending?: number;
  /** Keep-alive interval, ms. Default 15,000. */
  pingMs?: number;
  /** Clients at once; one more is refused. Default 1,000. */
  maxClients?: number;
}

/** Where the hub listens (the scheduler's `on` / `off`). */
export interface EventSourceLike {
  on(type: "*", fn: (e: SchedulerEvent) => void): unknown;
  off(type: "*", fn: (e: never) => void): unknown;
}

/**
 * Fans the scheduler's events out to SSE and WebSocket clients without ever blocking the
 * scheduler: events are converted and serialised once, gathered for `flushMs` (progress events of
 * one run coalesced to the latest) and written to each client in one write. A client whose
 * buffered bytes exceed `maxBufferBytes` (it reads slower than events come, or stopped reading)
 * is disconnected: the `drop` event says which and why. The hub listens to the scheduler only
 * while it has clients (the scheduler builds no event objects otherwise).
 *
 * Events: `client (client)` on connect, `leave (client)` when a client is gone (any reason),
 * `drop (client, reason)` when one was disconnected as too slow.
 */
export class EventHub extends EventEmitter {
  readonly maxBufferBytes: number;
  private readonly flushMs: number;
  private readonly maxPending: number;
  private readonly maxClients: number;
  private readonly clients = new Set<EventClient>();
  private pending: { event: WireEvent; json: string }[] = [];
  /** Index in `pending` of each run's latest progress event. */
  private progressAt = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly pingTimer: NodeJS.Timeout;
  private seq = 0;
  private closed = false;
  /** Clients disconnected for being too slow, since the start. */
  dropped = 0;
  /** Events sent (each counted once, whatever the number of clients). */
  sent = 0;
  private readonly listener = (e: SchedulerEvent) => this.push(e);

  constructor(
    private readonly source: EventSourceLike,
    options: EventHubOptions = {},
  ) {
    super();
    this.maxBufferBytes = options.maxBufferBytes ?? 1 << 20;
    this.flushMs = options.flushMs ?? 25;
    this.maxPending = options.maxPending ?? 1000;
    this.maxClients = options.maxClients ?? 1000;
    this.pingTimer = setInterval(() => this.pingAll(), options.pingMs ?? 15_000);
    this.pingTimer.unref();
  }

  /** Clients connected. */
  get size(): number {
    return this.clients.size;
  }

  /** Whether one more client would be accepted (open and not full). */
  get accepting(): boolean {
    return !this.closed && this.clients.size < this.maxClients;
  }

  /**
   * Adds a client.
   * @returns false when the hub is closed or full (the caller refuses the connection).
   */
  add(client: EventClient): boolean {
    if (this.closed || this.clients.size >= this.maxClients) return false;
    if (this.clients.size === 0) this.source.on("*", this.listener);
    this.clients.add(client);
    this.emit("client", client);
    return true;
  }

  /** Removes a client (it disconnected). */
  remove(client: EventClient): void {
    if (!this.clients.delete(client)) return;
    this.emit("leave", client);
    if (this.clients.size === 0) {
      this.source.off("*", this.listener);
      this.pending = [];
      this.progressAt.clear();
    }
  }

  /** Disconnects every client and stops. */
  close(): void {
    this.closed = true;
    clearInterval(this.pingTimer);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const c of [...this.clients]) {
      this.remove(c);
      c.close("server closing");
    }
  }

  private push(e: SchedulerEvent): void {
    const event = toWireEvent(e);
    const prepared = { event, json: wireJson(event) };
    if (event.type === "progress") {
      const at = this.progressAt.get(event.runId);
      if (at !== undefined) {
        this.pending[at] = prepared; // keep the position, send the latest figures
        return;
      }
      this.progressAt.set(event.runId, this.pending.length);
    }
    this.pending.push(prepared);
    if (this.pending.length >= this.maxPending) this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  private flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const pending = this.pending;
    this.pending = [];
    this.progressAt.clear();
    if (pending.length === 0) return;
    // sequence numbers in sending order (SSE `id:`), coalesced progress included
    const batch: PreparedEvent[] = pending.map((p) => ({ seq: ++this.seq, event: p.event, json: p.json }));
    this.sent += batch.length;
    let all: string | undefined; // the SSE text of the whole batch, built once for unfiltered SSE clients
    for (const c of [...this.clients]) {
      if (this.tooSlow(c)) continue;
      const f = c.filter;
      if (f.types === undefined && f.tasks === undefined) {
        if (c.kind === "sse") all ??= sseChunk(batch);
        c.send(batch, c.kind === "sse" ? all : undefined);
        continue;
      }
      const mine = batch.filter(
        (p) =>
          (f.types === undefined || f.types.has(p.event.type)) &&
          (f.tasks === undefined || f.tasks.has(p.event.id)),
      );
      if (mine.length > 0) c.send(mine);
    }
  }

  private pingAll(): void {
    for (const c of [...this.clients]) if (!this.tooSlow(c)) c.ping();
  }

  /** Disconnects `c` when its buffer is over the limit. */
  private tooSlow(c: EventClient): boolean {
    const buffered = c.buffered();
    if (buffered <= this.maxBufferBytes) return false;
    const reason = `slow event client: ${buffered} bytes buffered, over the limit of ${this.maxBufferBytes}`;
    this.dropped++;
    this.remove(c);
    c.close(reason);
    this.emit("drop", c, reason);
    return true;
  }
}
