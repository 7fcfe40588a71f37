import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../errors.js";
import { checkInt } from "../util/validate.js";
import { type Measurement, median } from "./measure.js";

/** Where the job is: a module exporting `async (records: number) => checksum` under `export`. */
export interface BenchmarkJob {
  /** Path or file URL of the module (`.js`, or `.ts` when run with a TypeScript loader such as tsx). */
  module: string | URL;
  /** The export to call. Default `"default"`. */
  export?: string;
}

/** Options of {@link benchmark}. */
export interface BenchmarkOptions {
  /** Records the job processes (passed to it). */
  records: number;
  /** Runs, each in a fresh process. Default 3. */
  runs?: number;
  /** A name for the report. Default: the export's name. */
  name?: string;
  /** Extra Node arguments for the processes. Default: `--expose-gc`, plus `--import tsx` for a `.ts` module. */
  nodeArgs?: string[];
}

/** What {@link benchmark} returns: every run, and the medians. */
export interface BenchmarkResult {
  readonly name: string;
  readonly records: number;
  readonly runs: Measurement[];
  /** Median records per second. */
  readonly recordsPerSecond: number;
  /** Median peak RSS, MiB. */
  readonly peakRssMB: number;
  /** The checksum all runs agreed on. */
  readonly checksum: string;
}

/**
 * Measures a job's records/s and peak RSS over `runs` runs, **each in a fresh process** (no JIT
 * or heap state carried over), the way Mass's own `bench/` does, with the same measurement
 * format (`Measurement`).
 *
 * ```ts
 * // job.ts: export async function wordCount(records: number) { ...; return String(total); }
 * const r = await benchmark({ module: new URL("./job.ts", import.meta.url), export: "wordCount" }, { records: 1e6 });
 * console.log(r.recordsPerSecond, r.peakRssMB);
 * ```
 * @throws ConfigError for bad options; Error when a run fails or runs disagree on the checksum.
 */
export async function benchmark(job: BenchmarkJob, options: BenchmarkOptions): Promise<BenchmarkResult> {
  const records = checkInt("benchmark options.records", options.records, 1);
  const runs = checkInt("benchmark options.runs", options.runs ?? 3, 1);
  const modulePath = job.module instanceof URL ? fileURLToPath(job.module) : job.module;
  if (typeof modulePath !== "string" || modulePath.length === 0)
    throw new ConfigError("benchmark(job): job.module must be a path or URL");
  const exportName = job.export ?? "default";
  const name = options.name ?? exportName;
  const here = new URL(".", import.meta.url);
  const worker = fileURLToPath(new URL(import.meta.url.endsWith(".ts") ? "worker.ts" : "worker.js", here));
  const ts = modulePath.endsWith(".ts") || worker.endsWith(".ts");
  const nodeArgs = options.nodeArgs ?? ["--expose-gc", ...(ts ? ["--import", "tsx"] : [])];
  const out: Measurement[] = [];
  for (let i = 0; i < runs; i++) {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [...nodeArgs, worker, modulePath, exportName, String(records), name],
        { maxBuffer: 1 << 24 },
        (err, so, se) =>
          err
            ? reject(new Error(`benchmark "${name}" run ${i + 1} failed: ${se || err.message}`))
            : resolve(so),
      );
    });
    out.push(JSON.parse(stdout.trim().split("\n").at(-1)!) as Measurement);
  }
  const sums = new Set(out.map((m) => m.checksum));
  if (sums.size > 1)
    throw new Error(`benchmark "${name}": runs disagree on the checksum: ${[...sums].join(" / ")}`);
  return {
    name,
    records,
    runs: out,
    recordsPerSecond: median(out.map((m) => m.rps)),
    peakRssMB: median(out.map((m) => m.peakRssMB)),
    checksum: out[0].checksum,
  };
}
