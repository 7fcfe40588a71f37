/**
 * Kafka connector (`mass-stream/connectors/kafka`): consumer-group source, idempotent sink and
 * exactly-once Kafka to Kafka on kafkajs (docs/connectors.md, "Kafka"). kafkajs is an optional
 * peer dependency: install it to use this subpath; the core import never loads it.
 * @packageDocumentation
 */
export type { KafkaConnectionOptions } from "./client.js";
export type {
  KafkaMessageMeta,
  KafkaRecord,
  KafkaValueFormat,
  UndecodableMessage,
} from "./decode.js";
export { KafkaError, type KafkaErrorContext, type KafkaErrorOptions, kafkaError } from "./errors.js";
export * from "./exactly-once.js";
export * from "./kafka-sink.js";
export { type KafkaPartitionMetrics, KafkaSource, kafkaSource } from "./kafka-source.js";
export type { KafkaSinkOptions, KafkaValueEncoding } from "./sink-options.js";
export type {
  KafkaExactlyOnceHook,
  KafkaSourceOptions,
  KafkaStartFrom,
} from "./source-options.js";
