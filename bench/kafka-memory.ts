/**
 * Memory of a Kafka job whose sink is throttled (issue 9: "peak RSS flat, within 64 MB of idle,
 * when the sink is throttled to a tenth of the source's rate"):
 *
 *   node --import tsx bench/kafka-memory.ts --brokers 127.0.0.1:9092 --rate 3000 [--backlog 500000]
 *     [--impls mass,kafkajs] [--source k=v,...] [--env k=v,...] [--node-flags=--max-semi-space-size=4] [--live]
 *     [--label text] [--out results.jsonl]
 *
 * Each implementation runs in a fresh process (with `--expose-gc`) on a new empty 4-partition
 * topic: an unbounded job `source -> map -> sink` (the sink writes to a 4-partition topic,
 * at-least-once, and sleeps so that it writes at most `rate` records/s).
 * 1. **Idle**: the job is started, its consumer joins the group and has nothing to read; after
 *    3 s a full GC and 3 s of samples: the idle RSS is their maximum.
 * 2. The parent then produces `backlog` messages of ~200 bytes with kcat (in seconds: far faster
 *    than the sink), so the job runs with a backlog of several hundred thousand messages that it
 *    drains at `rate`; RSS, V8 heap and the source's buffer are sampled every 500 ms until the
 *    sink wrote `backlog` records; then the job stops.
 * Printed: idle RSS, RSS at the start (first 10 % of the run), middle and end (last 10 %), the
 * process's peak RSS (getrusage), and the breakdown (heap used/total, external, array buffers).
 * With `--live`, every 10 s a full GC and the heap used after it (the live set, not garbage
 * awaiting collection); those GCs shrink the heap, so RSS figures come from runs without it.
 * `mass` is kafkaSource -> map -> kafkaSink; `kafkajs` the bare kafkajs loop of bench/kafka.ts
 * (eachBatch -> map -> sendBatch per 1,024 -> commitOffsets, then the same sleep).
 */
import { spawn } from "node:child_process";
import { appendFileSync, unlinkSync } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { getHeapSpaceStatistics, writeHeapSnapshot } from "node:v8";
import { type KafkaRecord, type KafkaSource, kafkaSink, kafkaSource } from "../src/connectors/kafka/index.js";
import { Env, Sink } from "../src/index.js";
import {
  BATCH,
  bareClients,
  createTopics,
  type Event,
  forwardBatch,
  inputFile,
  mapEvent,
} from "./kafka-kit.js";

process.env.KAFKAJS_NO_PARTITIONER_WARNING = "1";
const SAMPLE_MS = 500;

/** One memory sample of the job's process. */
interface Sample {
  t: number;
  written: number;
  rssMB: number;
  heapUsedMB: number;
  heapTotalMB: number;
  newSpaceMB: number;
  /** Per V8 heap space (`v8.getHeapSpaceStatistics()`): committed size and used, MB. */
  spaces: Record<string, [size: number, used: number]>;
  externalMB: number;
  arrayBuffersMB: number;
  buffered: number;
  paused: boolean;
}

const MB = 2 ** 20;

function sample(t0: number, written: number, src: KafkaSource<Event> | undefined): Sample {
  const m = process.memoryUsage();
  const stats = getHeapSpaceStatistics();
  const ns = stats.find((s) => s.space_name === "new_space");
  const spaces: Record<string, [number, number]> = {};
  for (const s of stats) spaces[s.space_name] = [s.space_size / MB, s.space_used_size / MB];
  return {
    t: Math.round(performance.now() - t0),
    written,
    rssMB: m.rss / MB,
    heapUsedMB: m.heapUsed / MB,
    heapTotalMB: m.heapTotal / MB,
    newSpaceMB: (ns?.space_size ?? 0) / MB,
    spaces,
    externalMB: m.external / MB,
    arrayBuffersMB: m.arrayBuffers / MB,
    buffered: src?.bufferedRecords ?? 0,
    paused: src?.paused ?? false,
  };
}

