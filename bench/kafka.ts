/**
 * Kafka -> map -> Kafka on the project's broker (issue 9's benchmark):
 *
 *   node --import tsx bench/kafka.ts [--records 1000000] [--runs 1] [--brokers 127.0.0.1:9092]
 *     [--impls kafkajs,kcat,mass,mass-eos,mass-throttled]
 *
 * A Mass implementation may name a variant: `mass+src.maxBufferedRecords=4096+env.highWaterMark=16`
 * runs `mass` with those kafkaSource / Env options (to compare defaults in one run).
 *
 * Without --brokers it starts the broker with scripts/services/kafka.ts (port MASS_TEST_KAFKA_PORT)
 * and stops it at the end. It seeds N messages of ~200 bytes (JSON, keyed) on a 4-partition
 * topic once (with kcat), then runs each implementation in a fresh process, interleaved, each
 * reading the whole topic with its own consumer group and writing every message, mapped, to its
 * own 4-partition output topic:
 * - `kafkajs`: a bare kafkajs loop, consumer `eachBatch` -> JSON.parse, map, JSON.stringify ->
 *   idempotent producer `sendBatch` per 1,024 messages (Mass's batch size), acks -1, offsets
 *   committed after each batch (at-least-once, as Mass);
 * - `kcat`: `kcat -C ... | kcat -P ...` (librdkafka, no mapping: the floor of the machine);
 * - `mass`: kafkaSource (bounded) -> map -> kafkaSink, at-least-once;
 * - `mass-eos`: the same with kafkaExactlyOnce (transaction interval `EOS_INTERVAL_MS`);
 * - `mass-throttled`: at-least-once with the sink throttled to a tenth of the `mass` rate
 *   measured in the same run, on a 150,000-message topic: peak RSS must stay flat (backpressure
 *   by pausing partitions, not buffering).
 * A child prints one JSON measurement line (bench/lib.ts format); the parent then reads each
 * output topic back with kcat at `read_committed` and counts the records themselves (distinct
 * input ids, duplicates; transaction markers are offsets, not records) and prints the table.
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { startKafka } from "../scripts/services/kafka.js";
import { type KafkaRecord, kafkaExactlyOnce, kafkaSink, kafkaSource } from "../src/connectors/kafka/index.js";
import { Env, Sink } from "../src/index.js";
import {
  BATCH,
  bareClients,
  client,
  createTopics,
  type Event,
  forwardBatch,
  inputFile,
  mapEvent,
} from "./kafka-kit.js";
import type { Measurement } from "./lib.js";
import { measure } from "./lib.js";

process.env.KAFKAJS_NO_PARTITIONER_WARNING = "1";
const EOS_INTERVAL_MS = 1000;

async function outputCount(brokers: string[], topic: string): Promise<number> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    const offs = await admin.fetchTopicOffsets(topic);
    return offs.reduce((s, p) => s + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The real records of an output topic, read back with kcat at `read_committed` (what a
 * transactional consumer sees; markers and aborted records are not records): distinct input ids
 * and duplicates, as `"<distinct> distinct, <dups> dup"`.
 */
