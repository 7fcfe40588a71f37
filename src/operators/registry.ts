import { ConfigError } from "../errors.js";
import type { Calculator } from "./calculator.js";
import type { Sink } from "./sink.js";
import type { Source } from "./source.js";

/** An operator class the registry can build: a Source, Calculator or Sink constructor taking one options object. */
export type OperatorClass = new (
  ...args: never[]
) => Source<unknown> | Calculator<unknown, unknown> | Sink<unknown>;

const registry = new Map<string, OperatorClass>();

/**
 * The operator registry (see docs/operators.md): jobs described as data (configuration files,
 * the scheduler's specs) name operators by string.
 *
 * @example
 * operators.register("MySink", MySink);
 * env.from(src).to(operators.create("MySink", { path: "out.jsonl" }));
 */
export const operators = {
  /**
   * Registers `ctor` under `name`.
   * @throws ConfigError if `name` is taken by another class.
   */
  register(name: string, ctor: OperatorClass): void {
    const existing = registry.get(name);
    if (existing !== undefined && existing !== ctor) {
      throw new ConfigError(
        `operators.register: "${name}" is already registered (to ${existing.name}); pick another name`,
      );
    }
    registry.set(name, ctor);
  },
  /**
   * Builds the operator registered as `name` with `options` (passed to its constructor).
   * @throws ConfigError if nothing is registered under `name`, listing the registered names.
   */
  create<T = Source<unknown> | Calculator<unknown, unknown> | Sink<unknown>>(
    name: string,
    options?: unknown,
  ): T {
    const ctor = registry.get(name);
    if (ctor === undefined) {
      throw new ConfigError(
        `operators.create: no operator registered as "${name}"; registered: ${[...registry.keys()].join(", ") || "(none)"}`,
      );
    }
    return new (ctor as new (o?: unknown) => T)(options);
  },
  /** Whether `name` is registered. */
  has(name: string): boolean {
    return registry.has(name);
  },
  /** The registered names, in registration order. */
  names(): string[] {
    return [...registry.keys()];
  },
  /** Removes `name`; returns whether it was registered. */
  unregister(name: string): boolean {
    return registry.delete(name);
  },
};
