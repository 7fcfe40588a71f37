import type { Bid, NexmarkEvent } from "../../src/connectors/generator/nexmark/index.js";
import { max, type Stream, tumbling } from "../../src/index.js";
import { bidsOf, timed } from "./streams.js";

/** A q7 result: a bid at the highest price of a window (Flink's sink: auction, bidder, price, dateTime, extra). */
export interface HighestBid {
  auction: number;
  bidder: number;
  price: number;
  dateTime: number;
  extra: string;
  /** The window `[start, end)` whose maximum this bid's price is. */
  start: number;
  end: number;
}

/**
 * q7 highest bid, as Flink's SQL:
 *
 * ```sql
 * SELECT B.auction, B.bidder, B.price, B.dateTime, B.extra FROM bid B
 * JOIN (SELECT MAX(price) AS maxprice, window_end as dateTime
 *       FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
 *       GROUP BY window_start, window_end) B1
 * ON B.price = B1.maxprice
 * WHERE B.dateTime BETWEEN B1.dateTime - INTERVAL '10' SECOND AND B1.dateTime;
 * ```
 *
 * Every bid whose price equals the maximum of a 10 s window `[start, end)` and whose time is in
 * `[start, end]` — `BETWEEN` is inclusive, so a bid at exactly `end` (the next window's first
 * millisecond) at that price comes out too (for both windows if it is also the next one's max).
 * The maxima (timestamp `end - 1`) are interval-joined with the bids on price, bids in
 * `[end - 1 - 9999, end - 1 + 1]`: state holds 10 s of bids.
 */
export function q7(events: Stream<NexmarkEvent>): Stream<HighestBid> {
  // only the columns the query uses are kept (as Flink's projection push-down): the join holds 10 s of bids
  const bids = bidsOf(timed(events)).map((b) => ({
    auction: b.auction,
    bidder: b.bidder,
    price: b.price,
    dateTime: b.dateTime,
    extra: b.extra,
  }));
  const maxima = bids.window(tumbling(10_000)).agg({ maxprice: max((b: Pick<Bid, "price">) => b.price) });
  return maxima
    .keyBy((m) => m.maxprice)
    .join(bids.keyBy((b) => b.price))
    .between(-9999, 1)
    .apply((m, b) => ({
      auction: b.auction,
      bidder: b.bidder,
      price: b.price,
      dateTime: b.dateTime,
      extra: b.extra,
      start: m.window.start,
      end: m.window.end,
    }));
}
