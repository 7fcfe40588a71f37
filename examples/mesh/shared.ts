/**
 * The original design's pipeline mesh, as it wrote it: a MySQL source and a Kafka source feed ONE
 * shared Calculator (a fan-in node), whose output goes to a Kafka sink and an Elasticsearch sink
 * (a fan-out). Its backpressure side effect: the Calculator waits for its slowest output, so a
 * slow Elasticsearch slows the Kafka path too — both sources are read no faster than
 * Elasticsearch writes. split.ts is the fix.
 *
 *   npm run example:mesh -- [--mysql-rows 20000] [--kafka-messages 20000] [--es-delay-ms 0]
 *
 * starts Kafka and Elasticsearch (scripts/services/), seeds a MySQL table and a Kafka topic,
 * runs this job, prints the counts in both sinks and the rate of each path, stops what it
 * started (run.ts).
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Env } from "../../src/index.js";
import { EnrichOrders } from "./orders.js";
import type { MeshJob, MeshParts } from "./parts.js";

/**
 * Adds the shared mesh to `env`: `mysqlSource` and `kafkaSource` into one {@link EnrichOrders},
 * out to the Kafka sink and the Elasticsearch sink. Every record reaches both sinks; a source's
 * position is acknowledged (committed) once both sinks wrote the record.
 */
export function sharedMesh(env: Env, parts: MeshParts): MeshJob {
  const enrich = new EnrichOrders();
  const orders = env.from(parts.mysqlSource("shared")).compute(enrich);
  env.from(parts.kafkaSource("shared")).compute(enrich);
  return {
    kafkaPath: orders.to(parts.kafkaSink()),
    elasticsearchPath: orders.to(parts.elasticsearchSink()),
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { runExample } = await import("./run.js");
  await runExample("shared", sharedMesh);
}
