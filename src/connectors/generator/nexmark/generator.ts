import type { Auction, Bid, NexmarkEvent, Person } from "./model.js";

/**
 * Settings of the Nexmark generator, after the reference model's GeneratorConfig (defaults as in
 * Beam's and Flink's Nexmark): per 50 events, 1 person, 3 auctions, 46 bids.
 */
export interface NexmarkConfig {
  /** Seed: the same seed gives the same events. Default 42. */
  seed?: number;
  /** Event time of event 0, epoch ms. Default 2015-07-15T00:00:00Z (the reference model's). */
  baseTime?: number;
  /** Event-time rate: events per second of event time (spaces `dateTime`s). Default 10,000. */
  eventsPerSecondOfEventTime?: number;
  /** Auctions open at once (bids go to one of them). Default 100. */
  inFlightAuctions?: number;
  /** People who bid and sell (the most recent ones). Default 1,000. */
  activePeople?: number;
  /** 1 in `hotAuctionRatio` bids goes to a random auction, the rest to the hot one. Default 2. */
  hotAuctionRatio?: number;
  /** Same for bidders. Default 4. */
  hotBiddersRatio?: number;
  /** Same for sellers. Default 4. */
  hotSellersRatio?: number;
}

const PROPORTION = 50;
const FIRST_PERSON_ID = 1000;
const FIRST_AUCTION_ID = 1000;
const FIRST_CATEGORY_ID = 10;
const NUM_CATEGORIES = 5;
const FIRST_NAMES = [
  "Peter",
  "Paul",
  "Luke",
  "John",
  "Saul",
  "Vicky",
  "Kate",
  "Julie",
  "Sarah",
  "Deiter",
  "Walter",
];
const LAST_NAMES = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];
const STATES = ["AZ", "CA", "ID", "OR", "WA", "WY"];
const CITIES = [
  "Phoenix",
  "Los Angeles",
  "San Francisco",
  "Boise",
  "Portland",
  "Bend",
  "Redmond",
  "Seattle",
  "Kent",
  "Cheyenne",
];
const CHANNELS = ["Google", "Facebook", "Baidu", "Apple"];
const AVG_EXTRA = { person: 120, auction: 380, bid: 40 };

/** splitmix32-style PRNG seeded per event: events do not depend on batching or order of generation. */
class Rng {
  private s: number;
  constructor(
    seed: number,
    n: number,
    private readonly pool = "",
  ) {
    this.s = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(n + 1, 0xc2b2ae35)) >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x9e3779b9) >>> 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  /** `len` random letters: a slice of the generator's seeded pool (O(1), no copy). */
  string(len: number): string {
    const off = this.int(this.pool.length - len);
    return this.pool.slice(off, off + len);
  }
}

/**
 * The Nexmark event generator: event `n` is a pure function of (config, n). Person : Auction :
 * Bid = 1 : 3 : 46 per 50 events; ids grow with the event number (persons and auctions from
 * 1000); bids go to a hot auction (the newest, rounded down to `hotAuctionRatio`) or to one of the
 * `inFlightAuctions` open ones; bidders and sellers likewise among the `activePeople` newest;
 * prices follow the reference model (`round(10^(6u) * 100)` cents); `extra` pads events to the
 * reference model's average sizes.
 */
export class NexmarkGenerator {
  private readonly c: Required<NexmarkConfig>;
  private readonly delayMs: number;
  private readonly pool: string;

  constructor(config: NexmarkConfig = {}) {
    this.c = {
      seed: 42,
      baseTime: Date.UTC(2015, 6, 15),
      eventsPerSecondOfEventTime: 10_000,
      inFlightAuctions: 100,
      activePeople: 1000,
      hotAuctionRatio: 2,
      hotBiddersRatio: 4,
      hotSellersRatio: 4,
      ...config,
    };
    this.delayMs = 1000 / this.c.eventsPerSecondOfEventTime;
    const rng = new Rng(this.c.seed, -1);
    const letters: string[] = [];
    for (let i = 0; i < 1 << 16; i++) letters.push(String.fromCharCode(97 + rng.int(26)));
    this.pool = letters.join("");
  }

