import fc from "fast-check";
import type { StateAggregator } from "../states/state-aggregator.js";

/** Options of {@link checkAggregatorLaws}. */
export interface AggregatorLawsOptions<I, O> {
  /** The values to fold in. */
  values: fc.Arbitrary<I[]>;
  /** The reference model: the result for a list of values, as a plain loop. */
  model: (values: I[]) => O;
  /**
   * Compares a result with the model's. Default: deep equality of arrays, plain objects and
   * primitives in which `NaN` equals `NaN` (use a tolerance for floating-point sums).
   */
  equals?: (actual: O, expected: O) => boolean;
  /** Runs. Default 100. */
  numRuns?: number;
}

/**
 * Property-tests a synchronous StateAggregator against its reference model, and its laws:
 * 1. folding values in gives the model's result;
 * 2. `restore(structuredClone(snapshot()))` on a fresh instance gives the same result;
 * 3. `clone()` is independent: collecting into the clone leaves the original unchanged;
 * 4. if it has `merge`, merging two accumulators equals folding both lists in order.
 * Values print as JavaScript would show them (`NaN`, `Infinity`, `-0`, `undefined`), not as JSON.
 * @throws Error naming the law that failed, with fast-check's shrunk counterexample and seed;
 *   also when `collect` or `yield` returns a Promise (use {@link checkAggregatorLawsAsync}).
 * @param make - a fresh aggregator (what `agg(MyAggregator)` constructs per key and window).
 */
export function checkAggregatorLaws<I, O>(
  make: () => StateAggregator<I, O>,
  options: AggregatorLawsOptions<I, O>,
): void {
  const check = checker(options);
  const now = <T>(v: T | Promise<T>, what: string): T => {
    if (v instanceof Promise) {
      throw new Error(
        `${what} returned a Promise: check an async aggregator with await checkAggregatorLawsAsync(...)`,
      );
    }
    return v;
  };
  const fold = (a: StateAggregator<I, O>, xs: I[]) => {
    for (const x of xs) now(a.collect(x), "collect()");
  };
  const details = fc.check(
    fc.property(options.values, options.values, (xs, ys) => {
      const a = make();
      fold(a, xs);
      check("collect", now(a.yield(), "yield()"), options.model(xs));
      const b = make();
      b.restore(structuredClone(a.snapshot()));
      check("snapshot/restore", now(b.yield(), "yield()"), options.model(xs));
      const c = a.clone();
      fold(c, ys);
      check("clone leaves the original alone", now(a.yield(), "yield()"), options.model(xs));
      check("clone", now(c.yield(), "yield()"), options.model([...xs, ...ys]));
      if (typeof a.merge === "function") {
        const other = make();
        fold(other, ys);
        now(a.merge(other), "merge()");
        check("merge", now(a.yield(), "yield()"), options.model([...xs, ...ys]));
      }
    }),
    { numRuns: options.numRuns ?? 100 },
  );
  report(details);
}

/**
 * {@link checkAggregatorLaws} for aggregators whose `collect`, `yield` or `merge` are `async`
 * (the original design's style): every call is awaited, in order.
 * @throws Error naming the law that failed, with the shrunk counterexample and seed.
 */
export async function checkAggregatorLawsAsync<I, O>(
  make: () => StateAggregator<I, O>,
  options: AggregatorLawsOptions<I, O>,
): Promise<void> {
  const check = checker(options);
  const fold = async (a: StateAggregator<I, O>, xs: I[]) => {
    for (const x of xs) await a.collect(x);
  };
  const details = await fc.check(
    fc.asyncProperty(options.values, options.values, async (xs, ys) => {
      const a = make();
      await fold(a, xs);
      check("collect", await a.yield(), options.model(xs));
      const b = make();
      b.restore(structuredClone(a.snapshot()));
      check("snapshot/restore", await b.yield(), options.model(xs));
      const c = a.clone();
      await fold(c, ys);
      check("clone leaves the original alone", await a.yield(), options.model(xs));
      check("clone", await c.yield(), options.model([...xs, ...ys]));
      if (typeof a.merge === "function") {
        const other = make();
        await fold(other, ys);
        await a.merge(other);
        check("merge", await a.yield(), options.model([...xs, ...ys]));
      }
    }),
    { numRuns: options.numRuns ?? 100 },
  );
  report(details);
}

function checker<I, O>(options: AggregatorLawsOptions<I, O>) {
  const eq = options.equals ?? ((a: O, b: O) => deepEqual(a, b));
  return (what: string, actual: O, expected: O) => {
    if (!eq(actual, expected)) throw new Error(`${what}: got ${show(actual)}, expected ${show(expected)}`);
  };
}

function report<T>(details: fc.RunDetails<T>): void {
  if (!details.failed) return;
  const law =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(
    `aggregator law failed: ${law}; values ${show(details.counterexample)} (seed ${details.seed}, path "${details.counterexamplePath}")`,
  );
}

/** Deep equality of arrays, plain objects and primitives; `NaN` equals `NaN`. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    return a.length === bs.length && a.every((x, i) => deepEqual(x, bs[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) =>
        Object.hasOwn(b, k) &&
        deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

/**
 * A value as JavaScript shows it, JSON-like but exact for what JSON loses: `NaN`, `Infinity`,
 * `-Infinity`, `-0`, `undefined`, bigints, Maps and Sets.
 * @internal
 */
function show(v: unknown, depth = 0): string {
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string") return JSON.stringify(v);
  if (v === undefined || v === null || typeof v === "boolean") return String(v);
  if (typeof v === "function") return `[function ${v.name || "(anonymous)"}]`;
  if (typeof v === "symbol") return v.toString();
  if (depth > 8) return "…";
  if (Array.isArray(v)) return `[${v.map((x) => show(x, depth + 1)).join(",")}]`;
  if (v instanceof Map) return `Map(${show([...v], depth + 1)})`;
  if (v instanceof Set) return `Set(${show([...v], depth + 1)})`;
  if (v instanceof Date) return `Date(${v.toISOString()})`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .map((k) => `${JSON.stringify(k)}:${show(o[k], depth + 1)}`)
    .join(",")}}`;
}
