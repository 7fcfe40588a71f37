import { ConfigError } from "../../errors.js";
import { checkKeys } from "../../util/validate.js";
import type { SlidingAssigner } from "./window-assigner.js";

/** Options of {@link sliding}. */
export interface SlidingOptions {
  /** Shift of the window grid in ms, `|offset| < slide`. Default 0. */
  offset?: number;
}

/**
 * `sliding(sizeMs, slideMs, { offset })`: windows of `size` ms starting every `slide` ms; each
 * record lands in `ceil(size / slide)` windows (Flink's SlidingEventTimeWindows).
 *
 * `slide > size` is valid, as in Flink (sampling windows): windows leave gaps, and a record in a
 * gap belongs to **no** window. It is not late: the run report counts it as `unassigned`.
 * @throws ConfigError unless `0 < slide` and `0 < size` are integers and `|offset| < slide`, or
 *   for an unknown option.
 */
export function sliding(size: number, slide: number, options: SlidingOptions = {}): SlidingAssigner {
  checkKeys("sliding(size, slide, options)", options, ["offset"]);
  if (!Number.isInteger(size) || size <= 0)
    throw new ConfigError(`sliding(size, slide): size must be a positive integer (ms), got ${size}`);
  if (!Number.isInteger(slide) || slide <= 0)
    throw new ConfigError(`sliding(size, slide): slide must be a positive integer (ms), got ${slide}`);
  const offset = options.offset ?? 0;
  if (!Number.isInteger(offset) || Math.abs(offset) >= slide) {
    throw new ConfigError(
      `sliding options.offset must be an integer with |offset| < slide (${slide}), got ${offset}`,
    );
  }
  return { kind: "sliding", size, slide, offset };
}
