/**
 * `mass-stream/bench`: measure a job's records/s and peak RSS over runs in fresh processes, with the
 * report format of Mass's own `bench/`.
 * @module
 */
export * from "./benchmark.js";
export * from "./measure.js";
