import type { NexmarkEvent } from "../../src/connectors/generator/nexmark/index.js";
import type { Stream } from "../../src/index.js";

/** q0 pass-through: every event as is (measures the runtime's own cost). */
export function q0(events: Stream<NexmarkEvent>): Stream<NexmarkEvent> {
  return events.map((e) => e);
}
