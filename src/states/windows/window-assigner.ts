import { ConfigError } from "../../errors.js";
import { checkKeys, show } from "../../util/validate.js";
import { countWindow } from "./count-window.js";
import { globalWindow } from "./global-window.js";
import { session } from "./session.js";
import { sliding } from "./sliding.js";
import { tumbling } from "./tumbling.js";

/** A window: half-open `[start, end)` in ms (event or processing time). */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** Tumbling windows of `size` ms, shifted by `offset`. */
export interface TumblingAssigner {
  readonly kind: "tumbling";
  readonly size: number;
  readonly offset: number;
}
/** Sliding windows of `size` ms every `slide` ms. */
export interface SlidingAssigner {
  readonly kind: "sliding";
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
}
/** Session windows closing after `gap` ms without records (per key). */
export interface SessionAssigner {
  readonly kind: "session";
  readonly gap: number;
}
/** Count windows of `n` records (per key). */
export interface CountAssigner {
  readonly kind: "count";
  readonly size: number;
}
/** One window per key over the whole input. */
export interface GlobalAssigner {
  readonly kind: "global";
}

/**
 * What `window(assigner)` takes: a pure description; {@link windowStart} and
 * {@link assignWindows} compute the windows of a timestamp (Flink's WindowAssigner split).
 */
export type WindowAssigner =
  | TumblingAssigner
  | SlidingAssigner
  | SessionAssigner
  | CountAssigner
  | GlobalAssigner;

/**
 * Start of the window of size `size` (or slide) containing `ts`, as Flink's
 * `TimeWindow.getWindowStartWithOffset`: `ts - ((ts - offset) mod size)` with a non-negative
 * modulo, so negative timestamps land in the right window (-1 -> [-size, 0)).
 */
export function windowStart(ts: number, offset: number, size: number): number {
  const r = (ts - offset) % size;
  return ts - (r < 0 ? r + size : r);
}

/**
 * Starts of the time windows containing `ts`, for tumbling (one) and sliding (`size / slide`,
 * rounded up) assigners, latest first (as Flink's SlidingEventTimeWindows).
 */
export function assignWindows(a: TumblingAssigner | SlidingAssigner, ts: number): number[] {
  if (a.kind === "tumbling") return [windowStart(ts, a.offset, a.size)];
  const out: number[] = [];
  for (let start = windowStart(ts, a.offset, a.slide); start > ts - a.size; start -= a.slide) out.push(start);
  return out;
}

const ASSIGNERS: Record<WindowAssigner["kind"], readonly string[]> = {
  tumbling: ["kind", "size", "offset"],
  sliding: ["kind", "size", "slide", "offset"],
  session: ["kind", "gap"],
  count: ["kind", "size"],
  global: ["kind"],
};

/**
 * Checks what `window(...)` was given when the graph is built: an assigner made by
 * `tumbling(...)`, `sliding(...)`, `session(...)`, `countWindow(...)` or `globalWindow()`, or the
 * same as plain data (`{ kind: "tumbling", size: 60000 }`, jobs described as data), which is
 * validated as the factory would.
 * @returns the assigner, with defaults filled in.
 * @throws ConfigError naming `path` for anything else (e.g. `window("tumbling")`), an unknown key
 *   or a bad value.
 * @internal
 */
export function checkWindowAssigner(x: unknown, path: string): WindowAssigner {
  const kind = (x as { kind?: unknown } | null)?.kind;
  if (x === null || typeof x !== "object" || typeof kind !== "string" || !Object.hasOwn(ASSIGNERS, kind)) {
    throw new ConfigError(
      `${path}: expected a window assigner — tumbling(sizeMs), sliding(sizeMs, slideMs), session(gapMs), countWindow(n) or globalWindow() — got ${show(x)}`,
      { option: path },
    );
  }
  checkKeys(path, x, ASSIGNERS[kind as WindowAssigner["kind"]]);
  const a = x as Record<string, number>;
  const opts = a.offset === undefined ? {} : { offset: a.offset };
  switch (kind as WindowAssigner["kind"]) {
    case "tumbling":
      return tumbling(a.size, opts);
    case "sliding":
      return sliding(a.size, a.slide, opts);
    case "session":
      return session(a.gap);
    case "count":
      return countWindow(a.size);
    case "global":
      return globalWindow();
  }
}
