import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import type { LifecycleState } from "../util/startable.js";
import type { Dispatcher } from "./dispatcher.js";
import type { EventHub } from "./event-hub.js";
import type { GraphRunner } from "./graph/graph-runner.js";
import type { SchedulerMetrics } from "./metrics.js";
import type { Persistence } from "./persistence.js";
import type { RunExecution } from "./run-execution.js";
import type { TaskDef } from "./task-run.js";
import type { Waiters } from "./waiters.js";

/**
 * What the parts of a scheduler share (the Scheduler builds it; each part gets it):
 *
 * - `dispatcher.ts`: the run queue, the running set, slots and preemption;
 * - `run-execution.ts`: one attempt of a run, its outcome, commit, retry, dead letter;
 * - `task-bus.ts`: the `bus` and `proceed` an executor gets;
 * - `trigger-firing.ts`: triggers firing runs, fire times, catch-up;
 * - `drain.ts`: the graceful stop;
 * - `persistence.ts`, `event-hub.ts`, `waiters.ts`: state, events, condition waits.
 * @internal
 */
export interface SchedulerContext {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: SchedulerMetrics;
  readonly concurrency: number;
  readonly mode: "regular" | "preemptive";
  /** The spawned tasks by id. */
  readonly defs: Map<string, TaskDef>;
  /** The spawned execution graphs by id. */
  readonly graphs: Map<string, GraphRunner>;
  readonly events: EventHub;
  readonly persistence: Persistence;
  readonly waiters: Waiters;
  readonly dispatcher: Dispatcher;
  readonly execution: RunExecution;
  /** Aborted when a graceful stop begins (every run's `bus.draining`). */
  readonly drain: AbortController;
  /** The scheduler's lifecycle state. */
  state(): LifecycleState;
  /** The next arrival number (FIFO order within a priority). */
  nextSeq(): number;
}
