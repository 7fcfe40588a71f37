import { ConfigError } from "../../errors.js";
import { checkKeys } from "../../util/validate.js";
import type { TumblingAssigner } from "./window-assigner.js";

/** Options of {@link tumbling}. */
export interface TumblingOptions {
  /** Shift of the window grid in ms, `|offset| < size`. Default 0. */
  offset?: number;
}

/**
 * `tumbling(sizeMs, { offset })`: back-to-back windows `[start, start + size)` with
 * `start = ts - ((ts - offset) mod size)` (Flink's TumblingEventTimeWindows /
 * TimeWindow.getWindowStartWithOffset). `offset` (ms, default 0) shifts the grid, e.g. to align
 * 1-day windows on a time zone: `tumbling(86_400_000, { offset: -3_600_000 })` for UTC+1 days.
 * @throws ConfigError if `size` is not a positive integer, `|offset| >= size`, or an option is
 *   unknown.
 */
export function tumbling(size: number, options: TumblingOptions = {}): TumblingAssigner {
  checkKeys("tumbling(size, options)", options, ["offset"]);
  if (!Number.isInteger(size) || size <= 0)
    throw new ConfigError(`tumbling(size): size must be a positive integer (ms), got ${size}`);
  const offset = options.offset ?? 0;
  if (!Number.isInteger(offset) || Math.abs(offset) >= size) {
    throw new ConfigError(
      `tumbling options.offset must be an integer with |offset| < size (${size}), got ${offset}`,
    );
  }
  return { kind: "tumbling", size, offset };
}
