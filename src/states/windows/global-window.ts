import type { GlobalAssigner } from "./window-assigner.js";

/**
 * `globalWindow()`: one window per key over the whole input, `{ start: -Infinity, end:
 * Infinity }` (Flink's GlobalWindows); it fires at the end of the input (watermark +Infinity).
 */
export function globalWindow(): GlobalAssigner {
  return { kind: "global" };
}
