import { Env } from "../env/env.js";
import type { EnvOptions } from "../env/options.js";
import { RunError, type RunReport } from "../env/report.js";
import { type Proceed, Task, type TaskBus } from "./task.js";

/**
 * A task hosting a stream job (the original design's StreamTask): implement
 * `streamProcessExecutor(env, bus, input)` to build the graph on `env`; the scheduler then runs
 * the Env, and the task **holds its slot until every terminal node has ended**. `handle.stop()`
 * (or the scheduler's stop) stops the Env gracefully: sources read no more, what is in flight
 * drains, the run ends as `stopped`. The run's result is the Env's RunReport.
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

  async executor(input: In, proceed: Proceed, bus: TaskBus): Promise<RunReport> {
    const env = new Env(this.envOptions(bus));
    await this.streamProcessExecutor(env, bus, input);
    const stop = () => env.stop();
    bus.signal.addEventListener("abort", stop, { once: true });
    this.liveEnvs.set(bus.runId, env);
    try {
      const report = await env.run().catch((err: unknown) => {
        if (err instanceof RunError) this.lastReport = err.report;
        throw err;
      });
      this.lastReport = report;
      await proceed({ now: report.recordsIn, total: report.recordsIn });
      return report;
    } finally {
      this.liveEnvs.delete(bus.runId);
      bus.signal.removeEventListener("abort", stop);
    }
  }
}
