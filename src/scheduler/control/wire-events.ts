import type { SchedulerEvent } from "../events.js";
import type { RunStatus } from "../task-run.js";

/**
 * A lifecycle event on the wire (SSE `event: lifecycle`, or a WebSocket message): the batch
 * component's `{ id, status, msg, occurAt }` with the run id and attempt. `id` is the task id,
 * `occurAt` epoch ms.
 */
export interface WireLifecycleEvent {
  readonly type: "lifecycle";
  readonly id: string;
  readonly runId: string;
  readonly status: RunStatus;
  readonly msg: string;
  readonly occurAt: number;
  readonly attempt: number;
}

/**
 * A progress event on the wire: the batch component's `{ id, progress, startTime, usedTime,
 * remainTime }` (`progress` in [0, 1] or `null` without a total; `startTime` epoch ms; `usedTime`
 * and `remainTime` in ms, paused time left out; `remainTime` `null` when unknown), with the run
 * id and the raw `now` / `total` units.
 */
export interface WireProgressEvent {
  readonly type: "progress";
  readonly id: string;
  readonly runId: string;
  readonly now: number;
  readonly total: number | null;
  readonly progress: number | null;
  readonly startTime: number;
  readonly usedTime: number;
  readonly remainTime: number | null;
}

/** A task's own event (`bus.emit(event, payload)`) on the wire; `payload` as JSON (`null` when it has no JSON form). */
export interface WireCustomEvent {
  readonly type: "custom";
  readonly id: string;
  readonly runId: string;
  readonly event: string;
  readonly payload: unknown;
  readonly occurAt: number;
}

/**
 * A graph instance or one of its nodes changed state (see docs/scheduler.md, "Execution
 * graphs"): `id` is the graph id (as `graphId`), `node` `null` for the instance itself.
 */
export interface WireGraphEvent {
  readonly type: "graph";
  readonly id: string;
  readonly graphId: string;
  readonly instanceId: string;
  readonly node: string | null;
  /** A node's (`waiting`, `running`, `succeeded`, `failed`, `skipped`, `stopped`) or the instance's state. */
  readonly status: string;
  readonly msg: string;
  readonly occurAt: number;
}

/** Every event the control plane streams. */
export type WireEvent = WireLifecycleEvent | WireProgressEvent | WireCustomEvent | WireGraphEvent;

/** The event types a client may filter on (`?types=lifecycle,progress`). */
export const wireEventTypes = ["lifecycle", "progress", "custom", "graph"] as const;

/** Converts a scheduler event to its wire shape. */
export function toWireEvent(e: SchedulerEvent): WireEvent {
  switch (e.type) {
    case "lifecycle":
      return {
        type: "lifecycle",
        id: e.id,
        runId: e.runId,
        status: e.status,
        msg: e.msg,
        occurAt: e.occurAt,
        attempt: e.attempt,
      };
    case "progress":
      return {
        type: "progress",
        id: e.id,
        runId: e.runId,
        now: e.now,
        total: e.total ?? null,
        progress: e.progress ?? null,
        startTime: e.startTime,
        usedTime: e.usedMs,
        remainTime: e.remainMs ?? null,
      };
    case "custom":
      return {
        type: "custom",
        id: e.id,
        runId: e.runId,
        event: e.event,
        payload: e.payload,
        occurAt: e.occurAt,
      };
    case "graph":
      return {
        type: "graph",
        id: e.graphId,
        graphId: e.graphId,
        instanceId: e.instanceId,
        node: e.node ?? null,
        status: e.status,
        msg: e.msg,
        occurAt: e.occurAt,
      };
  }
}

/**
 * JSON of a wire event; a custom payload that JSON cannot represent (a cycle, a BigInt) is sent
 * as `null` with `payloadError` saying why, instead of failing the stream.
 */
export function wireJson(e: WireEvent): string {
  try {
    return JSON.stringify(e);
  } catch (err) {
    return JSON.stringify({ ...e, payload: null, payloadError: (err as Error).message });
  }
}
