import { ConfigError } from "../errors.js";
import type { StateAggregator } from "./state-aggregator.js";

type Agg = StateAggregator<unknown, unknown>;
type AggClass = new (...args: never[]) => Agg;

/**
 * How to make the aggregator of one field for every key and window, and what it can do.
 * @internal
 */
export interface AggregatorFactory {
  /** A fresh accumulator: `new Class(...args)`, or `template.clone()`. */
  readonly make: () => Agg;
  /** The instance given (built-ins are fused from it), or `null` for a class. */
  readonly template: Agg | null;
  /** The class name, for errors. */
  readonly name: string;
  /** Whether `collect`, `yield` or `merge` is declared `async` (then awaited, in order). */
  readonly async: boolean;
  /** Whether it has `merge` (session windows need it). */
  readonly mergeable: boolean;
}

/** `agg()`'s argument, normalised: field names (`null` for the `value` form) and one factory per field. @internal */
export interface AggregatorSpec {
  readonly fields: string[] | null;
  readonly factories: AggregatorFactory[];
}

/** Whether `x` behaves as a StateAggregator instance (has `collect` and `yield`). @internal */
export function isStateAggregator(x: unknown): x is Agg {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as Agg).collect === "function" &&
    typeof (x as Agg).yield === "function"
  );
}

/** Whether `x` is a class whose instances are StateAggregators. @internal */
export function isAggregatorClass(x: unknown): x is AggClass {
  if (typeof x !== "function") return false;
  const proto = (x as { prototype?: unknown }).prototype;
  return isStateAggregator(proto);
}

const isAsyncFn = (f: unknown): boolean =>
  typeof f === "function" && (f as { constructor?: { name?: string } }).constructor?.name === "AsyncFunction";

/**
 * The factory of an aggregator instance (cloned per key and window) or class (constructed per key
 * and window with `args`).
 * @throws ConfigError (naming `path`) for anything else, or an instance whose class cannot clone.
 * @internal
 */
export function aggregatorFactory(
  x: unknown,
  path: string,
  args: readonly unknown[] = [],
): AggregatorFactory {
  if (isAggregatorClass(x)) {
    const proto = x.prototype as Agg;
    const Cls = x as unknown as new (...a: unknown[]) => Agg;
    return {
      make: args.length === 0 ? () => new Cls() : () => new Cls(...args),
      template: null,
      name: x.name || "(anonymous class)",
      async: isAsyncFn(proto.collect) || isAsyncFn(proto.yield) || isAsyncFn(proto.merge),
      mergeable: typeof proto.merge === "function",
    };
  }
  if (isStateAggregator(x)) {
    const name = x.constructor?.name || "(anonymous)";
    if (typeof x.clone !== "function") {
      throw new ConfigError(
        `${path}: aggregator ${name} has no clone(): extend StateAggregator, or pass its class (agg(${name})) so Mass constructs one per key and window`,
      );
    }
    return {
      make: () => x.clone(),
      template: x,
      name,
      async: isAsyncFn(x.collect) || isAsyncFn(x.yield) || isAsyncFn(x.merge),
      mergeable: typeof x.merge === "function",
    };
  }
  throw new ConfigError(
    `${path} must be a StateAggregator instance or class (e.g. sum(sel), count(), MyAggregator), got ${describe(x)}`,
    { option: path },
  );
}

const RESERVED = new Set(["key", "window"]);

/**
 * Normalises `agg()`'s argument: `{ field: aggregator, ... }` (each an instance or a class), one
 * aggregator instance, or one aggregator class.
 * @throws ConfigError for anything else, an empty spec, or a reserved field name (`key`, `window`).
 * @internal
 */
export function aggregatorSpec(x: unknown): AggregatorSpec {
  if (isAggregatorClass(x) || isStateAggregator(x)) {
    return { fields: null, factories: [aggregatorFactory(x, "agg(aggregator)")] };
  }
  if (x === null || typeof x !== "object" || Array.isArray(x)) {
    throw new ConfigError(
      `agg(spec): expected { field: aggregator, ... }, an aggregator or an aggregator class, got ${describe(x)}`,
    );
  }
  const fields = Object.keys(x);
  if (fields.length === 0)
    throw new ConfigError("agg(spec): give at least one field, e.g. agg({ n: count() })");
  const factories = fields.map((f) => {
    if (RESERVED.has(f))
      throw new ConfigError(`agg(spec): field "${f}" is reserved for the result's ${f}; rename it`);
    return aggregatorFactory((x as Record<string, unknown>)[f], `agg(spec): field "${f}"`);
  });
  return { fields, factories };
}

function describe(x: unknown): string {
  if (typeof x === "function") return `function ${x.name || "(anonymous)"} (not a StateAggregator class)`;
  if (typeof x === "string") return JSON.stringify(x);
  return String(x);
}
