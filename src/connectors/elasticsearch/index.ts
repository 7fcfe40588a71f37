export { MemoryOffsetStore, memoryOffsetStore, type OffsetStore } from "../offset-store.js";
export type { ElasticsearchConnection } from "./client.js";
export * from "./elasticsearch-sink.js";
export * from "./elasticsearch-source.js";
export { ElasticsearchError, type ElasticsearchErrorOptions } from "./errors.js";
export * from "./offset-store.js";
export type { ElasticsearchSinkOptions, ElasticsearchSourceOptions } from "./options.js";
