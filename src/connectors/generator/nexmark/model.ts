/** A Nexmark person (the reference model's fields; `dateTime` in epoch ms). */
export interface Person {
  id: number;
  name: string;
  emailAddress: string;
  creditCard: string;
  city: string;
  state: string;
  dateTime: number;
  extra: string;
}

/** A Nexmark auction. `expires` and `dateTime` in epoch ms; `initialBid`, `reserve` in cents. */
export interface Auction {
  id: number;
  itemName: string;
  description: string;
  initialBid: number;
  reserve: number;
  dateTime: number;
  expires: number;
  seller: number;
  category: number;
  extra: string;
}

/** A Nexmark bid. `price` in cents, `dateTime` in epoch ms. */
export interface Bid {
  auction: number;
  bidder: number;
  price: number;
  channel: string;
  url: string;
  dateTime: number;
  extra: string;
}

/** One Nexmark event: exactly one of `person`, `auction`, `bid` is set, as in the reference model. */
export type NexmarkEvent =
  | { type: "person"; person: Person }
  | { type: "auction"; auction: Auction }
  | { type: "bid"; bid: Bid };

/** Event time of an event (its `dateTime`). */
export function eventTime(e: NexmarkEvent): number {
  return e.type === "person" ? e.person.dateTime : e.type === "auction" ? e.auction.dateTime : e.bid.dateTime;
}
