// kafka sink part (ksink); the lead and the source add theirs

export { type KafkaConnectionOptions, KafkaError } from "./client.js";
export * from "./exactly-once.js";
export * from "./kafka-sink.js";
export type { KafkaSinkOptions, KafkaValueEncoding } from "./sink-options.js";
