// The mesh example's builders (examples/mesh/) with in-memory parts: every record reaches both
// sinks, enriched as a plain loop would, and a slow Elasticsearch-like sink slows the other path
// in the shared mesh but not in the split one. The same builders against the real servers:
// test/integration/mesh/.
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import {
  type EnrichedOrder,
  enrichEvent,
  enrichRow,
  type KafkaOrder,
  type OrderRow,
} from "../../examples/mesh/orders.js";
import type { MeshParts } from "../../examples/mesh/parts.js";
import { sharedMesh } from "../../examples/mesh/shared.js";
import { splitMesh } from "../../examples/mesh/split.js";
import { SinkMeter, throttle } from "../../examples/mesh/throttle.js";
import { ArraySink, Env, IterableSource, RunError, Sink } from "../../src/index.js";

function rows(n: number): OrderRow[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    customer: ` Customer${i % 7} `,
    amount_cents: (i * 7919) % 80_000,
    created_at: new Date(1_700_000_000_000 + i * 1000),
  }));
}

function events(n: number): KafkaOrder[] {
  return Array.from({ length: n }, (_, i) => ({
    topic: "orders",
    partition: i % 3,
    offset: String(Math.floor(i / 3)),
    value: {
      orderId: `app-${i}`,
      customer: `APP${i % 5}`,
      amountCents: (i * 104_729) % 90_000,
      ts: 1_800_000_000_000 + i,
    },
  }));
}

/** In-memory parts; records which copies asked for sources. */
function memoryParts(
  input: { rows: OrderRow[]; events: KafkaOrder[] },
  sinks: { kafka: () => Sink<EnrichedOrder>; es: () => Sink<EnrichedOrder> },
) {
  const copies: string[] = [];
  const parts: MeshParts = {
    mysqlSource: (copy) => {
      copies.push(`mysql:${copy}`);
      return new IterableSource(input.rows);
    },
    kafkaSource: (copy) => {
      copies.push(`kafka:${copy}`);
      return new IterableSource(input.events);
    },
    kafkaSink: sinks.kafka,
    elasticsearchSink: sinks.es,
  };
  return { parts, copies };
}

/** The reference: a plain loop over both inputs, sorted by id. */
function expected(input: { rows: OrderRow[]; events: KafkaOrder[] }): EnrichedOrder[] {
  const out: EnrichedOrder[] = [];
  for (const r of input.rows) out.push(enrichRow(r));
  for (const e of input.events) out.push(enrichEvent(e.value));
  return out.sort(byId);
}

function byId(a: EnrichedOrder, b: EnrichedOrder): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const builders = { shared: sharedMesh, split: splitMesh };

