import type { NexmarkEvent } from "../../src/connectors/generator/nexmark/index.js";
import type { Stream } from "../../src/index.js";
import { auctionsOf, personsOf, timed } from "./streams.js";

/** A q3 result. */
export interface LocalItem {
  name: string;
  city: string;
  state: string;
  id: number;
}

/**
 * q3 local item suggestion: auctions of category 10 by sellers in Oregon, Idaho or California:
 * `{ name, city, state, id }`. An unbounded keyed join (seller = person id) with state kept
 * `ttlMs` of event time (default 10 s: sellers are recent people).
 */
export function q3(events: Stream<NexmarkEvent>, ttlMs = 10_000): Stream<LocalItem> {
  const t = timed(events);
  const sellers = personsOf(t)
    .filter((p) => p.state === "OR" || p.state === "ID" || p.state === "CA")
    .keyBy((p) => p.id);
  return auctionsOf(t)
    .filter((a) => a.category === 10)
    .keyBy((a) => a.seller)
    .join(sellers)
    .ttl(ttlMs)
    .apply((a, p) => ({ name: p.name, city: p.city, state: p.state, id: a.id }));
}
