export * from "./aggregators/index.js";
export * from "./keyed-state-store.js";
export * from "./state-aggregator.js";
export * from "./windows/index.js";