  /** Event time of event `n`, epoch ms. */
  timeOf(n: number): number {
    return this.c.baseTime + Math.floor(n * this.delayMs);
  }

  /** Event number `n` (0-based). */
  event(n: number): NexmarkEvent {
    const epoch = Math.floor(n / PROPORTION);
    const offset = n % PROPORTION;
    const rng = new Rng(this.c.seed, n, this.pool);
    const t = this.timeOf(n);
    if (offset < 1) return { type: "person", person: this.person(epoch, t, rng) };
    if (offset < 4) return { type: "auction", auction: this.auction(epoch, offset, n, t, rng) };
    return { type: "bid", bid: this.bid(epoch, offset, t, rng) };
  }

  private person(epoch: number, t: number, rng: Rng): Person {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const card = Array.from({ length: 4 }, () => String(1000 + rng.int(9000))).join(" ");
    return {
      id: FIRST_PERSON_ID + epoch,
      name: `${first} ${last}`,
      emailAddress: `${rng.string(7)}@${rng.string(5)}.com`,
      creditCard: card,
      city: rng.pick(CITIES),
      state: rng.pick(STATES),
      dateTime: t,
      extra: rng.string(AVG_EXTRA.person / 2 + rng.int(AVG_EXTRA.person)),
    };
  }

  /** The newest person id at `epoch`, and a random active one (hot with probability 1 - 1/ratio). */
  private personId(epoch: number, rng: Rng, hotRatio: number): number {
    const newest = epoch;
    if (rng.int(hotRatio) > 0) return FIRST_PERSON_ID + Math.floor(newest / hotRatio) * hotRatio;
    const active = Math.min(newest + 1, this.c.activePeople);
    return FIRST_PERSON_ID + newest - rng.int(active);
  }

  private auction(epoch: number, offset: number, n: number, t: number, rng: Rng): Auction {
    const id = FIRST_AUCTION_ID + epoch * 3 + (offset - 1);
    const initialBid = Math.round(10 ** (rng.next() * 6) * 100);
    // an auction lasts about as long as it takes to open `inFlightAuctions` more (0.5x to 1.5x)
    const lifeEvents = (this.c.inFlightAuctions * PROPORTION) / 3;
    const expires = this.timeOf(n + Math.round(lifeEvents * (0.5 + rng.next())));
    return {
      id,
      itemName: rng.string(10),
      description: rng.string(20),
      initialBid,
      reserve: initialBid + Math.round(10 ** (rng.next() * 6) * 100),
      dateTime: t,
      expires,
      seller: this.personId(epoch, rng, this.c.hotSellersRatio),
      category: FIRST_CATEGORY_ID + rng.int(NUM_CATEGORIES),
      extra: rng.string(AVG_EXTRA.auction / 2 + rng.int(AVG_EXTRA.auction)),
    };
  }

  private bid(epoch: number, _offset: number, t: number, rng: Rng): Bid {
    const newestAuction = epoch * 3 + 2; // base-0 id of the latest auction opened in this epoch
    let auction: number;
    if (rng.int(this.c.hotAuctionRatio) > 0)
      auction = Math.floor(newestAuction / this.c.hotAuctionRatio) * this.c.hotAuctionRatio;
    else auction = Math.max(0, newestAuction - rng.int(this.c.inFlightAuctions));
    const channel = rng.pick(CHANNELS);
    return {
      auction: FIRST_AUCTION_ID + auction,
      bidder: this.personId(epoch, rng, this.c.hotBiddersRatio),
      price: Math.round(10 ** (rng.next() * 6) * 100),
      channel,
      url: `https://www.nexmark.com/${rng.string(5)}/item.htm?query=1&channel_id=${CHANNELS.indexOf(channel)}`,
      dateTime: t,
      extra: rng.string(AVG_EXTRA.bid / 2 + rng.int(AVG_EXTRA.bid)),
    };
  }
}
