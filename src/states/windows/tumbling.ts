import { ConfigError } from "../../errors.js";
import type { TumblingAssigner } from "./window-assigner.js";

/**
 * `tumbling(sizeMs, { offset })`: back-to-back windows `[start, start + size)` with
 * `start = ts - ((ts - offset) mod size)` (Flink's TumblingEventTimeWindows /
 * TimeWindow.getWindowStartWithOffset). `offset` (ms, default 0) shifts the grid, e.g. to align
 * 1-day windows on a time zone: `tumbling(86_400_000, { offset: -3_600_000 })` for UTC+1 days.
 * @throws ConfigError if `size` is not a positive integer or `|offset| >= size`.
 */
export function tumbling(size: number, options: { offset?: number } = {}): TumblingAssigner {
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