describe("mesh example with in-memory parts", () => {
  it("enriches as the reference loop does", () => {
    const r = enrichRow({ id: 3, customer: " Ann ", amount_cents: 50_000, created_at: new Date(5) });
    expect(r).toEqual({
      id: "mysql-3",
      origin: "mysql",
      customer: "ann",
      amountCents: 50_000,
      amount: 500,
      tier: "large",
      ts: 5,
    });
    expect(enrichEvent({ orderId: "x", customer: "B", amountCents: 4_999, ts: 9 }).tier).toBe("small");
    expect(enrichEvent({ orderId: "x", customer: "B", amountCents: 5_000, ts: 9 }).tier).toBe("medium");
    expect(enrichEvent({ orderId: "x", customer: "B", amountCents: 49_999, ts: 9 }).tier).toBe("medium");
  });

  for (const [name, build] of Object.entries(builders)) {
    it(`${name}: every record of both sources reaches both sinks, enriched`, async () => {
      const input = { rows: rows(700), events: events(500) };
      const kafka = new ArraySink<EnrichedOrder>();
      const es = new ArraySink<EnrichedOrder>();
      const { parts, copies } = memoryParts(input, { kafka: () => kafka, es: () => es });
      const env = new Env({ batchSize: 64, highWaterMark: 2 });
      build(env, parts);
      await env.run();
      const want = expected(input);
      expect([...kafka.records].sort(byId)).toEqual(want);
      expect([...es.records].sort(byId)).toEqual(want);
      // the shared mesh reads each input once, the split one once per sink
      if (name === "shared") expect(copies).toEqual(["mysql:shared", "kafka:shared"]);
      else
        expect(copies.sort()).toEqual([
          "kafka:to-elasticsearch",
          "kafka:to-kafka",
          "mysql:to-elasticsearch",
          "mysql:to-kafka",
        ]);
    });
  }

  it("topology: shared is one Calculator with two inputs and two outputs; split is two copies sharing no node", () => {
    const build = (mesh: keyof typeof builders) => {
      const env = new Env();
      const { parts } = memoryParts(
        { rows: [], events: [] },
        { kafka: () => new ArraySink<EnrichedOrder>(), es: () => new ArraySink<EnrichedOrder>() },
      );
      builders[mesh](env, parts);
      return env.topology();
    };
    const shared = build("shared");
    const computes = shared.nodes.filter((n) => n.kind === "compute");
    expect(computes).toHaveLength(1);
    const calc = computes[0].id;
    expect(shared.edges.filter((e) => e.to === calc)).toHaveLength(2);
    expect(shared.edges.filter((e) => e.from === calc)).toHaveLength(2);

    const split = build("split");
    expect(split.nodes.filter((n) => n.kind === "source")).toHaveLength(4);
    expect(split.nodes.filter((n) => n.kind === "sink")).toHaveLength(2);
    // each node reaches exactly one sink: the copies share nothing
    const down = new Map<string, string[]>();
    for (const e of split.edges) down.set(e.from, [...(down.get(e.from) ?? []), e.to]);
    const sinksOf = (id: string): Set<string> => {
      const next = down.get(id) ?? [];
      if (next.length === 0) return new Set([id]);
      return new Set(next.flatMap((n) => [...sinksOf(n)]));
    };
    for (const n of split.nodes) expect(sinksOf(n.id).size, n.name).toBe(1);
  });

  it("both meshes deliver the reference multiset for any inputs, batch sizes and buffers", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom("shared" as const, "split" as const),
        async (nRows, nEvents, batchSize, highWaterMark, mesh) => {
          const input = { rows: rows(nRows), events: events(nEvents) };
          const kafka = new ArraySink<EnrichedOrder>();
          const es = new ArraySink<EnrichedOrder>();
          const { parts } = memoryParts(input, { kafka: () => kafka, es: () => es });
          const env = new Env({ batchSize, highWaterMark });
          builders[mesh](env, parts);
          await env.run();
          const want = expected(input);
          expect([...kafka.records].sort(byId)).toEqual(want);
          expect([...es.records].sort(byId)).toEqual(want);
        },
      ),
      { numRuns: 30 },
    );
  });

  it("a slow Elasticsearch sink slows the Kafka path of the shared mesh, not of the split one", async () => {
    const input = { rows: rows(1_500), events: events(1_500) };
    const rates: Record<string, { kafka: number; es: number }> = {};
    for (const [name, build] of Object.entries(builders)) {
      const kafkaMeter = new SinkMeter("kafka path");
      const esMeter = new SinkMeter("elasticsearch path");
      const { parts } = memoryParts(input, {
        kafka: () => kafkaMeter.attach(new ArraySink<EnrichedOrder>()),
        // 50 records per batch, 10 ms per batch: at most 5,000 records/s
        es: () => esMeter.attach(throttle(new ArraySink<EnrichedOrder>(), { delayMs: 10 })),
      });
      const env = new Env({ batchSize: 50, highWaterMark: 2 });
      build(env, parts);
      await env.run();
      expect(kafkaMeter.records).toBe(3_000);
      expect(esMeter.records).toBe(3_000);
      rates[name] = { kafka: kafkaMeter.rate(), es: esMeter.rate() };
    }
    // shared: the Kafka path waits for Elasticsearch, its rate is about Elasticsearch's
    expect(rates.shared.kafka).toBeLessThan(rates.shared.es * 2);
    // split: the Kafka path runs at its own pace, far beyond the throttled one
    expect(rates.split.kafka).toBeGreaterThan(rates.shared.kafka * 5);
    expect(rates.split.kafka).toBeGreaterThan(rates.split.es * 5);
  });
});

