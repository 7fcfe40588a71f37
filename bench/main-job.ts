/**
 * The main job end to end (examples/flight-delays) on the 3,000,000 flights, and the Parquet
 * decoding alone (the same source into a counting sink), to split the time between decoding
 * and the pipeline. Checksum: records read.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Flight, flightJob } from "../examples/flight-delays/job.js";
import { datasetPath } from "../examples/shared/datasets.js";
import { Env, ParquetSource, Sink } from "../src/index.js";
import { args, measure } from "./lib.js";

const { impl } = args(3_000_000);
const source = () =>
  new ParquetSource<Flight>(datasetPath("flights-3m.parquet"), { columns: ["date", "delay", "origin"] });

const impls: Record<string, () => Promise<string>> = {
  async "decode-only"() {
    class Count extends Sink<unknown> {
      n = 0;
      produce(e: unknown[]) {
        this.n += e.length;
      }
    }
    const c = new Count();
    await new Env().from(source()).to(c);
    return String(c.n);
  },
  async job() {
    const env = new Env({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
    flightJob(env.from(source()), mkdtempSync(join(tmpdir(), "mass-bench-")));
    const report = await env.run();
    return String(report.recordsIn);
  },
};

const job = impls[impl];
if (!job) throw new Error(`unknown impl ${impl}; one of ${Object.keys(impls).join(", ")}`);
await measure("main job (flight-delays, Parquet)", impl, 3_000_000, job);
