/**
 * The original design's fix for the mesh's backpressure side effect: split the mesh so that each
 * sink is fed by its own copy of the pipeline — its own MySQL source (own offset key), its own
 * Kafka source (own consumer group) and its own {@link EnrichOrders}. The copies share no node,
 * so a slow Elasticsearch slows only its own copy; the Kafka path runs at its own pace. The price:
 * both inputs are read twice, and each copy commits its own positions (a restart resumes each
 * copy where that copy's sink left off).
 *
 *   npm run example:mesh-split -- [--mysql-rows 20000] [--kafka-messages 20000] [--es-delay-ms 0]
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Env, Sink } from "../../src/index.js";
import { type EnrichedOrder, EnrichOrders } from "./orders.js";
import type { MeshJob, MeshParts } from "./parts.js";

/**
 * Adds the split mesh to `env`: for each sink, a copy of the shared mesh's pipeline
 * (`mysqlSource` and `kafkaSource` into a Calculator of its own, out to that one sink).
 * Every record reaches both sinks, each through its own copy.
 */
export function splitMesh(env: Env, parts: MeshParts): MeshJob {
  const copy = (name: string, sink: Sink<EnrichedOrder>) => {
    const enrich = new EnrichOrders();
    const orders = env.from(parts.mysqlSource(name)).compute(enrich);
    env.from(parts.kafkaSource(name)).compute(enrich);
    return orders.to(sink);
  };
  return {
    kafkaPath: copy("to-kafka", parts.kafkaSink()),
    elasticsearchPath: copy("to-elasticsearch", parts.elasticsearchSink()),
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { runExample } = await import("./run.js");
  await runExample("split", splitMesh);
}
