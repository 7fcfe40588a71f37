import { describe, expect, it, vi } from "vitest";
import { q0, q1, q2, q3, q4, q5, q7, q8, q11, q12 } from "../../examples/nexmark/index.js";
import {
  type Bid,
  type NexmarkEvent,
  NexmarkGenerator,
  NexmarkSource,
} from "../../src/connectors/generator/nexmark/index.js";
import { Env, type Stream } from "../../src/index.js";
import { referenceSessions, VirtualClock } from "../../src/testing/index.js";

const N = 20_000;
const gen = new NexmarkGenerator({ seed: 7 });
const events: NexmarkEvent[] = Array.from({ length: N }, (_, i) => gen.event(i));
const bids = events.flatMap((e) => (e.type === "bid" ? [e.bid] : []));
const auctions = events.flatMap((e) => (e.type === "auction" ? [e.auction] : []));
const persons = events.flatMap((e) => (e.type === "person" ? [e.person] : []));

const run = <O>(q: (s: Stream<NexmarkEvent>) => Stream<O>, env = new Env({ batchSize: 256 })) =>
  q(env.from(events)).toArray();
const sortJson = <T>(xs: T[]) => xs.map((x) => JSON.stringify(x)).sort();

describe("Nexmark generator", () => {
  it("is deterministic for a seed, 1:3:46, ids and times increasing, bids on open auctions", () => {
    const again = new NexmarkGenerator({ seed: 7 });
    expect(JSON.stringify(again.event(12_345))).toBe(JSON.stringify(events[12_345]));
    expect(JSON.stringify(new NexmarkGenerator({ seed: 8 }).event(12_345))).not.toBe(
      JSON.stringify(events[12_345]),
    );
    expect([persons.length, auctions.length, bids.length]).toEqual([N / 50, (N / 50) * 3, (N / 50) * 46]);
    const fields = (o: object) => Object.keys(o).sort();
    expect(fields(persons[0])).toEqual([
      "city",
      "creditCard",
      "dateTime",
      "emailAddress",
      "extra",
      "id",
      "name",
      "state",
    ]);
    expect(fields(auctions[0])).toEqual([
      "category",
      "dateTime",
      "description",
      "expires",
      "extra",
      "id",
      "initialBid",
      "itemName",
      "reserve",
      "seller",
    ]);
    expect(fields(bids[0])).toEqual(["auction", "bidder", "channel", "dateTime", "extra", "price", "url"]);
    const times = events.map((e) =>
      e.type === "bid" ? e.bid.dateTime : e.type === "auction" ? e.auction.dateTime : e.person.dateTime,
    );
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const maxAuction = Math.max(...auctions.map((a) => a.id));
    expect(bids.every((b) => b.auction >= 1000 && b.auction <= maxAuction)).toBe(true);
    // hot auctions: about half the bids go to a few auctions
    const perAuction = new Map<number, number>();
    for (const b of bids) perAuction.set(b.auction, (perAuction.get(b.auction) ?? 0) + 1);
    expect(Math.max(...perAuction.values())).toBeGreaterThan(50);
  });
});

describe("Nexmark source rate limit", () => {
  it("hands out no more events than eventsPerSecond allows for the time elapsed", async () => {
    let now = 1000;
    const spy = vi.spyOn(performance, "now").mockImplementation(() => now);
    try {
      const src = new NexmarkSource({ events: 1000, eventsPerSecond: 10 });
      expect(await src.consume(500)).toHaveLength(1); // t = 0 s: 1 event allowed
      expect(await src.consume(500)).toEqual([]); // ahead of the rate: waits, hands out nothing
      now = 1500;
      expect(await src.consume(500)).toHaveLength(5); // t = 0.5 s: 6 events in all
      now = 11_000;
      expect(await src.consume(500)).toHaveLength(95); // t = 10 s: 101 in all
    } finally {
      spy.mockRestore();
    }
  });
});

