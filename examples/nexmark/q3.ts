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

/** Options of {@link q3}. */
export interface Q3Options {
  /**
   * Keep each person and auction only this many ms of event time (a state TTL: a pair joins when
   * their timestamps are at most `ttlMs` apart). Default: none, as Flink's SQL — the join keeps
   * every Oregon/Idaho/California person and every category-10 auction for ever.
   */
  ttlMs?: number;
}

/**
 * q3 local item suggestion, as Flink's SQL:
 *
 * ```sql
 * SELECT P.name, P.city, P.state, A.id
 * FROM auction AS A INNER JOIN person AS P on A.seller = P.id
 * WHERE A.category = 10 and (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA');
 * ```
 *
 * An unbounded (regular) keyed join, seller = person id: `{ name, city, state, id }` for every
 * category-10 auction by a seller from OR, ID or CA, whenever the two arrive. State grows with
 * the input (both filtered sides are kept; see bench/README.md for the figures);
 * `{ ttlMs }` bounds it.
 */
export function q3(events: Stream<NexmarkEvent>, options: Q3Options = {}): Stream<LocalItem> {
  const t = timed(events);
  const sellers = personsOf(t)
    .filter((p) => p.state === "OR" || p.state === "ID" || p.state === "CA")
    .keyBy((p) => p.id);
  const joined = auctionsOf(t)
    .filter((a) => a.category === 10)
    .keyBy((a) => a.seller)
    .join(sellers);
  return (options.ttlMs === undefined ? joined.unbounded() : joined.ttl(options.ttlMs)).apply((a, p) => ({
    name: p.name,
    city: p.city,
    state: p.state,
    id: a.id,
  }));
}
