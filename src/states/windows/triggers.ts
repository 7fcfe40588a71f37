import { ConfigError } from "../../errors.js";
import { checkKeys, show } from "../../util/validate.js";

/**
 * When a window emits (Flink's Trigger, reduced to the three policies users ask for):
 * - `onWatermark()` (default): once, when the watermark reaches `end - 1` (and again per late
 *   record within allowed lateness);
 * - `earlyEvery(ms)`: also every `ms` of processing time, the current result of every open window
 *   (early firings), then the final result at the watermark;
 * - `onEveryRecord()`: the updated result of a window after each record it receives, then the
 *   final result at the watermark.
 */
export type WindowTrigger =
  | { readonly kind: "watermark" }
  | { readonly kind: "early"; readonly everyMs: number }
  | { readonly kind: "record" };

/** The default trigger: fire once at the watermark. */
export function onWatermark(): WindowTrigger {
  return { kind: "watermark" };
}

/**
 * Early results every `ms` of processing time (the Env's clock), then the final one.
 * @throws ConfigError unless `ms` is a positive integer.
 */
export function earlyEvery(ms: number): WindowTrigger {
  if (!Number.isInteger(ms) || ms <= 0)
    throw new ConfigError(`earlyEvery(ms): ms must be a positive integer, got ${ms}`);
  return { kind: "early", everyMs: ms };
}

/** The updated result after every record, then the final one. */
export function onEveryRecord(): WindowTrigger {
  return { kind: "record" };
}

/**
 * Checks what `trigger(...)` was given when the graph is built: `onWatermark()`,
 * `earlyEvery(ms)`, `onEveryRecord()`, or the same as plain data (`{ kind: "early", everyMs: 1000 }`).
 * @throws ConfigError naming `path` otherwise.
 * @internal
 */
export function checkWindowTrigger(x: unknown, path: string): WindowTrigger {
  const kind = (x as { kind?: unknown } | null)?.kind;
  if (
    x === null ||
    typeof x !== "object" ||
    (kind !== "watermark" && kind !== "early" && kind !== "record")
  ) {
    throw new ConfigError(
      `${path}: expected a trigger — onWatermark(), earlyEvery(ms) or onEveryRecord() — got ${show(x)}`,
      { option: path },
    );
  }
  if (kind === "early") {
    checkKeys(path, x, ["kind", "everyMs"]);
    return earlyEvery((x as { everyMs: number }).everyMs);
  }
  checkKeys(path, x, ["kind"]);
  return kind === "record" ? onEveryRecord() : onWatermark();
}