async function committedRecords(brokers: string[], topic: string, n: number): Promise<string> {
  const kcat = spawn(
    "kcat",
    [
      "-C",
      "-b",
      brokers.join(","),
      "-t",
      topic,
      "-X",
      "isolation.level=read_committed",
      "-e",
      "-q",
      "-f",
      "%s\n",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const seen = new Uint8Array(n);
  let distinct = 0;
  let dups = 0;
  let other = 0;
  for await (const line of createInterface({ input: kcat.stdout! })) {
    const m = /"id":(\d+)/.exec(line);
    const id = m === null ? -1 : Number(m[1]);
    if (id < 0 || id >= n) other++;
    else if (seen[id] === 1) dups++;
    else {
      seen[id] = 1;
      distinct++;
    }
  }
  return `${distinct.toLocaleString("en")} distinct, ${dups} dup${other > 0 ? `, ${other} other` : ""}`;
}

/** Child: one implementation, prints one measurement line. */
async function child(
  impl: string,
  brokers: string[],
  input: string,
  output: string,
  n: number,
  rate: number,
) {
  const group = `bench-${impl.replace(/[^\w.-]/g, "_")}-${Date.now().toString(36)}`;
  // `mass+src.maxBufferedRecords=4096+env.highWaterMark=16`: a Mass variant with those options
  const [base, ...opts] = impl.split("+");
  const srcOpts: Record<string, number> = {};
  const envOpts: Record<string, number> = {};
  for (const o of opts) {
    const m = /^(src|env)\.(\w+)=(\d+)$/.exec(o);
    if (m === null) throw new Error(`bad variant ${o} of ${impl} (src.key=N or env.key=N)`);
    (m[1] === "src" ? srcOpts : envOpts)[m[2]!] = Number(m[3]);
  }
  await measure("kafka -> map -> kafka", impl, n, async () => {
    if (base === "kcat") return kcatPipe(brokers, input, output, n);
    if (base === "kafkajs") return bareLoop(brokers, input, output, group, n);
    const eos =
      base === "mass-eos"
        ? kafkaExactlyOnce({ brokers, transactionalId: group, commitIntervalMs: EOS_INTERVAL_MS })
        : undefined;
    const sink = kafkaSink<Event & { mapped: boolean }>({
      brokers,
      topic: output,
      key: (r) => r.user,
      ...(eos === undefined ? {} : { exactlyOnce: eos }),
    });
    const env = new Env({ batchSize: BATCH, ...envOpts });
    const stream = env
      .from(
        kafkaSource<Event>({
          brokers,
          topics: input,
          groupId: group,
          startFrom: "earliest",
          bounded: true,
          ...(eos === undefined ? {} : { exactlyOnce: eos }),
          ...srcOpts,
        }),
      )
      .map((r: KafkaRecord<Event>) => mapEvent(r.value));
    const counter = base === "mass-throttled" ? new Throttled(sink, rate) : sink;
    await stream.to(counter);
    return String(await outputCount(brokers, output));
  });
}

/** Wraps a sink: at most `rate` records/s (sleeps after each batch). */
class Throttled<T> extends Sink<T> {
  private t0 = 0;
  private written = 0;
  constructor(
    private readonly inner: Sink<T>,
    private readonly rate: number,
  ) {
    super();
  }
  override open(ctx: Parameters<NonNullable<Sink<T>["open"]>>[0]) {
    this.t0 = performance.now();
    return this.inner.open?.(ctx);
  }
  async produce(elems: T[]): Promise<void> {
    await this.inner.produce(elems);
    this.written += elems.length;
    const due = this.t0 + (this.written / this.rate) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  override cleanup(err?: Error) {
    return this.inner.cleanup?.(err);
  }
}

/** The bare kafkajs consumer -> producer loop. */
async function bareLoop(
  brokers: string[],
  input: string,
  output: string,
  group: string,
  n: number,
): Promise<string> {
  const { producer, consumer } = await bareClients(brokers, group);
  await consumer.subscribe({ topic: input, fromBeginning: true });
  let seen = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      await forwardBatch(producer, consumer, output, batch, (records) => {
        seen += records;
      });
      if (seen >= n) finish();
    },
  });
  await finished;
  await consumer.disconnect();
  await producer.disconnect();
  return String(await outputCount(brokers, output));
}

