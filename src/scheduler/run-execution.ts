import { describeError, TaskError, TaskTimeoutError } from "../errors.js";
import { backoffDelay } from "../operators/fault-policy.js";
import type { SchedulerContext } from "./context.js";
import type { DeadLetterEntry } from "./store/store-state.js";
import { toJson } from "./store/to-json.js";
import { StreamTask } from "./stream-task.js";
import { createBus, createProceed, Preempted } from "./task-bus.js";
import { AttemptSignal, type RunStatus, type TaskRun } from "./task-run.js";

type EndedAs = NonNullable<TaskRun["endedAs"]>;

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

/**
 * One attempt of a run and what follows from its outcome: success commits the staged writes
 * (always, even after a stop request); a failure is retried per the task's policy (backoff on
 * the clock) or dead-lettered; a stopped run ends `stopped`; a preempted one is re-queued. A run
 * holds its slot until its outcome is durable, so commits in flight stay bounded by
 * `concurrency` and `idle()` means settled.
 * @internal
 */
export class RunExecution {
  constructor(private readonly ctx: SchedulerContext) {}

  /** Runs one attempt of `run` in a slot, then settles it. */
  async execute(run: TaskRun): Promise<void> {
    const ctx = this.ctx;
    const d = ctx.dispatcher;
    const def = run.def;
    const o = def.options;
    d.running.add(run);
    def.runningCount++;
    ctx.metrics.running.set(d.running.size);
    run.controller = new AttemptSignal(); // its AbortController is made only if the run reads bus.signal
    run.settled = false;
    run.staged = null; // every attempt starts from the committed state
    run.preemptRequested = false;
    if (run.startTime === 0) run.startTime = ctx.clock.now();
    this.setStatus(
      run,
      "running",
      run.attempt > 1 ? `attempt ${run.attempt}` : run.preempted ? "resumed after preemption" : "started",
    );
    run.owner?.started(run);
    const bus = createBus(ctx, run);
    const proceed = createProceed(ctx, run);
    let timer: unknown = null;
    let outcome: Outcome;
    try {
      const impl = def.task;
      const work = Promise.resolve().then(() =>
        run.mode === "clean"
          ? (impl.clean?.(run.input as never, proceed, bus) ?? undefined)
          : impl.executor(run.input as never, proceed, bus),
      );
      let value: unknown;
      if (Number.isFinite(o.timeoutMs)) {
        value = await new Promise<unknown>((resolve, reject) => {
          timer = ctx.clock.setTimeout(() => {
            const err = new TaskTimeoutError(
              `task "${o.id}" run ${run.runId} took longer than ${o.timeoutMs} ms`,
              { task: o.id },
            );
            run.controller.abort(err);
            reject(err);
          }, o.timeoutMs);
          work.then(resolve, reject);
        });
      } else value = await work;
      outcome = { ok: true, value };
    } catch (err) {
      outcome = { ok: false, err };
    }
    if (timer !== null) ctx.clock.clearTimeout(timer);
    if (run.settled) return; // abandoned at stop
    run.settled = true;
    await this.settle(run, outcome);
    // an owner (a graph instance) makes the outcome durable while the run still holds its slot
    if (run.owner !== null && run.endedAs !== null) await this.tellOwner(run);
    if (run.abandoned) return; // the scheduler's stop gave up on it meanwhile: its slot is gone already
    d.running.delete(run);
    def.runningCount--;
    ctx.metrics.running.set(d.running.size);
    d.unpark(def);
    d.pump();
    ctx.waiters.check();
  }

  private async settle(run: TaskRun, outcome: Outcome): Promise<void> {
    if (outcome.ok) return this.commit(run, outcome.value);
    run.staged = null;
    if (outcome.err instanceof Preempted) {
      if (this.ctx.state() !== "STARTED") {
        this.finish(run, "stopped", "preempted while the scheduler stopped: not re-queued");
        return;
      }
      run.preempted = true;
      run.seq = this.ctx.nextSeq();
      this.ctx.events.lifecycle(run, "init", "preempted: re-queued, resumes from its checkpoint");
      run.status = "init";
      this.ctx.dispatcher.queue.push(run);
      return;
    }
    if (run.stopRequested) {
      run.error = run.controller.reason;
      this.finish(run, "stopped", describeError(run.controller.reason ?? "stopped"));
      return;
    }
    await this.failed(run, outcome.err);
  }

  /** Tells the run's owner how it ended (an owner's error is logged: the run's outcome stands). */
  async tellOwner(run: TaskRun): Promise<void> {
    try {
      await run.owner!.ended(run, run.endedAs!);
    } catch (err) {
      this.ctx.logger.error({ task: run.def.options.id, runId: run.runId, err }, "the run's owner failed");
    }
  }

