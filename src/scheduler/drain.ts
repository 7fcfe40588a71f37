import { TaskStoppedError } from "../errors.js";
import type { SchedulerContext } from "./context.js";

/** How long a graceful stop waits (ms, on the scheduler's clock). @internal */
export interface DrainTiming {
  /** The grace period: running runs go on untouched this long. */
  readonly timeoutMs: number;
  /** How long aborted runs get to end before they are abandoned. */
  readonly forceAfterMs: number;
}

/**
 * The scheduler's graceful stop (BullMQ's `close()`, Temporal's worker shutdown):
 *
 * 1. triggers disarmed; queued, parked and retry-waiting runs dropped (`stopped`);
 * 2. running runs go on untouched for `timeoutMs` (`bus.draining` aborts as a notice);
 * 3. what still runs is aborted (`bus.signal`, TaskStoppedError) and gets `forceAfterMs` to end;
 * 4. what still runs then is abandoned (`stopped`; its late outcome ignored);
 * 5. the store is saved and every `events()` consumer ends.
 *
 * Runs that end meanwhile settle normally (a success is committed; a failure is dead-lettered,
 * not retried: retries need a STARTED scheduler).
 * @internal
 */
export async function drainAndStop(
  ctx: SchedulerContext,
  timing: DrainTiming,
  reason?: Error,
): Promise<void> {
  const d = ctx.dispatcher;
  const ex = ctx.execution;
  for (const def of ctx.defs.values()) for (const t of def.triggers) t.disarm();
  for (const g of ctx.graphs.values()) for (const t of g.triggers) t.disarm();
  for (const [run, timer] of d.retryTimers) {
    ctx.clock.clearTimeout(timer);
    ex.drop(run, "scheduler stopped before the retry");
  }
  d.retryTimers.clear();
  for (const run of d.queue.removeWhere(() => true)) ex.drop(run, "scheduler stopped before the run started");
  for (const def of ctx.defs.values())
    for (const run of def.parked.splice(0)) ex.drop(run, "scheduler stopped before the run started");
  for (const g of ctx.graphs.values())
    for (const def of g.nodeDefs())
      for (const run of def.parked.splice(0)) ex.drop(run, "scheduler stopped before the run started");
  // drain: running runs go on untouched for the grace period
  for (const run of d.running) run.preemptRequested = false;
  const why = reason ? `: ${reason.message}` : "";
  ctx.drain.abort(
    new TaskStoppedError(`scheduler stopping${why}: runs have ${timing.timeoutMs} ms to end`, {
      cause: reason,
    }),
  );
  await ctx.waiters.waitForAtMost(() => d.running.size === 0, timing.timeoutMs);
  if (d.running.size > 0) {
    const stopping = new TaskStoppedError(
      `scheduler stopped${why}: the run was still running ${timing.timeoutMs} ms after the stop`,
      { cause: reason },
    );
    for (const run of d.running) d.requestStop(run, stopping);
    await ctx.waiters.waitForAtMost(() => d.running.size === 0, timing.forceAfterMs);
  }
  for (const run of [...d.running]) {
    run.abandoned = true;
    d.running.delete(run);
    run.def.runningCount--;
    if (run.settled) continue; // it ended; only making its outcome durable was still under way
    run.settled = true;
    run.staged = null;
    ex.finish(
      run,
      "stopped",
      `abandoned: still running ${timing.forceAfterMs} ms after it was aborted at the scheduler stop`,
    );
    if (run.owner !== null) await ex.tellOwner(run);
  }
  ctx.metrics.running.set(0);
  await ctx.persistence.save();
  ctx.events.end();
  ctx.waiters.check();
}