/** A sink that writes through `inner`, then sleeps so that at most `rate` records/s pass. */
class Throttled<T> extends Sink<T> {
  private t0 = 0;
  written = 0;
  constructor(
    private readonly inner: Sink<T>,
    private readonly rate: number,
  ) {
    super();
  }
  override open(ctx: Parameters<NonNullable<Sink<T>["open"]>>[0]) {
    return this.inner.open?.(ctx);
  }
  async produce(elems: T[]): Promise<void> {
    await this.inner.produce(elems);
    if (this.written === 0) this.t0 = performance.now();
    this.written += elems.length;
    const wait = this.t0 + (this.written / this.rate) * 1000 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  override cleanup(err?: Error) {
    return this.inner.cleanup?.(err);
  }
}

/** Child: runs one implementation, prints `idle` when idle was measured, then one JSON result line. */
async function child(
  impl: string,
  brokers: string[],
  input: string,
  output: string,
  backlog: number,
  rate: number,
  sourceOpts: Record<string, number>,
  envOpts: Record<string, number>,
): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const group = `bench-mem-${impl}-${Date.now().toString(36)}`;
  const t0 = performance.now();
  let written = () => 0;
  let joined = () => false;
  let stop: () => Promise<void> = async () => {};
  let src: KafkaSource<Event> | undefined;
  const base = process.memoryUsage().rss / MB;
  if (impl === "mass") {
    src = kafkaSource<Event>({
      brokers,
      topics: input,
      groupId: group,
      startFrom: "earliest",
      ...sourceOpts,
    });
    const sink = new Throttled(
      kafkaSink<Event & { mapped: boolean }>({ brokers, topic: output, key: (r) => r.user }),
      rate,
    );
    const env = new Env({ batchSize: BATCH, ...envOpts });
    env
      .from(src)
      .map((r: KafkaRecord<Event>) => mapEvent(r.value))
      .to(sink);
    const run = env.run();
    const s = src;
    written = () => sink.written;
    joined = () => s.assignment.length > 0;
    stop = async () => {
      env.stop();
      await run;
    };
  } else {
    const { producer, consumer } = await bareClients(brokers, group);
    let isJoined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      isJoined = true;
    });
    await consumer.subscribe({ topic: input, fromBeginning: true });
    let n = 0;
    let first = 0;
    await consumer.run({
      autoCommit: false,
      eachBatch: ({ batch }) =>
        forwardBatch(producer, consumer, output, batch, async (records) => {
          if (n === 0) first = performance.now();
          n += records;
          const wait = first + (n / rate) * 1000 - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }),
    });
    written = () => n;
    joined = () => isJoined;
    stop = async () => {
      await consumer.disconnect();
      await producer.disconnect();
    };
  }
  while (!joined()) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 3000));
  gc();
  const idle: Sample[] = [];
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, SAMPLE_MS));
    idle.push(sample(t0, 0, src));
  }
  process.stdout.write("idle\n");
  const samples: Sample[] = [];
  /** Every 10 s: heap used right after a full GC (the live set, not the garbage awaiting collection). */
  const live: { t: number; heapMB: number; externalMB: number }[] = [];
  const snapshotAt = process.env.MASS_BENCH_SNAPSHOT;
  // a full GC every 10 s shrinks the heap: it lowers RSS, so it is off unless asked (--live)
  const liveEvery = process.env.MASS_BENCH_LIVE === "1";
  let snapshotTaken = false;
  const timer = setInterval(() => {
    samples.push(sample(t0, written(), src));
    if (liveEvery && samples.length % 20 === 0) {
      gc();
      const m = process.memoryUsage();
      live.push({
        t: Math.round(performance.now() - t0),
        heapMB: m.heapUsed / MB,
        externalMB: m.external / MB,
      });
    }
    if (snapshotAt !== undefined && !snapshotTaken && written() >= backlog / 2) {
      snapshotTaken = true;
      writeHeapSnapshot(snapshotAt);
    }
  }, SAMPLE_MS);
  while (written() < backlog) await new Promise((r) => setTimeout(r, 100));
  clearInterval(timer);
  await stop();
  const peakRssMB = (process.resourceUsage().maxRSS * 1024) / MB;
  // a pipe is written asynchronously: exit only once the (long) line is out
  await new Promise<void>((resolve) =>
    process.stdout.write(`${JSON.stringify({ impl, base, idle, samples, live, peakRssMB })}\n`, () =>
      resolve(),
    ),
  );
}

