import type { Bid, NexmarkEvent } from "../../src/connectors/generator/nexmark/index.js";
import type { Stream } from "../../src/index.js";
import { bidsOf } from "./streams.js";

/** q1 currency conversion: bids with `price * 0.908` (dollars to euros). */
export function q1(events: Stream<NexmarkEvent>): Stream<Bid> {
  return bidsOf(events).map((b) => ({ ...b, price: b.price * 0.908 }));
}
