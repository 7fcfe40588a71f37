import { checkFunction, checkKeys } from "../util/validate.js";
import type { Calculator } from "./calculator.js";
import { checkFaultPolicy, type FaultPolicy } from "./fault-policy.js";

/** Options every stateless operator takes. */
export interface StageOptions {
  /** Display name in errors, dead letters and the topology. Default: the operator kind. */
  name?: string;
  /** Fault policy for records this operator throws on. Default: the Env's `onError` (`'fail'`). */
  onError?: FaultPolicy;
}

/** The kinds of stage the runtime fuses into one loop (operator chaining). */
export type StageKind = "map" | "filter" | "flatMap" | "mutate" | "tap" | "calc";

/**
 * One stateless, per-record step. Consecutive stages are fused by the runtime into one loop
 * over the batch, with no stream hop and no intermediate array (Flink's operator chaining).
 * @internal
 */
export interface StageSpec {
  readonly kind: StageKind;
  readonly name: string;
  /** The user function (unused for `calc`). */
  readonly fn: (record: never) => unknown;
  /** The calculator, for `calc` stages. */
  readonly calculator?: Calculator<unknown, unknown>;
  readonly onError?: FaultPolicy;
}

/**
 * Builds a stage spec, validating its arguments when the graph is built.
 * @throws ConfigError when `fn` is not a function (`map("x")`) or an option is unknown.
 */
export function stage(
  kind: StageKind,
  fn: (record: never) => unknown,
  options: StageOptions = {},
): StageSpec {
  checkFunction(`${kind}(fn)`, fn);
  checkKeys(`${kind}(fn, options)`, options, ["name", "onError"]);
  const spec: { -readonly [K in keyof StageSpec]: StageSpec[K] } = { kind, name: options.name ?? kind, fn };
  if (options.onError !== undefined)
    spec.onError = checkFaultPolicy(`${kind} options.onError`, options.onError);
  return spec;
}
