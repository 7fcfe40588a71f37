import type { NexmarkEvent } from "../../src/connectors/generator/nexmark/index.js";
import { type Stream, sliding, topN, tumbling, type WindowValue } from "../../src/index.js";
import { bidsOf, timed } from "./streams.js";

/**
 * q5 hot items: per 10 s window sliding every 2 s, the auction with the most bids:
 * `{ auction, num, start, end }`. Counts per (auction, window), then per window the top count
 * (a tumbling 2 s window over the counts groups the counts of windows ending together).
 */
export function q5(
  events: Stream<NexmarkEvent>,
): Stream<{ auction: number; num: number; start: number; end: number }> {
  return bidsOf(timed(events))
    .keyBy((b) => b.auction)
    .window(sliding(10_000, 2000))
    .count()
    .window(tumbling(2000))
    .agg(topN(1, (c: WindowValue<number, number>) => c.value))
    .map((r) => {
      const top = r.value[0];
      return { auction: top.key, num: top.value, start: top.window.start, end: top.window.end };
    });
}
