import { ConfigError } from "../../errors.js";
import type { SessionAssigner } from "./window-assigner.js";

/**
 * `session(gapMs)`: per key, a record at `ts` opens the window `[ts, ts + gap)`; windows that
 * intersect merge (Flink's EventTimeSessionWindows, with TimeWindow.intersects, which counts
 * touching windows as intersecting: records exactly `gap` apart share a session). A session's
 * `end` is its last timestamp + `gap`. Needs aggregators with `merge`.
 * @throws ConfigError if `gap` is not a positive integer.
 */
export function session(gap: number): SessionAssigner {
  if (!Number.isInteger(gap) || gap <= 0)
    throw new ConfigError(`session(gap): gap must be a positive integer (ms), got ${gap}`);
  return { kind: "session", gap };
}
