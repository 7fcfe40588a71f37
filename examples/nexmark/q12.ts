import type { NexmarkEvent } from "../../src/connectors/generator/nexmark/index.js";
import { type Stream, tumbling } from "../../src/index.js";
import { bidsOf } from "./streams.js";

/**
 * q12 processing-time windows: bids per bidder per 10 s of **processing time** (no
 * `withTimestamps`: the Env's clock): `{ bidder, bidCount, start, end }`.
 */
export function q12(
  events: Stream<NexmarkEvent>,
): Stream<{ bidder: number; bidCount: number; start: number; end: number }> {
  return bidsOf(events)
    .keyBy((b) => b.bidder)
    .window(tumbling(10_000))
    .count()
    .map((r) => ({ bidder: r.key, bidCount: r.value, start: r.window.start, end: r.window.end }));
}
