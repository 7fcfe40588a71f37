import { ConfigError } from "../../errors.js";
import type { SlidingAssigner } from "./window-assigner.js";

/**
 * `sliding(sizeMs, slideMs, { offset })`: windows of `size` ms starting every `slide` ms; each
 * record lands in `ceil(size / slide)` windows (Flink's SlidingEventTimeWindows).
 * @throws ConfigError unless `0 < slide` and `0 < size` are integers and `|offset| < slide`.
 */
export function sliding(size: number, slide: number, options: { offset?: number } = {}): SlidingAssigner {
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
