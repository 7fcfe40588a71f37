/**
 * Kafka connector (`mass-stream/connectors/kafka`): consumer-group source, idempotent sink and
 * exactly-once Kafka to Kafka on kafkajs (docs/connectors.md, "Kafka"). kafkajs is an optional
 * peer dependency: install it to use this subpath; the core import never loads it.
 * @packageDocumentation
 */
export type { KafkaConnectionOptions } from "./client.js";
export { KafkaError, type KafkaErrorContext, type KafkaErrorOptions, kafkaError } from "./errors.js";
