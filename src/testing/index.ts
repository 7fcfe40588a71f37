/**
 * `mass-stream/testing`: the test kit for jobs and operators (see docs/testing.md): a virtual-time
 * harness, fast-check arbitraries of event streams, reference models as plain loops, and
 * aggregator laws.
 * @module
 */

export { VirtualClock } from "../util/virtual-clock.js";
export * from "./arbitraries.js";
export * from "./harness.js";
export * from "./laws.js";
export * from "./reference.js";
export * from "./replay.js";
