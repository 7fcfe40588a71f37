import { AsyncIterableX } from "ix/asynciterable/asynciterablex";
import type { GraphInstanceStatus, GraphNodeStatus } from "./graph/graph-types.js";
import type { RunStatus } from "./task-run.js";

/** A run changed status. */
export interface LifecycleEvent {
  readonly type: "lifecycle";
  /** Task id. */
  readonly id: string;
  readonly runId: string;
  readonly status: RunStatus;
  /** Why, in words (e.g. "attempt 1 of 3 failed: ...; retrying in 100 ms"). */
  readonly msg: string;
  /** Epoch ms (scheduler clock). */
  readonly occurAt: number;
  readonly attempt: number;
}

/** A run reported progress through `proceed({ now, total })`. */
export interface ProgressEvent {
  readonly type: "progress";
  readonly id: string;
  readonly runId: string;
  readonly now: number;
  readonly total: number | undefined;
  /** `now / total` in [0, 1], or undefined without a total. */
  readonly progress: number | undefined;
  /** When the run started, epoch ms. */
  readonly startTime: number;
  /** Time running so far in ms, paused time left out. */
  readonly usedMs: number;
  /** Estimated time left in ms (`usedMs / now * (total - now)`), paused time left out. */
  readonly remainMs: number | undefined;
}

/** A task's own event (`bus.emit(event, payload)`). */
export interface CustomEvent {
  readonly type: "custom";
  readonly id: string;
  readonly runId: string;
  readonly event: string;
  readonly payload: unknown;
  readonly occurAt: number;
}

/**
 * A graph instance or one of its nodes changed state (`node` absent for the instance itself).
 * Node runs also emit the lifecycle events of their task id, `<graphId>/<node>`.
 */
export interface GraphEvent {
  readonly type: "graph";
  readonly graphId: string;
  readonly instanceId: string;
  readonly node?: string;
  /** A node's or the instance's new state. */
  readonly status: GraphNodeStatus | GraphInstanceStatus;
  readonly msg: string;
  readonly occurAt: number;
}

/** Every event a scheduler emits. */
export type SchedulerEvent = LifecycleEvent | ProgressEvent | CustomEvent | GraphEvent;

/**
 * A bounded buffer behind `scheduler.events()`: holds at most `capacity` events for a slow
 * consumer, then drops the oldest (counted in `dropped`). Ends when the scheduler stops.
 * @internal
 */
export class EventBuffer implements AsyncIterableIterator<SchedulerEvent> {
  private readonly items: SchedulerEvent[] = [];
  private waiter: ((r: IteratorResult<SchedulerEvent>) => void) | null = null;
  private ended = false;
  /** Events dropped because the consumer was slower than `capacity`. */
  dropped = 0;

  constructor(
    private readonly capacity: number,
    private readonly onClose: () => void,
  ) {}

  push(e: SchedulerEvent): void {
    if (this.ended) return;
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w({ value: e, done: false });
      return;
    }
    this.items.push(e);
    if (this.items.length > this.capacity) {
      this.items.shift();
      this.dropped++;
    }
  }

  end(): void {
    this.ended = true;
    const w = this.waiter;
    this.waiter = null;
    w?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<SchedulerEvent>> {
    const e = this.items.shift();
    if (e !== undefined) return Promise.resolve({ value: e, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<SchedulerEvent>> {
    this.items.length = 0; // the consumer left: what is buffered is not for anyone
    this.end();
    this.onClose();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<SchedulerEvent> {
    return this;
  }
}

/**
 * What `scheduler.events()` returns: every event from the call on, as an IxJS
 * `AsyncIterableX` (so `pipe(filter(...), map(...))` and the other `ix/asynciterable/operators`
 * apply), over a bounded buffer (see {@link EventBuffer}: the oldest events are dropped for a
 * consumer that falls `capacity` behind, counted in `dropped`). One consumer: iterate it once.
 * Breaking out of the loop (or `return()`) unsubscribes; it ends when the scheduler stops.
 * It is also an async iterator itself (`next()`, `return()`).
 */
export class SchedulerEvents
  extends AsyncIterableX<SchedulerEvent>
  implements AsyncIterableIterator<SchedulerEvent>
{
  /** @internal */
  constructor(private readonly buffer: EventBuffer) {
    super();
  }

  /** Events dropped so far because this consumer was slower than the buffer's capacity. */
  get dropped(): number {
    return this.buffer.dropped;
  }

  next(): Promise<IteratorResult<SchedulerEvent>> {
    return this.buffer.next();
  }

  return(): Promise<IteratorResult<SchedulerEvent>> {
    return this.buffer.return();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<SchedulerEvent> {
    return this.buffer;
  }
}
