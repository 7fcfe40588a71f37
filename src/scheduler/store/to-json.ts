import type { Json } from "./store-state.js";

/**
 * A value as JSON for the store (a run's input in its dead letter, a graph node's output):
 * `null` for undefined, a JSON copy, or its string form when it does not serialise.
 * @internal
 */
export function toJson(x: unknown): Json {
  if (x === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(x)) as Json;
  } catch {
    return String(x);
  }
}
