import { Env, type RunOptions } from "../env/env.js";
import type { EnvOptions } from "../env/options.js";
import { RunError, type RunReport } from "../env/report.js";
import { type Proceed, Task, type TaskBus } from "./task.js";

/**
 * A task hosting a stream job (the original design's StreamTask): implement
 * `streamProcessExecutor(env, bus, input)` to build the graph on `env`; the scheduler then runs
 * the Env, and the task **holds its slot until every terminal node has ended**.
 *
 * - `handle.stop()` (or a timeout, or the end of a scheduler stop's grace period) aborts
 *   `bus.signal`: the Env stops gracefully (sources read no more, what is in flight drains) and
 *   the run ends as `stopped` (Flink's cancel).
 * - A graceful `scheduler.stop()` aborts `bus.draining`: the Env drains the same way and the
 *   run ends as `finished` with the Env's report (status `stopped`): what it processed is
 *   committed (Flink's stop with drain).
 *
 * The run's result is the Env's RunReport. Pipelines awaited inside `streamProcessExecutor`
 * run there (the original design's `await env.from(...).to(...)`); the report is the last run's.
 */
export abstract class StreamTask<In = unknown> extends Task<In, RunReport> {
  /** The Envs of this task's running runs, by run id (read them through `handle.liveEnvs()`). @internal */
  readonly liveEnvs = new Map<string, Env>();
  /** The RunReport of the last run that ended (finished, stopped, or failed with a report). @internal */
  lastReport: RunReport | undefined = undefined;

  /** Builds the job on `env` (do not call `env.run()`: the scheduler does). */
  abstract streamProcessExecutor(env: Env, bus: TaskBus, input: In): void | Promise<void>;

  /** Options of the Env (default: name = task id, the scheduler's logger). */
  envOptions(bus: TaskBus): EnvOptions {
    return { name: bus.taskId, logger: bus.logger };
  }

  /**
   * Options of the Env's run (`env.run(options)`). Default: with the Env's `checkpoint` option,
   * a retry (`bus.attempt > 1`) restores the latest complete checkpoint (`{ restore: true }`), as
   * Flink's restart strategy does; a first attempt starts from its sources' own positions. Override
   * to start a task from a savepoint: `return { restore: { from: "/var/lib/mass/savepoints/sp-000000042" } }`.
   */
  runOptions(env: Env, bus: TaskBus): RunOptions {
    return env.options.checkpoint !== null && bus.attempt > 1 ? { restore: true } : {};
  }

  async executor(input: In, proceed: Proceed, bus: TaskBus): Promise<RunReport> {
    const env = new Env(this.envOptions(bus));
    let stopping = false;
    const stop = () => {
      stopping = true;
      env.stop();
    };
    bus.signal.addEventListener("abort", stop, { once: true });
    bus.draining.addEventListener("abort", stop, { once: true });
    this.liveEnvs.set(bus.runId, env);
    try {
      await this.streamProcessExecutor(env, bus, input);
      if (bus.signal.aborted) throw bus.signal.reason;
      const running = env.run(this.runOptions(env, bus));
      if (stopping) env.stop(); // asked while the graph was being built
      const report = await running.catch((err: unknown) => {
        if (err instanceof RunError) this.lastReport = err.report;
        throw err;
      });
      this.lastReport = report;
      if (bus.signal.aborted && report.status === "stopped") throw bus.signal.reason;
      await proceed({ now: report.recordsIn, total: report.recordsIn });
      return report;
    } finally {
      this.liveEnvs.delete(bus.runId);
      bus.signal.removeEventListener("abort", stop);
      bus.draining.removeEventListener("abort", stop);
    }
  }
}