interface Result {
  impl: string;
  base: number;
  idle: Sample[];
  samples: Sample[];
  live: { t: number; heapMB: number; externalMB: number }[];
  peakRssMB: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      brokers: { type: "string" },
      rate: { type: "string", default: "3000" },
      backlog: { type: "string", default: "500000" },
      impls: { type: "string", default: "mass,kafkajs" },
      source: { type: "string", default: "" },
      env: { type: "string", default: "" },
      "node-flags": { type: "string", default: "" },
      label: { type: "string", default: "" },
      out: { type: "string" },
      live: { type: "boolean", default: false },
    },
  });
  if (values.brokers === undefined)
    throw new Error("--brokers host:port is required (start the broker first)");
  const brokers = values.brokers.split(",");
  const backlog = Number(values.backlog);
  const rate = Number(values.rate);
  const file = inputFile(backlog, `mem-${process.pid}`);
  const results: Result[] = [];
  try {
    for (const impl of values.impls!.split(",")) {
      const tag = `${impl}-${Date.now().toString(36)}`;
      const input = `bench-mem-in-${tag}`;
      const output = `bench-mem-out-${tag}`;
      await createTopics(brokers, [input, output]);
      const flags = values["node-flags"]!.split(" ").filter((f) => f !== "");
      const proc = spawn(
        process.execPath,
        [
          ...flags,
          "--expose-gc",
          "--import",
          "tsx",
          "bench/kafka-memory.ts",
          "child",
          impl,
          brokers.join(","),
          input,
          output,
          String(backlog),
          String(rate),
          values.source!,
          values.env!,
        ],
        {
          stdio: ["ignore", "pipe", "inherit"],
          env: { ...process.env, ...(values.live ? { MASS_BENCH_LIVE: "1" } : {}) },
        },
      );
      let result: Result | undefined;
      for await (const line of createInterface({ input: proc.stdout! })) {
        if (line === "idle") {
          const t = performance.now();
          const kcat = spawn("kcat", ["-P", "-b", brokers.join(","), "-t", input, "-K", "\t", "-l", file], {
            stdio: "inherit",
          });
          await new Promise((r) => kcat.on("exit", r));
          process.stderr.write(
            `${impl}: backlog of ${backlog} produced in ${((performance.now() - t) / 1000).toFixed(1)} s\n`,
          );
        } else if (line.startsWith("{")) result = JSON.parse(line) as Result;
      }
      if (result === undefined) throw new Error(`${impl}: the child printed no result`);
      results.push(result);
      if (values.out !== undefined)
        appendFileSync(values.out, `${JSON.stringify({ label: values.label, rate, backlog, ...result })}\n`);
      report(result, rate, values.label!);
    }
  } finally {
    unlinkSync(file);
  }
}

