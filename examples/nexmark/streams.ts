import {
  type Auction,
  type Bid,
  eventTime,
  type NexmarkEvent,
  type Person,
} from "../../src/connectors/generator/nexmark/index.js";
import type { Stream } from "../../src/index.js";

/** Events with event time from `dateTime` (the generator emits them in order). */
export const timed = (events: Stream<NexmarkEvent>) => events.withTimestamps(eventTime);

export const bidsOf = (events: Stream<NexmarkEvent>): Stream<Bid> =>
  events.filter((e): e is Extract<NexmarkEvent, { type: "bid" }> => e.type === "bid").map((e) => e.bid);
export const auctionsOf = (events: Stream<NexmarkEvent>): Stream<Auction> =>
  events
    .filter((e): e is Extract<NexmarkEvent, { type: "auction" }> => e.type === "auction")
    .map((e) => e.auction);
export const personsOf = (events: Stream<NexmarkEvent>): Stream<Person> =>
  events
    .filter((e): e is Extract<NexmarkEvent, { type: "person" }> => e.type === "person")
    .map((e) => e.person);
