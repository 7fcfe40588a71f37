import { Sink } from "./sink.js";

/**
 * A sink that appends every record to `records`, in arrival order. What `stream.toArray()`
 * uses. Holds everything in memory: meant for tests and small outputs.
 * @typeParam T - record type.
 */
export class ArraySink<T> extends Sink<T> {
  override name = "array";
  /** The records received so far. */
  readonly records: T[] = [];

  produce(elems: T[]): void {
    for (let i = 0; i < elems.length; i++) this.records.push(elems[i]);
  }
}

/** Builds an {@link ArraySink}. */
export function arraySink<T>(): ArraySink<T> {
  return new ArraySink<T>();
}
