export { MemoryOffsetStore, memoryOffsetStore, type OffsetStore } from "../offset-store.js";
export type { MysqlConnection } from "./client.js";
export type { CursorTuple } from "./cursor.js";
export { MysqlError, type MysqlErrorOptions } from "./errors.js";
export * from "./mysql-sink.js";
export * from "./mysql-source.js";
export * from "./offset-store.js";
export type { MysqlColumnValue, MysqlSinkOptions, MysqlSourceOptions } from "./options.js";
