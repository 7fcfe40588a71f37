import type { NexmarkEvent } from "../../src/connectors/generator/nexmark/index.js";
import type { Stream } from "../../src/index.js";
import { bidsOf } from "./streams.js";

/** q2 selection: bids on auctions whose id is a multiple of 123: `{ auction, price }`. */
export function q2(events: Stream<NexmarkEvent>): Stream<{ auction: number; price: number }> {
  return bidsOf(events)
    .filter((b) => b.auction % 123 === 0)
    .map((b) => ({ auction: b.auction, price: b.price }));
}
