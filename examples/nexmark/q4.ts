import type { NexmarkEvent } from "../../src/connectors/generator/nexmark/index.js";
import { first, max, mean, type Stream, session } from "../../src/index.js";
import { auctionsOf, bidsOf, timed } from "./streams.js";

/**
 * q4 average winning price per category: a bid is valid when it comes between an auction's
 * start and its expiry; an auction's winning price is its highest valid bid; results are the
 * running average of winning prices per category, `{ category, avg }` (the last one per
 * category is the query's answer). `maxAuctionMs` bounds an auction's life (default 1 s; the
 * generator's auctions last < 0.3 s): it is the interval join's upper bound, and the gap of a
 * session window per auction that holds all its valid bids, so each auction's winner is final
 * once the watermark passes its last valid bid + `maxAuctionMs`, and its state is then dropped.
 */
export function q4(
  events: Stream<NexmarkEvent>,
  maxAuctionMs = 1000,
): Stream<{ category: number; avg: number }> {
  const t = timed(events);
  return auctionsOf(t)
    .keyBy((a) => a.id)
    .join(bidsOf(t).keyBy((b) => b.auction))
    .between(0, maxAuctionMs)
    .apply((a, b) => ({
      auction: a.id,
      category: a.category,
      expires: a.expires,
      bidTime: b.dateTime,
      price: b.price,
    }))
    .filter((x) => x.bidTime <= x.expires)
    .keyBy((x) => x.auction)
    .window(session(maxAuctionMs))
    .agg({
      category: first((x: { category: number }) => x.category),
      price: max((x: { price: number }) => x.price),
    })
    .keyBy((w) => w.category as number)
    .agg({ avg: mean((w: { price: number }) => w.price) })
    .map((r) => ({ category: r.key, avg: r.avg }));
}
