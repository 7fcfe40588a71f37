export * from "./aggregators/index.js";
export * from "./checkpoints/index.js";
export * from "./group-by-state-aggregator.js";
export * from "./keyed-state-store.js";
export * from "./state-aggregator.js";
export * from "./state-generator.js";
export * from "./windows/index.js";
