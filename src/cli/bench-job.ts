// Run by `mass bench` in each fresh benchmark process (through mass-stream/bench's worker): loads
// the job file named by MASS_BENCH_JOB, runs it once with `records`, returns its checksum.
import { loadJob } from "./job-file.js";

/**
 * Runs the job file of `MASS_BENCH_JOB` (extra arguments in `MASS_BENCH_ARGS`, JSON) with
 * `records`; checks that its sources read exactly that many.
 * @returns the job's `checksum(report)`, or `"<recordsIn>:<recordsOut>"`.
 * @throws Error when the job read another number of records than `records`.
 */
export async function run(records: number): Promise<string> {
  const file = process.env.MASS_BENCH_JOB;
  if (file === undefined) throw new Error("mass bench: MASS_BENCH_JOB is not set");
  const args = JSON.parse(process.env.MASS_BENCH_ARGS ?? "[]") as string[];
  const job = await loadJob(file, { args, records });
  const report = await job.env.run();
  if (report.recordsIn !== records)
    throw new Error(
      `the job read ${report.recordsIn} records but --records is ${records}: size the job by its context.records, or pass --records ${report.recordsIn}`,
    );
  return job.module.checksum?.(report) ?? `${report.recordsIn}:${report.recordsOut}`;
}
