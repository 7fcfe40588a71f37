import { ConfigError } from "../errors.js";
import { checkFunction, checkInt, checkKeys, show } from "../util/validate.js";
import { checkFaultPolicy, type FaultPolicy } from "./fault-policy.js";

/** Options of `mapAsync`. */
export interface MapAsyncOptions {
  /** Calls in flight at once, >= 1. Default 8. */
  concurrency?: number;
  /** Emit results in input order (default `true`); `false` emits in completion order. */
  ordered?: boolean;
  /** Display name. Default `"mapAsync"`. */
  name?: string;
  /** Fault policy for a call that rejects. Default: the Env's. */
  onError?: FaultPolicy;
  /** Batches buffered on this node's input edge. Default: the Env's `highWaterMark`. */
  highWaterMark?: number;
}

/** Resolved `mapAsync` settings. @internal */
export interface MapAsyncSpec {
  readonly fn: (record: never) => unknown;
  readonly concurrency: number;
  readonly ordered: boolean;
  readonly name: string;
  readonly onError?: FaultPolicy;
  readonly highWaterMark?: number;
}

/**
 * Validates `mapAsync` options.
 * @throws ConfigError, e.g. `mapAsync options.concurrency must be an integer >= 1, got 0`, a
 *   non-function `fn`, or an unknown option.
 * @internal
 */
export function mapAsyncSpec(fn: (record: never) => unknown, options: MapAsyncOptions = {}): MapAsyncSpec {
  checkFunction("mapAsync(fn)", fn);
  checkKeys("mapAsync(fn, options)", options, ["concurrency", "ordered", "name", "onError", "highWaterMark"]);
  if (options.ordered !== undefined && typeof options.ordered !== "boolean") {
    throw new ConfigError(`mapAsync options.ordered must be a boolean, got ${show(options.ordered)}`, {
      option: "mapAsync options.ordered",
    });
  }
  const spec: { -readonly [K in keyof MapAsyncSpec]: MapAsyncSpec[K] } = {
    fn,
    concurrency: checkInt("mapAsync options.concurrency", options.concurrency ?? 8, 1),
    ordered: options.ordered ?? true,
    name: options.name ?? "mapAsync",
  };
  if (options.onError !== undefined)
    spec.onError = checkFaultPolicy("mapAsync options.onError", options.onError);
  if (options.highWaterMark !== undefined) {
    spec.highWaterMark = checkInt("mapAsync options.highWaterMark", options.highWaterMark, 1);
  }
  return spec;
}
