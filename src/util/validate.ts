import { ConfigError } from "../errors.js";

/**
 * Checks that `value` is an integer in `[min, max]`, else throws a {@link ConfigError} naming the
 * option path, as Node's validators do (`options.batchSize must be an integer >= 1, got 0`).
 * @internal
 */
export function checkInt(path: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new ConfigError(`${path} must be an integer ${range}, got ${show(value)}`, { option: path });
  }
  return value;
}

/** Checks that `value` is a finite number >= `min`. @internal */
export function checkNumber(path: string, value: unknown, min: number): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < min) {
    throw new ConfigError(`${path} must be a number >= ${min}, got ${show(value)}`, { option: path });
  }
  return value;
}

/** Checks that `value` is a function. @internal */
export function checkFunction(path: string, value: unknown): void {
  if (typeof value !== "function") {
    throw new ConfigError(`${path} must be a function, got ${show(value)}`, { option: path });
  }
}

/** Checks that `value` is one of `allowed`. @internal */
export function checkOneOf<T extends string>(path: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(
      `${path} must be one of ${allowed.map((a) => `'${a}'`).join(", ")}, got ${show(value)}`,
      {
        option: path,
      },
    );
  }
  return value as T;
}

/** Renders a bad option value for a message. @internal */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
