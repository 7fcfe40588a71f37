export * from "./csv-sink.js";
export * from "./csv-source.js";
export * from "./jsonl-sink.js";
export * from "./jsonl-source.js";
export * from "./parquet-source.js";
export * from "./stdout-sink.js";
