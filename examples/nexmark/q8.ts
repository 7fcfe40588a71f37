import type { Auction, NexmarkEvent, Person } from "../../src/connectors/generator/nexmark/index.js";
import { count, first, type Stream, tumbling } from "../../src/index.js";
import { auctionsOf, personsOf, timed } from "./streams.js";

/** A q8 result: a new person who opened an auction in the window they registered in. */
export interface NewUser {
  id: number;
  name: string;
  /** Start of the 10 s window (Flink's `stime`). */
  starttime: number;
}

/**
 * q8 monitor new users, as Flink's SQL: people grouped by `(id, name, 10 s window)` joined with
 * sellers grouped by `(seller, 10 s window)` on id and window — **one row per new person** who
 * opened at least one auction in the window they registered in: `{ id, name, starttime }`.
 *
 * Both sides are first aggregated per key and tumbling window (results carry `end - 1`), then
 * window-joined in the same 10 s windows. (The earlier variant, {@link q8Pairs}, emits one row per
 * (person, auction) pair instead.)
 */
export function q8(events: Stream<NexmarkEvent>): Stream<NewUser> {
  const t = timed(events);
  const people = personsOf(t)
    .keyBy((p) => `${p.id}\u0000${p.name}`)
    .window(tumbling(10_000))
    .agg({ id: first((p: Person) => p.id), name: first((p: Person) => p.name) });
  const sellers = auctionsOf(t)
    .keyBy((a) => a.seller)
    .window(tumbling(10_000))
    .agg({ n: count() });
  return people
    .keyBy((p) => p.id as number)
    .join(sellers.keyBy((s) => s.key))
    .window(tumbling(10_000))
    .apply((p, s) => ({ id: p.id as number, name: p.name as string, starttime: s.window.start }));
}

/**
 * q8's earlier form, kept as a documented alternative: a window join of people and their
 * auctions in the same 10 s window, one `{ id, name, reserve }` row per (person, auction) pair.
 */
export function q8Pairs(events: Stream<NexmarkEvent>): Stream<{ id: number; name: string; reserve: number }> {
  const t = timed(events);
  return personsOf(t)
    .keyBy((p) => p.id)
    .join(auctionsOf(t).keyBy((a: Auction) => a.seller))
    .window(tumbling(10_000))
    .apply((p, a) => ({ id: p.id, name: p.name, reserve: a.reserve }));
}
