/**
 * The main job (`npm start`): delays of 3,000,000 US domestic flights (January to June 2001)
 * per airport and day, alerts per airport and hour. See job.ts for what it computes.
 *
 *   npm start
 *   node --import tsx examples/flight-delays/main.ts --input flights.csv --out out
 *
 * `--input` takes a Parquet, CSV or JSON Lines file with the columns date, delay, origin
 * (distance and destination are ignored). Prints a progress bar on a TTY (a line per 10 %
 * otherwise), the 10 worst airport-days, and records/s.
 */
import { extname } from "node:path";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { csvSource, Env, jsonLinesSource, ParquetSource, type Source } from "../../src/index.js";
import { datasetPath } from "../shared/datasets.js";
import { type Flight, flightJob } from "./job.js";

const { values } = parseArgs({
  options: {
    input: { type: "string", default: datasetPath("flights-3m.parquet") },
    out: { type: "string", default: "out" },
  },
});
const input = values.input!;
const outDir = values.out!;

const ext = extname(input).toLowerCase();
let source: Source<Flight>;
let total: number | undefined;
if (ext === ".parquet") {
  const pq = new ParquetSource<Flight>(input, { columns: ["date", "delay", "origin"] });
  await pq.open();
  total = pq.numRows;
  source = pq;
} else if (ext === ".csv") source = csvSource<Flight>(input, { cast: true });
else if (ext === ".jsonl" || ext === ".ndjson" || ext === ".json") source = jsonLinesSource<Flight>(input);
else {
  console.error(`--input must be a .parquet, .csv or .jsonl file, got ${input}`);
  process.exit(2);
}

// progress: a bar on a TTY, a plain line per 10 % otherwise
let read = 0;
const tty = process.stderr.isTTY === true;
const bar =
  tty && total !== undefined
    ? new cliProgress.SingleBar(
        { format: "flights {bar} {percentage}% | {value}/{total} | {eta}s left", stream: process.stderr },
        cliProgress.Presets.shades_classic,
      )
    : null;
bar?.start(total!, 0);
let nextTenth = 1;
const progress = (n: number) => {
  read += n;
  if (bar !== null) bar.update(read);
  else if (total !== undefined) {
    while (read >= (total * nextTenth) / 10 && nextTenth <= 10) {
      console.error(
        `read ${read.toLocaleString("en")} of ${total.toLocaleString("en")} flights (${nextTenth * 10}%)`,
      );
      nextTenth++;
    }
  }
};

const env = new Env({ name: "flight-delays" });
let pending = 0;
const flights = env.from(source).tap(() => {
  if (++pending === 10_000) {
    progress(pending);
    pending = 0;
  }
});
const job = flightJob(flights, outDir);
const t0 = performance.now();
const report = await env.run();
progress(pending);
bar?.stop();
const seconds = (performance.now() - t0) / 1000;

const worst = await job.worst;
console.log("\nThe 10 worst airport-days (mean delay, at least 50 flights):");
console.table(
  worst.map((d) => ({
    origin: d.origin,
    day: new Date(d.start).toISOString().slice(0, 10),
    flights: d.flights,
    "mean delay (min)": Number(d.meanDelay.toFixed(1)),
    "p95 delay (min)": Number(d.p95Delay.toFixed(1)),
    "delayed > 15 min": `${(d.delayedShare * 100).toFixed(0)}%`,
  })),
);
const sinks = report.nodes.filter((n) => n.kind === "sink");
console.log(
  `${report.recordsIn.toLocaleString("en")} flights in ${seconds.toFixed(1)} s: ${Math.round(report.recordsIn / seconds).toLocaleString("en")} records/s; ` +
    `wrote ${sinks.map((s) => `${s.recordsOut.toLocaleString("en")} (${s.name})`).join(", ")} into ${outDir}/; ` +
    `late records dropped: ${report.lateDropped}; peak RSS ${Math.round((process.resourceUsage().maxRSS * 1024) / 2 ** 20)} MB`,
);
