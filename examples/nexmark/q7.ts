import type { Bid, NexmarkEvent } from "../../src/connectors/generator/nexmark/index.js";
import { type Stream, topN, tumbling } from "../../src/index.js";
import { bidsOf, timed } from "./streams.js";

/** q7 highest bid: per 10 s tumbling window, the bid with the highest price: `{ ...bid, start, end }`. */
export function q7(events: Stream<NexmarkEvent>): Stream<Bid & { start: number; end: number }> {
  return bidsOf(timed(events))
    .window(tumbling(10_000))
    .agg(topN(1, (b: Bid) => b.price))
    .map((r) => ({ ...r.value[0], start: r.window.start, end: r.window.end }));
}