function report(r: Result, rate: number, label: string): void {
  const idle = Math.max(...r.idle.map((s) => s.rssMB));
  const s = r.samples;
  const at = (lo: number, hi: number) =>
    s.slice(Math.floor(s.length * lo), Math.max(Math.floor(s.length * lo) + 1, Math.floor(s.length * hi)));
  const maxOf = (xs: Sample[], f: (x: Sample) => number) => Math.max(...xs.map(f));
  const start = at(0, 0.1);
  const mid = at(0.45, 0.55);
  const end = at(0.9, 1);
  const f = (x: number) => x.toFixed(0);
  console.log(
    `\n${r.impl}${label === "" ? "" : ` (${label})`}: sink throttled to ${rate} records/s, ${s.at(-1)?.written ?? 0} records in ${((s.at(-1)?.t ?? 0) / 1000 - (s[0]?.t ?? 0) / 1000).toFixed(0)} s, ${s.length} samples`,
  );
  console.log(
    `  base RSS (before connect) ${f(r.base)} MB; idle RSS (joined, nothing to read) ${f(idle)} MB`,
  );
  console.log(
    `  RSS MB max  start ${f(maxOf(start, (x) => x.rssMB))}  middle ${f(maxOf(mid, (x) => x.rssMB))}  end ${f(maxOf(end, (x) => x.rssMB))}  over the run ${f(maxOf(s, (x) => x.rssMB))}  peak (getrusage, incl. stop) ${f(r.peakRssMB)}  => peak - idle ${f(maxOf(s, (x) => x.rssMB) - idle)} MB`,
  );
  console.log(
    `  max heapUsed ${f(maxOf(s, (x) => x.heapUsedMB))} heapTotal ${f(maxOf(s, (x) => x.heapTotalMB))} new space ${f(maxOf(s, (x) => x.newSpaceMB))} external ${f(maxOf(s, (x) => x.externalMB))} arrayBuffers ${f(maxOf(s, (x) => x.arrayBuffersMB))}; idle heapTotal ${f(Math.max(...r.idle.map((x) => x.heapTotalMB)))} external ${f(Math.max(...r.idle.map((x) => x.externalMB)))}; source buffer max ${maxOf(s, (x) => x.buffered)} records, paused in ${s.filter((x) => x.paused).length} of ${s.length} samples`,
  );
  const idleSpaces = r.idle.at(-1)?.spaces ?? {};
  console.log(
    `  V8 spaces, committed MB: idle -> max over the run (used at that max): ${Object.keys(idleSpaces)
      .map((k) => {
        const top = s.reduce((a, x) => ((x.spaces[k]?.[0] ?? 0) > (a.spaces[k]?.[0] ?? 0) ? x : a), s[0]!);
        return `${k.replace("_space", "")} ${f(idleSpaces[k]![0])} -> ${f(top.spaces[k]?.[0] ?? 0)} (${f(top.spaces[k]?.[1] ?? 0)})`;
      })
      .join(", ")}`,
  );
  const other = (x: Sample) => x.rssMB - x.heapTotalMB - x.arrayBuffersMB;
  const last = r.idle.at(-1)!;
  const peak = s.reduce((a, x) => (x.rssMB > a.rssMB ? x : a), s[0]!);
  const space = (x: Sample, k: string) => x.spaces[k]?.[0] ?? 0;
  const rss = s.map((x) => x.rssMB).sort((a, b) => a - b);
  console.log(
    `  at the RSS peak (${(peak.t / 1000).toFixed(0)} s), over idle: new space +${f(space(peak, "new_space") - space(last, "new_space"))}, old space +${f(space(peak, "old_space") - space(last, "old_space"))} (used ${f(peak.spaces.old_space?.[1] ?? 0)}), arrayBuffers +${f(peak.arrayBuffersMB - last.arrayBuffersMB)}, rest +${f(other(peak) - other(last))} MB; median RSS over the run - idle ${f(rss[Math.floor(rss.length / 2)]! - idle)} MB`,
  );
  console.log(
    `  RSS - heapTotal - arrayBuffers (code, stacks, malloc, C++ heap) MB: idle ${f(Math.max(...r.idle.map(other)))}, max over the run ${f(maxOf(s, other))}`,
  );
  if (r.live.length > 0)
    console.log(
      `  live heap after a full GC (every 10 s; s: heap MB / external MB): ${r.live.map((x) => `${(x.t / 1000).toFixed(0)}:${f(x.heapMB)}/${f(x.externalMB)}`).join(" ")}; idle heapUsed ${f(Math.max(...r.idle.map((x) => x.heapUsedMB)))}`,
    );
  const step = Math.max(1, Math.floor(s.length / 12));
  console.log(
    `  RSS over time (s: MB): ${s
      .filter((_, i) => i % step === 0)
      .map((x) => `${(x.t / 1000).toFixed(0)}:${f(x.rssMB)}`)
      .join(" ")}`,
  );
}

if (process.argv[2] === "child") {
  const [impl, brokers, input, output, backlog, rate, opts, envOpts] = process.argv.slice(3);
  const parse = (list: string | undefined) => {
    const out: Record<string, number> = {};
    for (const kv of (list ?? "").split(",").filter((x) => x !== "")) {
      const [k, v] = kv.split("=");
      out[k!] = Number(v);
    }
    return out;
  };
  await child(
    impl!,
    brokers!.split(","),
    input!,
    output!,
    Number(backlog),
    Number(rate),
    parse(opts),
    parse(envOpts),
  );
  process.exit(0);
} else {
  await main();
}
