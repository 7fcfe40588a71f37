import type { NexmarkEvent } from "../../src/connectors/generator/nexmark/index.js";
import { first, max, mean, StateAggregator, type Stream, session } from "../../src/index.js";
import { auctionsOf, bidsOf, timed } from "./streams.js";

/** A q4 result: the current average winning price of a category (Flink's sink: `id, final`). */
export interface CategoryAverage {
  category: number;
  avg: number;
}

interface Winning {
  key: number; // auction id
  category: number;
  final: number;
}

/**
 * The mean of the latest value per sub-key: SQL's `AVG(x) ... GROUP BY` over an updating input
 * (each auction's `MAX(price)` changes as bids come; the new value replaces the old one in the
 * average, as Flink retracts it).
 */
class MeanOfLatest extends StateAggregator<Winning, number> {
  latest = new Map<number, number>();
  sum = 0;

  collect(w: Winning): void {
    const old = this.latest.get(w.key);
    this.sum += w.final - (old ?? 0);
    this.latest.set(w.key, w.final);
  }

  yield(): number {
    return this.sum / this.latest.size;
  }
}

/**
 * q4 average price per category, as Flink's SQL:
 *
 * ```sql
 * SELECT Q.category, AVG(Q.final) FROM (
 *   SELECT MAX(B.price) AS final, A.category FROM auction A, bid B
 *   WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires
 *   GROUP BY A.id, A.category) Q
 * GROUP BY Q.category;
 * ```
 *
 * An unbounded (regular) join of auctions and bids on the auction id — both kept for ever, so
 * state grows with the input (only the columns the query uses are kept, as Flink's projection
 * push-down does) — filtered on the bid time, a running `MAX(price)` per auction, and a running
 * average per category of each auction's latest maximum. An updating result, as Flink's: one
 * `{ category, avg }` per change; the last one per category is the answer.
 */
export function q4(events: Stream<NexmarkEvent>): Stream<CategoryAverage> {
  const t = timed(events);
  const auctions = auctionsOf(t)
    .map((a) => ({ id: a.id, category: a.category, dateTime: a.dateTime, expires: a.expires }))
    .keyBy((a) => a.id);
  const bids = bidsOf(t)
    .map((b) => ({ auction: b.auction, price: b.price, dateTime: b.dateTime }))
    .keyBy((b) => b.auction);
  return auctions
    .join(bids)
    .unbounded()
    .apply((a, b) => ({
      id: a.id,
      category: a.category,
      price: b.price,
      valid: b.dateTime >= a.dateTime && b.dateTime <= a.expires,
    }))
    .filter((x) => x.valid)
    .keyBy((x) => x.id)
    .agg({
      category: first((x: { category: number }) => x.category),
      final: max((x: { price: number }) => x.price),
    })
    .keyBy((w) => w.category as number)
    .agg(MeanOfLatest)
    .map((r) => ({ category: r.key, avg: r.value }));
}

/**
 * q4 with bounded state, a documented alternative to Flink's form: valid when no auction lasts
 * longer than `maxAuctionMs` (default 1 s; the generator's auctions last under 0.3 s at its
 * default rate). An interval join `[0, maxAuctionMs]` instead of the unbounded join, and a
 * session window per auction (gap `maxAuctionMs`) that holds its valid bids, so each auction's
 * winning price is final once the watermark passes its last valid bid + `maxAuctionMs` and its
 * state is dropped. Emits the running average per category of final winning prices.
 */
export function q4Interval(events: Stream<NexmarkEvent>, maxAuctionMs = 1000): Stream<CategoryAverage> {
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