describe("Nexmark queries against plain-loop references", () => {
  it("q0, q1, q2", async () => {
    expect(await run(q0)).toEqual(events);
    expect(await run(q1)).toEqual(bids.map((b) => ({ ...b, price: b.price * 0.908 })));
    expect(await run(q2)).toEqual(
      bids.filter((b) => b.auction % 123 === 0).map((b) => ({ auction: b.auction, price: b.price })),
    );
  });

  it("q3: category-10 auctions by sellers in OR/ID/CA, an unbounded join as Flink's SQL", async () => {
    const got = await run(q3);
    const byId = new Map(persons.map((p) => [p.id, p]));
    const expected = auctions
      .filter((a) => a.category === 10)
      .flatMap((a) => {
        const p = byId.get(a.seller);
        return p !== undefined && ["OR", "ID", "CA"].includes(p.state)
          ? [{ name: p.name, city: p.city, state: p.state, id: a.id }]
          : [];
      });
    expect(expected.length).toBeGreaterThan(10);
    expect(sortJson(got)).toEqual(sortJson(expected));
  });

  it("q3 with a TTL: the same rows at batch sizes 1, 7, 1024 and 4096 (TTL checked per pair)", async () => {
    // 1,000 events per second of event time: sellers fall out of a 10 s TTL while auctions come
    const slow = new NexmarkGenerator({ seed: 3, eventsPerSecondOfEventTime: 1000 });
    const evs = Array.from({ length: N }, (_, i) => slow.event(i));
    const ps = new Map(evs.flatMap((e) => (e.type === "person" ? [[e.person.id, e.person] as const] : [])));
    const expected = evs.flatMap((e) => {
      if (e.type !== "auction" || e.auction.category !== 10) return [];
      const p = ps.get(e.auction.seller);
      return p !== undefined &&
        ["OR", "ID", "CA"].includes(p.state) &&
        Math.abs(p.dateTime - e.auction.dateTime) <= 10_000
        ? [{ name: p.name, city: p.city, state: p.state, id: e.auction.id }]
        : [];
    });
    const all = evs.filter((e) => e.type === "auction" && e.auction.category === 10).length;
    expect(expected.length).toBeGreaterThan(10);
    expect(expected.length).toBeLessThan(all); // the TTL matters on this input
    for (const batchSize of [1, 7, 1024, 4096]) {
      const got = await q3(new Env({ batchSize }).from(evs), { ttlMs: 10_000 }).toArray();
      expect(sortJson(got)).toEqual(sortJson(expected));
    }
  });

  it("q4: the last average per category equals the average of winning prices", async () => {
    const got = await run(q4);
    const last = new Map<number, number>();
    for (const r of got) last.set(r.category, r.avg);
    const winners = new Map<number, { category: number; price: number }>();
    for (const a of auctions) {
      let best = -1;
      for (const b of bids)
        if (
          b.auction === a.id &&
          b.dateTime >= a.dateTime &&
          b.dateTime <= a.expires &&
          b.dateTime - a.dateTime <= 1000
        )
          best = Math.max(best, b.price);
      if (best >= 0) winners.set(a.id, { category: a.category, price: best });
    }
    const expected = new Map<number, number[]>();
    for (const w of winners.values())
      expected.set(w.category, [...(expected.get(w.category) ?? []), w.price]);
    expect([...last.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [c, prices] of expected)
      expect(last.get(c)).toBeCloseTo(prices.reduce((x, y) => x + y, 0) / prices.length, 6);
  });

  it("q5: per sliding window, the top auction's count is the largest count", async () => {
    const got = await run(q5);
    const counts = new Map<number, Map<number, number>>();
    for (const b of bids) {
      for (
        let start = b.dateTime - (((b.dateTime % 2000) + 2000) % 2000);
        start > b.dateTime - 10_000;
        start -= 2000
      ) {
        const m = counts.get(start) ?? new Map<number, number>();
        m.set(b.auction, (m.get(b.auction) ?? 0) + 1);
        counts.set(start, m);
      }
    }
    expect(got.map((r) => r.start).sort((a, b) => a - b)).toEqual([...counts.keys()].sort((a, b) => a - b));
    for (const r of got) {
      const m = counts.get(r.start)!;
      expect(r.num).toBe(Math.max(...m.values()));
      expect(m.get(r.auction)).toBe(r.num);
      expect(r.end - r.start).toBe(10_000);
    }
  });

  it("q7: per tumbling 10 s window, the highest price", async () => {
    const got = await run(q7);
    const best = new Map<number, number>();
    for (const b of bids) {
      const w = b.dateTime - (b.dateTime % 10_000);
      best.set(w, Math.max(best.get(w) ?? -1, b.price));
    }
    expect(got.map((r) => [r.start, r.price]).sort((a, b) => a[0] - b[0])).toEqual(
      [...best.entries()].sort((a, b) => a[0] - b[0]),
    );
  });

  it("q8: people who opened an auction in the window they registered", async () => {
    const got = await run(q8);
    const expected: { id: number; name: string; reserve: number }[] = [];
    for (const p of persons) {
      for (const a of auctions) {
        if (a.seller === p.id && Math.floor(a.dateTime / 10_000) === Math.floor(p.dateTime / 10_000))
          expected.push({ id: p.id, name: p.name, reserve: a.reserve });
      }
    }
    expect(expected.length).toBeGreaterThan(10);
    expect(sortJson(got)).toEqual(sortJson(expected));
  });

  it("q11: bids per bidder per session (10 s gap), the kit's session reference", async () => {
    const got = await run(q11);
    const ref = referenceSessions(bids, {
      key: (b: Bid) => b.bidder,
      ts: (b: Bid) => b.dateTime,
      gap: 10_000,
    });
    expect(sortJson(got)).toEqual(
      sortJson(ref.map((w) => ({ bidder: w.key, bidCount: w.records.length, start: w.start, end: w.end }))),
    );
  });

  it("q12: bids per bidder per processing-time window (virtual clock: all in one window)", async () => {
    const clock = new VirtualClock(1_000_000);
    const got = await run(q12, new Env({ clock, batchSize: 256 }));
    const per = new Map<number, number>();
    for (const b of bids) per.set(b.bidder, (per.get(b.bidder) ?? 0) + 1);
    expect(got.map((r) => [r.bidder, r.bidCount]).sort((a, b) => a[0] - b[0])).toEqual(
      [...per.entries()].sort((a, b) => a[0] - b[0]),
    );
    expect(got.every((r) => r.start === 1_000_000 && r.end === 1_010_000)).toBe(true);
  });
});
