import { EventEmitter } from "node:events";
import type { Clock } from "../util/clock.js";
import { EventBuffer, type LifecycleEvent, type SchedulerEvent, SchedulerEvents } from "./events.js";
import type { RunStatus, TaskRun } from "./task-run.js";

/** A listener of `scheduler.on(type, fn)`. @internal */
export type EventListener = (e: SchedulerEvent) => void;

/**
 * Where the scheduler's events go: `on`/`off` listeners and the bounded buffers behind
 * `events()`. Events are built only when someone listens (`listening(type)`).
 * @internal
 */
export class EventHub {
  private readonly emitter = new EventEmitter();
  private readonly buffers = new Set<EventBuffer>();

  constructor(
    private readonly capacity: number,
    private readonly clock: Clock,
  ) {
    this.emitter.setMaxListeners(0);
  }

  on(type: SchedulerEvent["type"] | "*", fn: EventListener): void {
    this.emitter.on(type, fn);
  }

  off(type: SchedulerEvent["type"] | "*", fn: EventListener): void {
    this.emitter.off(type, fn);
  }

  /** A new `events()` consumer (ended at once when `ended`). */
  subscribe(ended: boolean): SchedulerEvents {
    const buffer = new EventBuffer(this.capacity, () => this.buffers.delete(buffer));
    this.buffers.add(buffer);
    if (ended) buffer.end();
    return new SchedulerEvents(buffer);
  }

  /** Whether an event of `type` would reach anyone. */
  listening(type: SchedulerEvent["type"]): boolean {
    return this.emitter.listenerCount(type) + this.emitter.listenerCount("*") + this.buffers.size > 0;
  }

  emit(e: SchedulerEvent): void {
    this.emitter.emit(e.type, e);
    this.emitter.emit("*", e);
    for (const b of this.buffers) b.push(e);
  }

  /** A run's lifecycle event (built only when someone listens). */
  lifecycle(run: TaskRun, status: RunStatus, msg: string): void {
    if (!this.listening("lifecycle")) return;
    const e: LifecycleEvent = {
      type: "lifecycle",
      id: run.def.options.id,
      runId: run.runId,
      status,
      msg,
      occurAt: this.clock.now(),
      attempt: run.attempt,
    };
    this.emit(e);
  }

  /** Ends every `events()` consumer (the scheduler stopped). */
  end(): void {
    for (const b of this.buffers) b.end();
  }
}
