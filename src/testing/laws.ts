import fc from "fast-check";
import type { StateAggregator } from "../states/state-aggregator.js";

/** Options of {@link checkAggregatorLaws}. */
export interface AggregatorLawsOptions<I, O> {
  /** The values to fold in. */
  values: fc.Arbitrary<I[]>;
  /** The reference model: the result for a list of values, as a plain loop. */
  model: (values: I[]) => O;
  /** Compares a result with the model's (default: deep equality via JSON; use a tolerance for floats). */
  equals?: (actual: O, expected: O) => boolean;
  /** Runs. Default 100. */
  numRuns?: number;
}

/**
 * Property-tests a StateAggregator against its reference model, and its laws:
 * 1. folding values in gives the model's result;
 * 2. `restore(structuredClone(snapshot()))` on a fresh instance gives the same result;
 * 3. `clone()` is independent: collecting into the clone leaves the original unchanged;
 * 4. if it has `merge`, merging two accumulators equals folding both lists in order.
 * @throws Error naming the law that failed, with fast-check's shrunk counterexample and seed.
 * @param make - a fresh aggregator (the template users pass to `agg`).
 */
export function checkAggregatorLaws<I, O>(
  make: () => StateAggregator<I, O>,
  options: AggregatorLawsOptions<I, O>,
): void {
  const eq = options.equals ?? ((a: O, b: O) => JSON.stringify(a) === JSON.stringify(b));
  const check = (what: string, actual: O, expected: O) => {
    if (!eq(actual, expected)) {
      throw new Error(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    }
  };
  const details = fc.check(
    fc.property(options.values, options.values, (xs, ys) => {
      const a = make();
      for (const x of xs) a.collect(x);
      check("collect", a.yield(), options.model(xs));
      const b = make();
      b.restore(structuredClone(a.snapshot()));
      check("snapshot/restore", b.yield(), options.model(xs));
      const c = a.clone();
      for (const y of ys) c.collect(y);
      check("clone leaves the original alone", a.yield(), options.model(xs));
      check("clone", c.yield(), options.model([...xs, ...ys]));
      if (typeof a.merge === "function") {
        const other = make();
        for (const y of ys) other.collect(y);
        a.merge(other);
        check("merge", a.yield(), options.model([...xs, ...ys]));
      }
    }),
    { numRuns: options.numRuns ?? 100 },
  );
  if (details.failed) {
    const law =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(
      `aggregator law failed: ${law}; values ${JSON.stringify(details.counterexample)} (seed ${details.seed}, path "${details.counterexamplePath}")`,
    );
  }
}
