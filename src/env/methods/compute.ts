import { ConfigError } from "../../errors.js";
import type { Calculator } from "../../operators/calculator.js";
import type { NodeOptions } from "../options.js";
import { Stream } from "../stream.js";

declare module "../stream.js" {
  interface Stream<T> {
    /**
     * Runs a {@link Calculator} on every record. The same instance passed from several streams
     * is one node with several inputs (fan-in); its output stream is the same for all.
     * @throws ConfigError if `calculator` has no `calc` method.
     */
    compute<O>(calculator: Calculator<T, O>, options?: NodeOptions): Stream<O>;
  }
}

Stream.prototype.compute = function compute_<T, O>(
  this: Stream<T>,
  calculator: Calculator<T, O>,
  options?: NodeOptions,
) {
  if (calculator === null || typeof calculator !== "object" || typeof calculator.calc !== "function") {
    throw new ConfigError(`compute(calculator): expected a Calculator instance, got ${String(calculator)}`);
  }
  const calc = calculator as unknown as Calculator<unknown, unknown>;
  const node = this.env.addNode("compute", calc.name ?? calc.constructor.name, calc, options, [
    this as Stream<unknown>,
  ]);
  return new Stream<O>(this.env, node, null);
};
