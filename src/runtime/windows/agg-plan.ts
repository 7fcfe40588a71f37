import { ConfigError } from "../../errors.js";
import type { StateAggregator } from "../../states/state-aggregator.js";

type Agg = StateAggregator<unknown, unknown>;

/**
 * How a window or keyed aggregation builds its results: the aggregator templates (cloned for
 * every key and window) and a compiled builder producing
 * `{ key, window: { start, end }, field: agg.yield(), ... }` (windows) or `{ key, field, ... }`
 * (running aggregation), or `{ key, window, value }` for a single aggregator.
 * @internal
 */
export interface AggPlan {
  readonly templates: Agg[];
  /** Field names, or `null` for the single-aggregator `value` form. */
  readonly fields: string[] | null;
  readonly windowResult: (
    key: unknown,
    window: Readonly<{ start: number; end: number }>,
    aggs: Agg[],
  ) => unknown;
  readonly keyedResult: (key: unknown, aggs: Agg[]) => unknown;
}

const RESERVED = new Set(["key", "window"]);

/** Builds a plan from `agg({...})`'s spec or one aggregator. @internal */
export function aggPlan(spec: Agg | Record<string, Agg>, isAggregator: (x: unknown) => x is Agg): AggPlan {
  if (isAggregator(spec)) {
    return {
      templates: [spec],
      fields: null,
      windowResult: (key, window, a) => ({ key, window, value: a[0].yield() }),
      keyedResult: (key, a) => ({ key, value: a[0].yield() }),
    };
  }
  if (spec === null || typeof spec !== "object") {
    throw new ConfigError(
      `agg(spec): expected { field: aggregator, ... } or an aggregator, got ${String(spec)}`,
    );
  }
  const fields = Object.keys(spec);
  if (fields.length === 0)
    throw new ConfigError("agg(spec): give at least one field, e.g. agg({ n: count() })");
  const templates = fields.map((f) => {
    const a = spec[f];
    if (RESERVED.has(f))
      throw new ConfigError(`agg(spec): field "${f}" is reserved for the result's ${f}; rename it`);
    if (!isAggregator(a)) {
      throw new ConfigError(
        `agg(spec): field "${f}" must be a StateAggregator (e.g. sum(sel), count()), got ${String(a)}`,
      );
    }
    return a;
  });
  const body = fields.map((f, i) => `${JSON.stringify(f)}: a[${i}].yield()`).join(", ");
  const windowResult = new Function("key", "window", "a", `return { key, window, ${body} };`);
  const keyedResult = new Function("key", "a", `return { key, ${body} };`);
  return {
    templates,
    fields,
    windowResult: windowResult as AggPlan["windowResult"],
    keyedResult: keyedResult as AggPlan["keyedResult"],
  };
}
