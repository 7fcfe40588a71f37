/**
 * What a mesh is built from. The builders ({@link sharedMesh} in shared.ts, {@link splitMesh} in
 * split.ts) take factories rather than instances: the split mesh makes one copy of each source
 * per sink, and each copy must keep its own position (its own Kafka consumer group, its own MySQL
 * offset key), so a factory receives the name of the copy it builds for.
 */
import type { Sink, Source } from "../../src/index.js";
import type { EnrichedOrder, KafkaOrder, OrderRow } from "./orders.js";

/** Factories of the mesh's sources and sinks (real connectors in connectors.ts; tests may pass memory ones). */
export interface MeshParts {
  /** A new source of the MySQL order table for pipeline copy `copy` (its own offset key). */
  mysqlSource(copy: string): Source<OrderRow>;
  /** A new source of the input Kafka topic for pipeline copy `copy` (its own consumer group). */
  kafkaSource(copy: string): Source<KafkaOrder>;
  /** A new sink writing to the output Kafka topic. */
  kafkaSink(): Sink<EnrichedOrder>;
  /** A new sink writing to the Elasticsearch index. */
  elasticsearchSink(): Sink<EnrichedOrder>;
}

/** What a builder returns: the pipelines into each sink and the Calculator instance(s) it made. */
export interface MeshJob {
  /** Resolves when the Kafka sink (every copy of it) is done. */
  kafkaPath: PromiseLike<unknown>;
  /** Resolves when the Elasticsearch sink (every copy of it) is done. */
  elasticsearchPath: PromiseLike<unknown>;
}
