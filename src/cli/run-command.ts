import { RunError, type RunReport } from "../env/report.js";
import type { CliIo } from "./cli-io.js";
import { loadJob } from "./job-file.js";
import { ProgressLine } from "./progress-line.js";
import { formatReport } from "./report-format.js";

/** Options of `mass run`. */
export interface RunCommandOptions {
  /** Print the report as JSON (stdout) instead of text. */
  json?: boolean;
  /** Show the live progress line on a terminal (default true; `--no-progress`). */
  progress?: boolean;
}

/**
 * `mass run <job> [-- args...]`: builds the job file's Env, runs it with a live progress line
 * (records/s, in/out, watermark, elapsed) on stderr when it is a terminal, then prints the run
 * report. Ctrl-C (SIGINT) or SIGTERM stops the Env gracefully (sources stop, in-flight records
 * drain; the report says `stopped`); a second one exits at once with 130.
 * @returns the exit code: 0 when the run finished or was stopped, 1 when nodes failed.
 */
export async function runCommand(
  file: string,
  args: readonly string[],
  options: RunCommandOptions,
  io: CliIo,
): Promise<number> {
  const job = await loadJob(file, { args, records: undefined });
  const line = options.progress !== false && io.errTTY ? new ProgressLine(job.env, io.errStream) : null;
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals > 1) io.exit(130);
    io.err("stopping: sources stop, records in flight drain (again to exit at once)");
    job.env.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  line?.start();
  let report: RunReport;
  let code = 0;
  let errors: string[] = [];
  try {
    report = await job.env.run();
  } catch (err) {
    if (!(err instanceof RunError)) throw err;
    report = err.report;
    errors = [...new Set(err.errors.map((e) => e.message))]; // a cancelled sink repeats its cause
    code = 1;
  } finally {
    line?.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (options.json) io.out(JSON.stringify(report, null, 2));
  else io.out(formatReport(report));
  for (const e of errors) io.err(`error: ${e}`);
  return code;
}
