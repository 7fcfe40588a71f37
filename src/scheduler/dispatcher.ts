import type { SchedulerContext } from "./context.js";
import { RunQueue } from "./run-queue.js";
import type { TaskDef, TaskRun } from "./task-run.js";

/**
 * Slots and the run queue: starts queued runs while fewer than `concurrency` run (highest
 * priority first, FIFO within a priority), parks runs of paused tasks and of tasks that run one
 * at a time, and in preemptive mode asks the lowest-priority running run to yield to a waiting
 * higher one (at its next `proceed()`).
 * @internal
 */
export class Dispatcher {
  readonly queue = new RunQueue<TaskRun>();
  readonly running = new Set<TaskRun>();
  /** Runs waiting for a retry's backoff, with their timers. */
  readonly retryTimers = new Map<TaskRun, unknown>();

  constructor(private readonly ctx: SchedulerContext) {}

  /** Queues `run` (a new one, a retry, or a preempted one). */
  push(run: TaskRun): void {
    this.queue.push(run);
    this.ctx.metrics.queueDepth.set(this.queue.size);
  }

  /** Whether `run` may start now (its task not paused; one at a time unless `overlap: 'allow'`). */
  private eligible(run: TaskRun): boolean {
    const def = run.def;
    if (def.paused) return false;
    if (def.options.overlap !== "allow" && def.runningCount > 0) return false;
    return true;
  }

  /** Puts the parked runs of `def` back in the queue. */
  unpark(def: TaskDef): void {
    for (const run of def.parked.splice(0)) this.queue.push(run);
  }

  /** Starts what may start (only when the scheduler is STARTED), then picks a preemption victim. */
  pump(): void {
    const ctx = this.ctx;
    if (ctx.state() !== "STARTED") return;
    while (this.running.size < ctx.concurrency) {
      const run = this.queue.pop();
      if (run === undefined) break;
      if (!this.eligible(run)) {
        run.def.parked.push(run);
        continue;
      }
      void ctx.execution.execute(run);
    }
    ctx.metrics.queueDepth.set(this.queue.size);
    if (ctx.mode === "preemptive" && this.running.size >= ctx.concurrency) this.preempt();
    ctx.waiters.check();
  }

  /** Asks the lowest-priority running run (latest started among equals) to yield to the queue's top. */
  private preempt(): void {
    const top = this.queue.peek();
    if (top === undefined) return;
    let victim: TaskRun | null = null;
    for (const r of this.running) {
      if (r.preemptRequested || r.stopRequested || r.priority >= top.priority) continue;
      if (
        victim === null ||
        r.priority < victim.priority ||
        (r.priority === victim.priority && r.startTime > victim.startTime)
      ) {
        victim = r;
      }
    }
    if (victim !== null) victim.preemptRequested = true;
  }

  /** Stops `run`: `proceed()` throws `err`, its signal aborts, a paused run wakes up. */
  requestStop(run: TaskRun, err: Error): void {
    run.stopRequested = true;
    run.controller.abort(err);
    if (run.wake !== null) {
      const w = run.wake;
      run.wake = null;
      w();
    }
  }

  /** No run queued, waiting for a retry, running, or parked (except for paused tasks). */
  isIdle(): boolean {
    if (this.queue.size > 0 || this.running.size > 0 || this.retryTimers.size > 0) return false;
    for (const d of this.ctx.defs.values()) if (d.parked.length > 0 && !d.paused) return false;
    return true;
  }
}
