import { ConfigError } from "../../errors.js";
import type { CountAssigner } from "./window-assigner.js";

/**
 * `countWindow(n)`: per key, tumbling windows of `n` records (Flink's `countWindow(n)`: a
 * GlobalWindow with a purging CountTrigger). The result's `window` counts records of that key:
 * `{ start: i * n, end: (i + 1) * n }` for the i-th window. At the end of a bounded input the
 * last, incomplete window fires too (every window fires at the end of a bounded input) with
 * `end = start + records in it`.
 * @throws ConfigError if `n` is not a positive integer.
 */
export function countWindow(n: number): CountAssigner {
  if (!Number.isInteger(n) || n <= 0)
    throw new ConfigError(`countWindow(n): n must be a positive integer, got ${n}`);
  return { kind: "count", size: n };
}