  /**
   * A run returned: its staged writes are committed with its success (even if a stop was
   * requested meanwhile: finished work is kept). A failed commit is rolled back in memory and
   * fails the attempt (retried per policy, the retry starting from the committed state).
   */
  private async commit(run: TaskRun, value: unknown): Promise<void> {
    const ctx = this.ctx;
    const def = run.def;
    const id = def.options.id;
    const staged = run.staged;
    run.staged = null;
    try {
      await ctx.persistence.commit(id, staged, def.options.restore || run.preempted);
    } catch (err) {
      return this.failed(
        run,
        new TaskError(`task "${id}": committing the task store failed: ${describeError(err)}`, {
          task: id,
          cause: err,
          retriable: true,
        }),
      );
    }
    const report = value as { recordsIn?: unknown; recordsOut?: unknown; lateDropped?: unknown } | null;
    if (def.task instanceof StreamTask && report !== null && typeof report === "object") {
      const m = ctx.metrics.streamRecords;
      m.inc({ task: id, direction: "in" }, Number(report.recordsIn) || 0);
      m.inc({ task: id, direction: "out" }, Number(report.recordsOut) || 0);
      m.inc({ task: id, direction: "late_dropped" }, Number(report.lateDropped) || 0);
    }
    run.value = value;
    const done = run.mode === "clean" ? "cleaned" : "finished";
    this.finish(
      run,
      "finished",
      run.stopRequested || ctx.state() !== "STARTED"
        ? `${done} (it completed before the requested stop)`
        : done,
    );
  }

  /** A failed attempt: retried per the task's policy while the scheduler runs, else dead-lettered. */
  private async failed(run: TaskRun, err: unknown): Promise<void> {
    const ctx = this.ctx;
    const o = run.def.options;
    const now = ctx.clock.now();
    if (run.firstFailureAt === 0) run.firstFailureAt = now;
    const p = o.retry;
    const retriable = run.attempt < p.attempts && p.retryOn(err);
    if (retriable && ctx.state() === "STARTED") {
      const delay = backoffDelay(p.backoff, run.attempt + 1);
      ctx.events.lifecycle(
        run,
        "failed",
        `attempt ${run.attempt} of ${p.attempts} failed: ${describeError(err)}; retrying in ${Math.round(delay)} ms`,
      );
      run.status = "init";
      const timer = ctx.clock.setTimeout(() => {
        ctx.dispatcher.retryTimers.delete(run);
        run.attempt++;
        run.seq = ctx.nextSeq();
        ctx.dispatcher.queue.push(run);
        ctx.dispatcher.pump();
      }, delay);
      ctx.dispatcher.retryTimers.set(run, timer);
      return;
    }
    run.error = err;
    if (run.owner !== null) {
      // the owner (a graph instance) records the failure: no dead letter; a run that would have
      // been retried had the scheduler not been stopping is handed back as not run
      if (retriable)
        this.finish(
          run,
          "stopped",
          `attempt ${run.attempt} failed while the scheduler stopped: not retried`,
          "dropped",
        );
      else this.finish(run, "failed", `failed after ${run.attempt} attempt(s): ${describeError(err)}`);
      return;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    const entry: DeadLetterEntry = {
      id: `dl:${run.runId}`,
      taskId: o.id,
      runId: run.runId,
      input: toJson(run.input),
      error: { name: e.name, message: e.message, ...(e.stack === undefined ? {} : { stack: e.stack }) },
      attempts: run.attempt,
      firstFailureAt: run.firstFailureAt,
      lastFailureAt: now,
    };
    const letters = ctx.persistence.state.deadLetters;
    letters.push(entry);
    ctx.metrics.deadLetters.set(letters.length);
    try {
      await ctx.persistence.save();
    } catch (perr) {
      ctx.logger.error({ task: o.id, err: perr }, "could not persist a dead letter");
    }
    this.finish(
      run,
      "failed",
      `failed after ${run.attempt} attempt(s): ${describeError(err)}; ` +
        (retriable ? "not retried: the scheduler is stopping; " : "") +
        `dead letter ${entry.id}`,
    );
  }

  /** The run ended (finished, failed, stopped): status, event, metrics, waiters. */
  finish(run: TaskRun, status: RunStatus, msg: string, endedAs: EndedAs = status as EndedAs): void {
    const ctx = this.ctx;
    run.endedAs = endedAs;
    run.def.active--;
    this.setStatus(run, status, msg);
    ctx.metrics.runs.inc({ task: run.def.options.id, status });
    ctx.metrics.duration.observe({ task: run.def.options.id }, (ctx.clock.now() - run.startTime) / 1000);
    ctx.waiters.check();
  }

  /** A run that never started is dropped (cancel, stop). */
  drop(run: TaskRun, msg: string): void {
    run.def.active--;
    run.endedAs = "dropped";
    this.setStatus(run, "stopped", msg);
    if (run.owner !== null) void this.tellOwner(run);
  }

  setStatus(run: TaskRun, status: RunStatus, msg: string): void {
    run.status = status;
    this.ctx.events.lifecycle(run, status, msg);
  }
}
