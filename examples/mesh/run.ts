/**
 * Runs one of the mesh examples end to end against real servers: starts Kafka
 * (scripts/services/kafka.ts) and Elasticsearch (scripts/services/elasticsearch.ts) unless
 * `MASS_TEST_KAFKA_BROKERS` / `MASS_TEST_ES_URL` name running ones, makes sure MariaDB is up,
 * seeds a fresh MySQL table and input topic, runs the job, reads back both outputs and prints
 * their counts and each path's rate, then drops what it created and stops what it started.
 *
 * Options: `--mysql-rows` (default 20,000), `--kafka-messages` (20,000), `--es-delay-ms` (delay
 * before each Elasticsearch bulk, default 100: the slow Elasticsearch), `--batch-size` (500),
 * `--high-water-mark` (4). Ports: `MASS_TEST_KAFKA_PORT`, `MASS_TEST_ES_PORT`.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { Client } from "@elastic/elasticsearch";
import mysql from "mysql2/promise";
import { startElasticsearch } from "../../scripts/services/elasticsearch.js";
import { startKafka } from "../../scripts/services/kafka.js";
import { ensureMariaDb } from "../../scripts/services/mariadb.js";
import { Env } from "../../src/index.js";
import { connectorParts } from "./connectors.js";
import { dropTopics, readIndex, readTopic, seedKafka, seedMysql } from "./io.js";
import type { MeshJob, MeshParts } from "./parts.js";
import { SinkMeter } from "./throttle.js";

/** What {@link runExample} measured. */
export interface ExampleResult {
  /** Records in the output topic / in the index after the run. */
  kafkaCount: number;
  esCount: number;
  /** Records/s of each path's sink (SinkMeter). */
  kafkaRate: number;
  esRate: number;
}

/**
 * Runs `build` (sharedMesh or splitMesh) as described in the file's docs and prints the outcome.
 * Always stops the servers it started, also when the job fails.
 */
export async function runExample(
  name: string,
  build: (env: Env, parts: MeshParts) => MeshJob,
): Promise<ExampleResult> {
  const { values } = parseArgs({
    options: {
      "mysql-rows": { type: "string", default: "20000" },
      "kafka-messages": { type: "string", default: "20000" },
      "es-delay-ms": { type: "string", default: "100" },
      "batch-size": { type: "string", default: "500" },
      "high-water-mark": { type: "string", default: "4" },
    },
  });
  const rows = Number(values["mysql-rows"]);
  const messages = Number(values["kafka-messages"]);
  const esDelayMs = Number(values["es-delay-ms"]);
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const stops: (() => Promise<void>)[] = [];
  const suffix = randomBytes(3).toString("hex");
  try {
    let brokers = process.env.MASS_TEST_KAFKA_BROKERS?.split(",").filter((b) => b !== "");
    if (brokers === undefined || brokers.length === 0) {
      const kafka = await startKafka({ log: (m) => log(`kafka: ${m}`) });
      stops.push(() => kafka.stop());
      brokers = kafka.brokers;
    }
    let esUrl = process.env.MASS_TEST_ES_URL;
    if (esUrl === undefined || esUrl === "") {
      const es = await startElasticsearch({ log: (m) => log(`elasticsearch: ${m}`) });
      stops.push(() => es.stop());
      esUrl = es.url;
    }
    const db = await ensureMariaDb();
    const table = `mass_mesh_orders_${suffix}`;
    const topics = { input: `mesh-orders-${suffix}`, output: `mesh-enriched-${suffix}` };
    const index = `mass-mesh-orders-${suffix}`;
    const conn = await mysql.createConnection(db);
    const client = new Client({ node: esUrl });
    stops.push(async () => {
      await conn.query("DROP TABLE IF EXISTS ??", [table]).catch(() => {});
      await conn
        .query("DELETE FROM mass_offsets WHERE id LIKE ?", [`mesh-${name}-${suffix}-%`])
        .catch(() => {});
      await conn.end();
      await client.indices.delete({ index, ignore_unavailable: true }).catch(() => {});
      await client.close();
      await dropTopics(brokers, [topics.input, topics.output]).catch(() => {});
    });
    log(`seeding ${rows} rows into MySQL table ${table} and ${messages} messages into topic ${topics.input}`);
    await seedMysql(conn, table, rows);
    await seedKafka(brokers, topics, messages);

    const kafkaMeter = new SinkMeter("kafka path");
    const esMeter = new SinkMeter("elasticsearch path");
    const env = new Env({
      name: `mesh-${name}`,
      batchSize: Number(values["batch-size"]),
      highWaterMark: Number(values["high-water-mark"]),
    });
    build(
      env,
      connectorParts({
        mysql: db,
        table,
        brokers,
        inputTopic: topics.input,
        outputTopic: topics.output,
        jobId: `mesh-${name}-${suffix}`,
        elasticsearch: esUrl,
        index,
        esDelayMs,
        kafkaMeter,
        esMeter,
      }),
    );
    log(`running the ${name} mesh (Elasticsearch delayed ${esDelayMs} ms per bulk)`);
    const t0 = performance.now();
    await env.run();
    const doneAfter = (m: SinkMeter) => (((m.lastAt ?? t0) - t0) / 1000).toFixed(1);
    const seconds = (performance.now() - t0) / 1000;
    const kafkaOut = await readTopic(brokers, topics.output);
    const esOut = await readIndex(client, index);
    const result: ExampleResult = {
      kafkaCount: kafkaOut.length,
      esCount: esOut.length,
      kafkaRate: kafkaMeter.rate(),
      esRate: esMeter.rate(),
    };
    const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
    process.stdout.write(
      [
        `mesh ${name}: ${fmt(rows)} MySQL rows + ${fmt(messages)} Kafka messages, run ${seconds.toFixed(1)} s`,
        `  kafka sink:         ${fmt(kafkaMeter.records)} records written, ${fmt(result.kafkaCount)} in topic ${topics.output}, ${fmt(result.kafkaRate)} records/s, done after ${doneAfter(kafkaMeter)} s`,
        `  elasticsearch sink: ${fmt(esMeter.records)} records written, ${fmt(result.esCount)} in index ${index}, ${fmt(result.esRate)} records/s, done after ${doneAfter(esMeter)} s`,
        "",
      ].join("\n"),
    );
    return result;
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}
