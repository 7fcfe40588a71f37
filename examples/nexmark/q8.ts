import type { NexmarkEvent } from "../../src/connectors/generator/nexmark/index.js";
import { type Stream, tumbling } from "../../src/index.js";
import { auctionsOf, personsOf, timed } from "./streams.js";

/**
 * q8 monitor new users: people who opened an auction in the 10 s window they registered in:
 * `{ id, name, reserve }` (a window join, person id = auction seller).
 */
export function q8(events: Stream<NexmarkEvent>): Stream<{ id: number; name: string; reserve: number }> {
  const t = timed(events);
  return personsOf(t)
    .keyBy((p) => p.id)
    .join(auctionsOf(t).keyBy((a) => a.seller))
    .window(tumbling(10_000))
    .apply((p, a) => ({ id: p.id, name: p.name, reserve: a.reserve }));
}
