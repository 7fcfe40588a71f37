// The original design's pipeline mesh on the real servers (Kafka, MariaDB, Elasticsearch started
// by the project's scripts): MySQL and Kafka sources into one Calculator, out to Kafka and
// Elasticsearch (examples/mesh/shared.ts), and its split (examples/mesh/split.ts). Checks that
// every record reaches both sinks (read back with kafkajs and the Elasticsearch client), that
// the sources committed their positions, and that a throttled Elasticsearch sink slows the Kafka
// path of the shared mesh but not of the split one (rates measured, direction asserted).
import { randomBytes } from "node:crypto";
import { Client } from "@elastic/elasticsearch";
import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectorParts, mysqlOffsetKey } from "../../../examples/mesh/connectors.js";
import {
  dropTopics,
  orderEvent,
  orderRow,
  plainKafka,
  readIndex,
  readTopic,
  seedKafka,
  seedMysql,
} from "../../../examples/mesh/io.js";
import { type EnrichedOrder, enrichEvent, enrichRow } from "../../../examples/mesh/orders.js";
import type { MeshJob, MeshParts } from "../../../examples/mesh/parts.js";
import { sharedMesh } from "../../../examples/mesh/shared.js";
import { splitMesh } from "../../../examples/mesh/split.js";
import { SinkMeter } from "../../../examples/mesh/throttle.js";
import { ensureMariaDb } from "../../../scripts/services/mariadb.js";
import { Env } from "../../../src/index.js";
import { adminConnection, mysqlConfig } from "../mysql/db.js";

const ROWS = 4_000;
const MESSAGES = 4_000;
const suffix = randomBytes(3).toString("hex");
const table = `mass_mesh_${suffix}`;
const inputTopic = `mesh-in-${suffix}`;

let brokers: string[];
let esUrl: string;
let conn: Connection;
let es: Client;
const outputs: { topic: string; index: string; jobId: string }[] = [];

/** What both sinks must hold: every row and every message, enriched, by id. */
function expectedById(): Map<string, EnrichedOrder> {
  const m = new Map<string, EnrichedOrder>();
  for (let i = 0; i < ROWS; i++) {
    const e = enrichRow(orderRow(i));
    m.set(e.id, e);
  }
  for (let i = 0; i < MESSAGES; i++) {
    const e = enrichEvent(orderEvent(i));
    m.set(e.id, e);
  }
  return m;
}

/** JSON round trip: what a record looks like once read back from Kafka or Elasticsearch. */
const asJson = (r: EnrichedOrder) => JSON.parse(JSON.stringify(r)) as EnrichedOrder;

interface MeshRun {
  name: string;
  topic: string;
  index: string;
  jobId: string;
  kafkaMeter: SinkMeter;
  esMeter: SinkMeter;
}

async function runMesh(
  name: string,
  build: (env: Env, parts: MeshParts) => MeshJob,
  options: { esDelayMs: number; batchSize: number; highWaterMark: number },
): Promise<MeshRun> {
  const run = `${name}-${randomBytes(3).toString("hex")}`;
  const topic = `mesh-out-${run}`;
  const index = `mass-mesh-${run}`;
  outputs.push({ topic, index, jobId: `mesh-${run}` });
  const admin = plainKafka(brokers).admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
  await admin.disconnect();
  const kafkaMeter = new SinkMeter("kafka path");
  const esMeter = new SinkMeter("elasticsearch path");
  const jobId = `mesh-${run}`;
  const env = new Env({ batchSize: options.batchSize, highWaterMark: options.highWaterMark });
  build(
    env,
    connectorParts({
      mysql: mysqlConfig(),
      table,
      brokers,
      inputTopic,
      outputTopic: topic,
      jobId,
      elasticsearch: esUrl,
      index,
      esDelayMs: options.esDelayMs,
      kafkaMeter,
      esMeter,
    }),
  );
  await env.run();
  return { name, topic, index, jobId, kafkaMeter, esMeter };
}

/** Committed offset of `groupId` per partition of the input topic. */
async function committed(groupId: string): Promise<number[]> {
  const admin = plainKafka(brokers).admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [inputTopic] });
    return t.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
  } finally {
    await admin.disconnect();
  }
}

async function endOffsets(): Promise<number[]> {
  const admin = plainKafka(brokers).admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(inputTopic);
    return ends.sort((a, b) => a.partition - b.partition).map((p) => Number(p.high));
  } finally {
    await admin.disconnect();
  }
}

/** The MySQL cursor the copy's source stored (default offset table), or undefined. */
async function storedCursor(run: MeshRun, copy: string): Promise<string | undefined> {
  const key = mysqlOffsetKey({ jobId: run.jobId, table }, copy);
  const [rows] = (await conn.query("SELECT value FROM mass_offsets WHERE id = ?", [key])) as [
    { value: string }[],
    unknown,
  ];
  return rows[0]?.value;
}

