import "./methods/compute.js";
import "./methods/filter.js";
import "./methods/flat-map.js";
import "./methods/map.js";
import "./methods/map-async.js";
import "./methods/mutate.js";
import "./methods/tap.js";
import "./methods/union.js";

export * from "./env.js";
export * from "./options.js";
export * from "./pipeline.js";
export * from "./report.js";
export * from "./stream.js";
export * from "./topology.js";