/** An array source that remembers how far the runtime acknowledged it (what a connector would commit). */
class AckedSource<T> extends IterableSource<T> {
  acked = 0;
  constructor(
    readonly records: T[],
    readonly copy: string,
  ) {
    super(records);
  }
  override ack(position: number): void {
    this.acked = position;
  }
}

/** A sink standing for an Elasticsearch that goes down after `after` records. */
class FailingSink extends Sink<EnrichedOrder> {
  override name = "elasticsearch";
  written = 0;
  constructor(readonly after: number) {
    super();
  }
  produce(elems: EnrichedOrder[]): void {
    if (this.written + elems.length > this.after) throw new Error("elasticsearch down");
    this.written += elems.length;
  }
}

describe("mesh example: Elasticsearch failing", () => {
  for (const mesh of ["shared", "split"] as const) {
    it(`${mesh}: the Kafka sink gets every record; what the sources commit differs`, async () => {
      const input = { rows: rows(2_000), events: events(2_000) };
      const sources: AckedSource<unknown>[] = [];
      const kafka = new ArraySink<EnrichedOrder>();
      const es = new FailingSink(1_000);
      const parts: MeshParts = {
        mysqlSource: (copy) => {
          const s = new AckedSource(input.rows, copy);
          sources.push(s as AckedSource<unknown>);
          return s;
        },
        kafkaSource: (copy) => {
          const s = new AckedSource(input.events, copy);
          sources.push(s as AckedSource<unknown>);
          return s;
        },
        kafkaSink: () => kafka,
        elasticsearchSink: () => es,
      };
      const env = new Env({ batchSize: 100, highWaterMark: 2 });
      builders[mesh](env, parts);
      const err = await env.run().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RunError);
      expect(((err as RunError).errors as Error[]).map((e) => e.message).join()).toMatch(
        /elasticsearch down/,
      );
      // failure isolation: the Kafka sink shares no failed node, it gets everything in both meshes
      expect([...kafka.records].sort(byId)).toEqual(expected(input));
      expect(es.written).toBeLessThanOrEqual(1_000);
      for (const s of sources) {
        const inputSize = s.records.length;
        if (mesh === "shared" || s.copy === "to-elasticsearch") {
          // acks stop at the first record the failed sink did not write: a restart replays the
          // rest to both sinks (the Kafka sink sees duplicates: idempotent keys make them harmless)
          expect(s.acked, s.copy).toBeLessThanOrEqual(es.written);
        } else {
          // split: the Kafka copy's sources commit all they read
          expect(s.acked, s.copy).toBe(inputSize);
        }
      }
    });
  }
});

describe("throttle and SinkMeter", () => {
  it("throttle holds each batch back for delayMs and keeps the instance", async () => {
    vi.useFakeTimers();
    try {
      const sink = new ArraySink<number>();
      expect(throttle(sink, { delayMs: 30 })).toBe(sink);
      const done = Promise.resolve(sink.produce([1, 2])).then(() => "written");
      await vi.advanceTimersByTimeAsync(29);
      expect(sink.records).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(await done).toBe("written");
      expect(sink.records).toEqual([1, 2]);
      expect(() => throttle(sink, { delayMs: -1 })).toThrow(/delayMs must be a finite number >= 0, got -1/);
    } finally {
      vi.useRealTimers();
    }
  });

  it("SinkMeter counts records and batches written, rate NaN before any", async () => {
    const meter = new SinkMeter("m");
    const sink = meter.attach(new ArraySink<number>());
    expect(meter.rate()).toBeNaN();
    await sink.produce([1, 2, 3]);
    await sink.produce([4]);
    expect(meter.records).toBe(4);
    expect(meter.batches).toBe(2);
    expect(meter.elapsedMs()).toBeGreaterThanOrEqual(0);
  });

  it("SinkMeter does not count a batch whose write failed", async () => {
    const meter = new SinkMeter("m");
    const failing = new (class extends ArraySink<number> {
      override produce(): void {
        throw new Error("boom");
      }
    })();
    const sink = meter.attach(failing);
    await expect(sink.produce([1])).rejects.toThrow("boom");
    expect(meter.records).toBe(0);
  });
});
