import type { NexmarkEvent } from "../../src/connectors/generator/nexmark/index.js";
import { type Stream, sliding, tumbling } from "../../src/index.js";
import { bidsOf, timed } from "./streams.js";
import { TopTies } from "./top-ties.js";

/** A q5 result: an auction with the most bids in a window (Flink's sink keeps `auction, num`). */
export interface HotItem {
  auction: number;
  num: number;
  start: number;
  end: number;
}

/**
 * q5 hot items, as Flink's SQL: per 10 s window sliding every 2 s (`HOP(..., INTERVAL '2' SECOND,
 * INTERVAL '10' SECOND)`), **every** auction whose bid count equals the window's maximum (the
 * SQL joins the per-auction counts with their max on `num >= maxn`, so ties all come out):
 * `{ auction, num, start, end }`.
 *
 * Counts per (auction, window) carry the timestamp `end - 1`; a 2 s tumbling window over them
 * groups the counts of the windows ending together, where {@link TopTies} keeps those at the top.
 */
export function q5(events: Stream<NexmarkEvent>): Stream<HotItem> {
  return bidsOf(timed(events))
    .keyBy((b) => b.auction)
    .window(sliding(10_000, 2000))
    .count()
    .window(tumbling(2000))
    .use(TopTies<{ key: number; value: number; window: { start: number; end: number } }>, (c) => c.value)
    .flatMap((r) =>
      r.value.map((c) => ({ auction: c.key, num: c.value, start: c.window.start, end: c.window.end })),
    );
}
