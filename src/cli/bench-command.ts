import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { benchmark } from "../bench/benchmark.js";
import { describeError, MassError } from "../errors.js";
import type { CliIo } from "./cli-io.js";
import { jobName } from "./job-file.js";
import { table } from "./report-format.js";

/** Options of `mass bench`. */
export interface BenchCommandOptions {
  /** Records the job processes (given to it as `context.records`). Default 1,000,000. */
  records?: number;
  /** Runs, each in a fresh process. Default 3. */
  runs?: number;
  json?: boolean;
}

/**
 * `mass bench <job> [--records n] [--runs n] [-- args...]`: the bench kit (mass-stream/bench)
 * on a job file: each run in a fresh process builds the job with `context.records`, runs it and
 * measures records/s and peak RSS; prints every run and the medians (or JSON).
 * @returns the exit code (0).
 * @throws Error when a run fails, reads another number of records, or runs disagree on the checksum.
 */
export async function benchCommand(
  file: string,
  args: readonly string[],
  options: BenchCommandOptions,
  io: CliIo,
): Promise<number> {
  const path = resolve(file);
  const here = import.meta.url;
  const adapter = fileURLToPath(new URL(here.endsWith(".ts") ? "bench-job.ts" : "bench-job.js", here));
  const ts = /\.(m|c)?tsx?$/.test(path) || adapter.endsWith(".ts");
  process.env.MASS_BENCH_JOB = path;
  process.env.MASS_BENCH_ARGS = JSON.stringify(args);
  let r: Awaited<ReturnType<typeof benchmark>>;
  try {
    r = await benchmark(
      { module: adapter, export: "run" },
      {
        records: options.records ?? 1_000_000,
        runs: options.runs ?? 3,
        name: jobName(path),
        nodeArgs: ["--expose-gc", ...(ts ? ["--import", "tsx"] : [])],
      },
    );
  } catch (err) {
    // a failed run's message holds the child's stderr: keep its error line, not its stack
    const text = describeError(err);
    const line = /^(\w*Error): (.*)$/m.exec(text);
    const head = text.split("\n")[0].replace(/:\s*\S*$/, "");
    throw new MassError(line === null ? text : `${head}: ${line[1]}: ${line[2]}`, { cause: err });
  }
  if (options.json) {
    io.out(JSON.stringify(r, null, 2));
    return 0;
  }
  const n = (x: number) => Math.round(x).toLocaleString("en-US");
  io.out(
    `${r.name}: ${n(r.records)} records, ${r.runs.length} run(s) in fresh processes, checksum ${r.checksum}`,
  );
  io.out("");
  io.out(
    table([
      ["run", "records/s", "ms", "peak RSS MiB", "base RSS MiB"],
      ...r.runs.map((m, i) => [
        String(i + 1),
        n(m.rps),
        m.ms.toFixed(0),
        m.peakRssMB.toFixed(1),
        m.baseRssMB.toFixed(1),
      ]),
      ["median", n(r.recordsPerSecond), "", r.peakRssMB.toFixed(1), ""],
    ]),
  );
  return 0;
}