/** `kcat -C | kcat -P`; peak RSS of the two kcat processes is read from /proc while they run. */
async function kcatPipe(brokers: string[], input: string, output: string, n: number): Promise<string> {
  const b = brokers.join(",");
  const consumer = spawn(
    "kcat",
    ["-C", "-b", b, "-t", input, "-o", "beginning", "-c", String(n), "-q", "-K", "\t", "-f", "%k\t%s\n"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const producer = spawn(
    "kcat",
    ["-P", "-b", b, "-t", output, "-K", "\t", "-X", "acks=all", "-X", "enable.idempotence=true"],
    {
      stdio: ["pipe", "inherit", "inherit"],
    },
  );
  consumer.stdout.pipe(producer.stdin);
  let peakKB = 0;
  const poll = setInterval(() => {
    let kb = 0;
    for (const pid of [consumer.pid, producer.pid]) {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
        kb += m === null ? 0 : Number(m[1]);
      } catch {}
    }
    peakKB = Math.max(peakKB, kb);
  }, 50);
  await new Promise<void>((resolve) => producer.on("exit", () => resolve()));
  clearInterval(poll);
  writeFileSync(join(tmpdir(), "mass-bench-kcat-rss"), String(peakKB / 1024));
  return String(await outputCount(brokers, output));
}

/** Seeds `n` keyed JSON messages of ~200 bytes on a new 4-partition topic, with kcat. */
async function seed(brokers: string[], topic: string, n: number): Promise<void> {
  const file = inputFile(n, topic);
  execFileSync("kcat", ["-P", "-b", brokers.join(","), "-t", topic, "-K", "\t", "-l", file], {
    stdio: "inherit",
  });
  unlinkSync(file);
}

/** Parent: broker, seed, interleaved runs, table. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      records: { type: "string", default: "1000000" },
      runs: { type: "string", default: "1" },
      brokers: { type: "string" },
      impls: { type: "string", default: "kafkajs,kcat,mass,mass-eos,mass-throttled" },
    },
  });
  const n = Number(values.records);
  const runs = Number(values.runs);
  const service =
    values.brokers === undefined
      ? await startKafka({ log: (m) => process.stderr.write(`kafka: ${m}\n`) })
      : undefined;
  const brokers = values.brokers?.split(",") ?? service!.brokers;
  try {
    const tag = Date.now().toString(36);
    const input = `bench-in-${tag}`;
    await createTopics(brokers, [input]);
    const t0 = performance.now();
    await seed(brokers, input, n);
    process.stderr.write(`seeded ${n} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    // the throttled run reads a smaller topic (a tenth of the rate: minutes otherwise)
    const small = Math.min(n, 150_000);
    const smallInput = `bench-in-small-${tag}`;
    await createTopics(brokers, [smallInput]);
    await seed(brokers, smallInput, small);
    const impls = values.impls!.split(",");
    const results = new Map<string, Measurement[]>();
    let massRps = 0;
    for (let r = 0; r < runs; r++) {
      for (const impl of impls) {
        const throttled = impl.split("+")[0] === "mass-throttled";
        if (throttled && massRps === 0) continue;
        const output = `bench-out-${impl.replace(/[^\w.-]/g, "_")}-${tag}-${r}`;
        await createTopics(brokers, [output]);
        const rate = Math.max(1000, Math.round(massRps / 10));
        const records = throttled ? small : n;
        const inTopic = throttled ? smallInput : input;
        const out = execFileSync(
          process.execPath,
          [
            "--expose-gc",
            "--import",
            "tsx",
            "bench/kafka.ts",
            "child",
            impl,
            brokers.join(","),
            inTopic,
            output,
            String(records),
            String(rate),
          ],
          { encoding: "utf8", maxBuffer: 1 << 24, stdio: ["ignore", "pipe", "inherit"] },
        );
        const m = JSON.parse(out.trim().split("\n").at(-1)!) as Measurement;
        if (impl === "kcat") {
          try {
            m.peakRssMB = Number(readFileSync(join(tmpdir(), "mass-bench-kcat-rss"), "utf8"));
            m.baseRssMB = 0;
          } catch {}
        }
        if (impl === "mass") massRps = m.rps;
        // the child counted offsets (markers included); count the committed records themselves
        m.checksum = `${await committedRecords(brokers, output, records)} (${Number(m.checksum).toLocaleString("en")} offsets)`;
        if (throttled) m.scenario = `throttled to ${rate} records/s`;
        results.set(impl, [...(results.get(impl) ?? []), m]);
        process.stderr.write(
          `${impl}: ${Math.round(m.rps)} records/s, peak RSS ${m.peakRssMB.toFixed(0)} MB (${m.checksum})\n`,
        );
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ref = med((results.get("kafkajs") ?? []).map((m) => m.rps));
    console.log(
      `\n### Kafka -> map -> Kafka (${n.toLocaleString("en")} messages of ~200 bytes, 4 partitions, median of ${runs})\n`,
    );
    console.log(
      "| implementation | records | records/s | x kafkajs | peak RSS MB | RSS growth MB | output records, read_committed (offsets) |",
    );
    console.log("|---|---:|---:|---:|---:|---:|---:|");
    for (const [impl, ms] of results) {
      const rps = med(ms.map((m) => m.rps));
      const rss = med(ms.map((m) => m.peakRssMB));
      const growth = med(ms.map((m) => m.peakRssMB - m.baseRssMB));
      const label =
        impl === "mass-eos"
          ? `mass-eos (transaction every ${EOS_INTERVAL_MS} ms)`
          : impl === "mass-throttled"
            ? `mass, sink ${ms[0]!.scenario}`
            : impl;
      console.log(
        `| ${label} | ${ms[0]!.records.toLocaleString("en")} | ${Math.round(rps).toLocaleString("en")} | ${ref > 0 ? (rps / ref).toFixed(2) : ""} | ${rss.toFixed(0)} | ${impl === "kcat" ? "" : growth.toFixed(0)} | ${ms[0]!.checksum} |`,
      );
    }
    console.log(`\nnode ${process.version}, ${new Date().toISOString()}`);
  } finally {
    await service?.stop();
  }
}

if (process.argv[2] === "child") {
  const [impl, brokers, input, output, n, rate] = process.argv.slice(3);
  await child(impl!, brokers!.split(","), input!, output!, Number(n), Number(rate));
  process.exit(0);
} else {
  await main();
}
