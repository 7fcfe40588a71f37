export { ArraySink, arraySink } from "../../operators/array-sink.js";
export { AsyncIterableSource } from "../../operators/async-iterable-source.js";
export { IterableSource } from "../../operators/iterable-source.js";
export { ReadableSource } from "../../operators/readable-source.js";
