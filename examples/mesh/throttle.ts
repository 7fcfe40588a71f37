/**
 * Two sink decorators for the mesh example and its tests: {@link throttle} makes a sink slow on
 * purpose (the "slow Elasticsearch" of the original design's backpressure side effect), and
 * {@link SinkMeter} measures the rate at which a sink writes.
 *
 * Both patch the sink instance's `produce` in place and return the same instance, so everything
 * else about the sink stays as it was: its lifecycle hooks, and the fault-policy hook the runtime
 * installs on the instance passed to `.to()` (per-document failures of an Elasticsearch sink
 * still reach `env.deadLetters`).
 */
import type { Sink } from "../../src/index.js";

/** Options of {@link throttle}. */
export interface ThrottleOptions {
  /** Wait in ms before each batch is handed to the sink (one bulk request per batch for Elasticsearch). */
  delayMs: number;
}

/**
 * Makes `sink` wait `delayMs` before writing each batch: with batches of `b` records it writes
 * at most `b * 1000 / delayMs` records/s. Returns `sink` itself.
 * @throws RangeError when `delayMs` is negative or not finite.
 */
export function throttle<T>(sink: Sink<T>, options: ThrottleOptions): Sink<T> {
  const { delayMs } = options;
  if (!Number.isFinite(delayMs) || delayMs < 0) {
    throw new RangeError(`throttle(sink, { delayMs }): delayMs must be a finite number >= 0, got ${delayMs}`);
  }
  const produce = sink.produce.bind(sink);
  sink.produce = async (elems: T[]) => {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    await produce(elems);
  };
  return sink;
}

/**
 * Counts what a sink wrote and when: attach it with {@link SinkMeter.attach}; `rate()` is the
 * sink's write rate in records/s from the moment its first batch was handed to it to the moment
 * its last batch was written (so start-up time — connecting, a consumer group joining — is left
 * out, and so is the time after the sink's input ended).
 */
export class SinkMeter {
  /** Records written (the `produce` calls that resolved). */
  records = 0;
  /** Batches written. */
  batches = 0;
  /** `performance.now()` when the first batch was handed to the sink; `undefined` before. */
  firstAt: number | undefined;
  /** `performance.now()` when the last batch written so far was written; `undefined` before. */
  lastAt: number | undefined;

  /** @param name - what the meter measures, for reports (e.g. `"kafka path"`). */
  constructor(readonly name: string) {}

  /** Measures `sink` from now on; returns `sink` itself. */
  attach<T>(sink: Sink<T>): Sink<T> {
    const produce = sink.produce.bind(sink);
    sink.produce = async (elems: T[]) => {
      this.firstAt ??= performance.now();
      await produce(elems);
      this.records += elems.length;
      this.batches++;
      this.lastAt = performance.now();
    };
    return sink;
  }

  /** Milliseconds from the first batch handed over to the last one written; 0 before two points exist. */
  elapsedMs(): number {
    if (this.firstAt === undefined || this.lastAt === undefined) return 0;
    return this.lastAt - this.firstAt;
  }

  /** Records/s over {@link SinkMeter.elapsedMs}; `NaN` when nothing was written yet. */
  rate(): number {
    const ms = this.elapsedMs();
    if (this.records === 0 || ms <= 0) return Number.NaN;
    return (this.records * 1000) / ms;
  }
}
