import type { NexmarkEvent } from "../../src/connectors/generator/nexmark/index.js";
import { type Stream, session } from "../../src/index.js";
import { bidsOf, timed } from "./streams.js";

/** q11 user sessions: bids per bidder per session (10 s gap): `{ bidder, bidCount, start, end }`. */
export function q11(
  events: Stream<NexmarkEvent>,
): Stream<{ bidder: number; bidCount: number; start: number; end: number }> {
  return bidsOf(timed(events))
    .keyBy((b) => b.bidder)
    .window(session(10_000))
    .count()
    .map((r) => ({ bidder: r.key, bidCount: r.value, start: r.window.start, end: r.window.end }));
}