async function checkOutputs(run: MeshRun): Promise<void> {
  const want = expectedById();
  const inTopic = await readTopic(brokers, run.topic);
  expect(inTopic.length).toBe(want.size);
  const byKey = new Map(inTopic.map((m) => [m.key, m.value]));
  expect(byKey.size).toBe(want.size); // no duplicates
  for (const [id, e] of want) expect(byKey.get(id)).toEqual(asJson(e));
  const inIndex = await readIndex(es, run.index);
  expect(inIndex.length).toBe(want.size);
  for (const d of inIndex) expect(d.source).toEqual(asJson(want.get(d.id) as EnrichedOrder));
  expect(new Set(inIndex.map((d) => d.id))).toEqual(new Set(want.keys()));
}

beforeAll(async () => {
  brokers = inject("kafkaBrokers");
  esUrl = inject("elasticsearchUrl");
  await ensureMariaDb(mysqlConfig());
  conn = await adminConnection();
  es = new Client({ node: esUrl });
  await seedMysql(conn, table, ROWS);
  await seedKafka(brokers, { input: inputTopic }, MESSAGES);
});

afterAll(async () => {
  await conn?.query("DROP TABLE IF EXISTS ??", [table]).catch(() => {});
  for (const o of outputs)
    await conn?.query("DELETE FROM mass_offsets WHERE id LIKE ?", [`${o.jobId}-%`]).catch(() => {});
  await conn?.end();
  for (const o of outputs)
    await es?.indices.delete({ index: o.index, ignore_unavailable: true }).catch(() => {});
  await es?.close();
  if (brokers !== undefined) await dropTopics(brokers, [inputTopic, ...outputs.map((o) => o.topic)]);
});

describe("the pipeline mesh on Kafka, MariaDB and Elasticsearch", () => {
  it("shared mesh: every record of both sources reaches both sinks, and both sources commit", async () => {
    const run = await runMesh("shared", sharedMesh, { esDelayMs: 0, batchSize: 500, highWaterMark: 4 });
    await checkOutputs(run);
    expect(run.kafkaMeter.records).toBe(ROWS + MESSAGES);
    expect(run.esMeter.records).toBe(ROWS + MESSAGES);
    // acknowledged only once both sinks wrote: the group's offsets are at the end, the cursor at the last row
    expect(await committed(`${run.jobId}-shared`)).toEqual(await endOffsets());
    expect(await storedCursor(run, "shared")).toBe(`[{"n":${ROWS}}]`);
  });

  it("split mesh: every record reaches both sinks through its own copy, each copy commits its own positions", async () => {
    const run = await runMesh("split", splitMesh, { esDelayMs: 0, batchSize: 500, highWaterMark: 4 });
    await checkOutputs(run);
    const ends = await endOffsets();
    expect(await committed(`${run.jobId}-to-kafka`)).toEqual(ends);
    expect(await committed(`${run.jobId}-to-elasticsearch`)).toEqual(ends);
    expect(await storedCursor(run, "to-kafka")).toBe(`[{"n":${ROWS}}]`);
    expect(await storedCursor(run, "to-elasticsearch")).toBe(`[{"n":${ROWS}}]`);
  });

  it("a throttled Elasticsearch sink slows the shared mesh's Kafka path, and not the split mesh's", async () => {
    // 200 records a batch, 400 ms before each bulk: Elasticsearch writes at most 500 records/s
    const options = { esDelayMs: 400, batchSize: 200, highWaterMark: 2 };
    const shared = await runMesh("shared-slow", sharedMesh, options);
    const split = await runMesh("split-slow", splitMesh, options);
    const rates = {
      shared: { kafka: shared.kafkaMeter.rate(), es: shared.esMeter.rate() },
      split: { kafka: split.kafkaMeter.rate(), es: split.esMeter.rate() },
    };
    process.stderr.write(`mesh rates (records/s): ${JSON.stringify(rates)}\n`);
    for (const run of [shared, split]) {
      expect(run.kafkaMeter.records, `${run.name}: records the Kafka sink wrote`).toBe(ROWS + MESSAGES);
      expect(run.esMeter.records, `${run.name}: records the Elasticsearch sink wrote`).toBe(ROWS + MESSAGES);
    }
    // shared: the Calculator waits for Elasticsearch, so Kafka gets records at Elasticsearch's pace
    expect(rates.shared.kafka).toBeLessThan(rates.shared.es * 1.5);
    // split: the Kafka copy runs at its own pace, the Elasticsearch copy stays throttled
    expect(rates.split.kafka).toBeGreaterThan(rates.shared.kafka * 3);
    expect(rates.split.kafka).toBeGreaterThan(rates.split.es * 3);
    // still everything in both sinks
    await checkOutputs(split);
  });
});
