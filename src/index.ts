/**
 * Mass: stream processing for Node.js. The public entry: re-exports the user-facing API.
 * @module
 */

export * from "./connectors/file/index.js";
export * from "./env/index.js";
export * from "./errors.js";
export * from "./operators/index.js";
export type { CheckpointStats } from "./runtime/checkpoint/coordinator.js";
export type { NodeStatus } from "./runtime/node.js";
export type { NodeStats } from "./runtime/stats.js";
export * from "./states/index.js";
export { type Clock, systemClock } from "./util/clock.js";
export type { Logger } from "./util/logger.js";
export { silentLogger } from "./util/logger.js";
