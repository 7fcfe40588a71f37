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

/**
 * Rejects keys of `options` that are not in `allowed` (a misspelt option is otherwise silently
 * ignored: JavaScript callers and jobs described as data have no compiler to catch it).
 * `undefined` and `null` options pass.
 * @param path - where the options were given, e.g. `"new Env(options)"`.
 * @throws ConfigError naming the unknown key and the closest valid one, e.g.
 *   `new Env(options): unknown option "batchsize" (did you mean "batchSize"?)`.
 * @internal
 */
export function checkKeys(path: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined || options === null) return;
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new ConfigError(`${path}: options must be an object, got ${show(options)}`, { option: path });
  }
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const near = closest(key, allowed);
    const hint =
      near === undefined
        ? `valid options: ${allowed.map((a) => `"${a}"`).join(", ")}`
        : `did you mean "${near}"?`;
    throw new ConfigError(`${path}: unknown option "${key}" (${hint})`, { option: `${path}.${key}` });
  }
}

/**
 * The entry of `candidates` closest to `word` (case-insensitive edit distance), if reasonably
 * close; a candidate that starts with `word` (4 characters or more: `parallel` for
 * `parallelism`) counts as close. @internal
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  if (w.length >= 4) {
    const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(w));
    if (prefixed.length === 1) return prefixed[0];
  }
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(2, Math.floor(w.length / 3)) ? best : undefined;
}

/** Levenshtein distance. @internal */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
