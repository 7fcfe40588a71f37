import { describe, expect, it } from "vitest";
import { Calculator, ConfigError, count, Env, Sink, tumbling } from "../../src/index.js";
import { hashKey } from "../../src/util/hash.js";
import { AckingSource } from "../helpers.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Two keys that land in different lanes of `n`. */
function keysInDifferentLanes(n: number): [string, string] {
  const a = "k0";
  for (let i = 1; ; i++) if (hashKey(`k${i}`) % n !== hashKey(a) % n) return [a, `k${i}`];
}

class Collect<T> extends Sink<T> {
  readonly got: T[] = [];
  readonly hooks: string[] = [];
  private waits: { n: number; resolve: () => void }[] = [];
  override open() {
    this.hooks.push("open");
  }
  produce(e: T[]): void {
    this.got.push(...e);
    this.waits = this.waits.filter((w) => {
      if (this.got.length < w.n) return true;
      w.resolve();
      return false;
    });
  }
  until(n: number): Promise<void> {
    return this.got.length >= n
      ? Promise.resolve()
      : new Promise((resolve) => this.waits.push({ n, resolve }));
  }
  override done() {
    this.hooks.push("done");
  }
  override cleanup() {
    this.hooks.push("cleanup");
  }
}

interface Ev {
  key: string;
  seq: number;
}

describe("shard(keyFn, { parallelism })", () => {
  it("sends the same key to the same lane, keeps per-key order, shows every lane in the report and topology", async () => {
    const env = new Env({ batchSize: 5 });
    const events: Ev[] = Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 7}`, seq: i }));
    const sink = new Collect<Ev & { lane: number }>();
    let laneOf: (e: Ev) => number = () => -1;
    env
      .from(events, { name: "events" })
      .shard((e) => e.key, { parallelism: 3, name: "byKey" })
      .map((e) => ({ ...e, lane: laneOf(e) }), { name: "tag" })
      .to(sink, { name: "out" });
    laneOf = (e) => hashKey(e.key) % 3;
    const t = env.topology();
    const byId = Object.fromEntries(t.nodes.map((n) => [n.id, n]));
    expect(t.nodes.filter((n) => n.kind === "lane").map((n) => [n.name, n.lane])).toEqual([
      ["byKey[0]", 0],
      ["byKey[1]", 1],
      ["byKey[2]", 2],
    ]);
    expect(t.nodes.filter((n) => n.kind === "sink").map((n) => n.name)).toEqual([
      "out[0]",
      "out[1]",
      "out[2]",
    ]);
    // "tag" is chained into each lane
    const tag = t.operators.filter((o) => o.name === "tag");
    expect(tag.map((o) => [byId[o.node].name, o.lane])).toEqual([
      ["byKey[0]", 0],
      ["byKey[1]", 1],
      ["byKey[2]", 2],
    ]);
    const report = await env.run();
    expect(sink.got).toHaveLength(60);
    // per-key order kept
    for (let k = 0; k < 7; k++) {
      const seqs = sink.got.filter((e) => e.key === `k${k}`).map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(seqs).toHaveLength(events.filter((e) => e.key === `k${k}`).length);
    }
    const lanes = report.nodes.filter((n) => n.kind === "lane");
    expect(lanes.map((n) => n.lane)).toEqual([0, 1, 2]);
    expect(lanes.reduce((a, n) => a + n.recordsIn, 0)).toBe(60);
    for (const n of lanes) {
      const expected = events.filter((e) => hashKey(e.key) % 3 === n.lane).length;
      expect(n.recordsIn).toBe(expected);
    }
    const sinks = report.nodes.filter((n) => n.kind === "sink");
    expect(sinks.map((n) => n.recordsOut)).toEqual(lanes.map((n) => n.recordsIn));
    expect(report.recordsOut).toBe(60);
    // the shared sink saw its hooks once
    expect(sink.hooks).toEqual(["open", "done", "cleanup"]);
  });

  it("async work in different lanes proceeds concurrently (mapAsync)", async () => {
    const [slowKey, fastKey] = keysInDifferentLanes(2);
    const gate = deferred();
    const env = new Env({ batchSize: 1 });
    const sink = new Collect<Ev>();
    const input: Ev[] = [
      { key: slowKey, seq: 0 },
      { key: fastKey, seq: 1 },
      { key: fastKey, seq: 2 },
      { key: fastKey, seq: 3 },
    ];
    env
      .from(input)
      .shard((e) => e.key, { parallelism: 2 })
      .mapAsync(
        async (e) => {
          if (e.key === slowKey) await gate.promise;
          return e;
        },
        { concurrency: 1 },
      )
      .to(sink);
    const run = env.run();
    // the fast lane writes everything while the slow lane's only call is still waiting
    await sink.until(3);
    expect(sink.got.map((e) => e.seq)).toEqual([1, 2, 3]);
    gate.resolve();
    await run;
    expect(sink.got.map((e) => e.seq)).toEqual([1, 2, 3, 0]);
  });

  it("an async sink receives batches from different lanes concurrently; its hooks run once", async () => {
    const [slowKey, fastKey] = keysInDifferentLanes(4);
    const gate = deferred();
    const fastWritten = deferred();
    class SlowForOneKey extends Sink<Ev> {
      readonly got: Ev[] = [];
      readonly hooks: string[] = [];
      override open() {
        this.hooks.push("open");
      }
      async produce(e: Ev[]): Promise<void> {
        if (e[0].key === slowKey) await gate.promise;
        this.got.push(...e);
        if (e[0].key === fastKey) fastWritten.resolve();
      }
      override done() {
        this.hooks.push("done");
      }
      override cleanup() {
        this.hooks.push("cleanup");
      }
    }
    const sink = new SlowForOneKey();
    const env = new Env();
    env
      .from([
        { key: slowKey, seq: 0 },
        { key: fastKey, seq: 1 },
      ])
      .shard((e) => e.key, { parallelism: 4 })
      .to(sink);
    const run = env.run();
    await fastWritten.promise;
    expect(sink.got.map((e) => e.seq)).toEqual([1]);
    gate.resolve();
    const report = await run;
    expect(sink.got.map((e) => e.seq)).toEqual([1, 0]);
    expect(sink.hooks).toEqual(["open", "done", "cleanup"]);
    expect(report.nodes.filter((n) => n.kind === "sink")).toHaveLength(4);
  });

  it("a shared async Calculator runs per lane; done() once, its records emitted", async () => {
    const [slowKey, fastKey] = keysInDifferentLanes(2);
    const gate = deferred();
    const calls: string[] = [];
    class Enrich extends Calculator<Ev, string> {
      async calc(e: Ev) {
        calls.push(`start:${e.seq}`);
        if (e.key === slowKey) await gate.promise;
        calls.push(`end:${e.seq}`);
        return `${e.key}#${e.seq}`;
      }
      override done() {
        return ["flushed"];
      }
    }
    const env = new Env({ batchSize: 1 });
    const sink = new Collect<string>();
    env
      .from([
        { key: slowKey, seq: 0 },
        { key: fastKey, seq: 1 },
      ])
      .shard((e) => e.key, { parallelism: 2 })
      .compute(new Enrich())
      .to(sink);
    const run = env.run();
    await sink.until(1);
    expect(calls).toEqual(["start:0", "start:1", "end:1"]);
    gate.resolve();
    await run;
    expect(sink.got).toEqual([`${fastKey}#1`, `${slowKey}#0`, "flushed"]);
  });

  it("lanes join again before a window: results equal those without a shard; acks reach the end", async () => {
    const events = Array.from({ length: 200 }, (_, i) => ({ key: `u${i % 5}`, ts: i * 10 }));
    const run = async (parallelism: number | null) => {
      const env = new Env({ batchSize: 7 });
      const source = new AckingSource(events, 13);
      let s = env.from(source).withTimestamps((e) => e.ts);
      if (parallelism !== null) s = s.shard((e) => e.key, { parallelism }).map((e) => ({ ...e }));
      const out = await s
        .keyBy((e) => e.key)
        .window(tumbling(100))
        .agg({ n: count() })
        .toArray();
      return { out, acks: source.acks };
    };
    const plain = await run(null);
    const sharded = await run(3);
    const key = (r: { key: string; window: { start: number } }) => `${r.key}@${r.window.start}`;
    expect([...sharded.out].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      [...plain.out].sort((a, b) => key(a).localeCompare(key(b))),
    );
    expect(sharded.acks.at(-1)).toBe(200);
  });

  it("a lane that fails ends only its own pipeline; the other lanes run to their end", async () => {
    const [badKey, goodKey] = keysInDifferentLanes(2);
    const env = new Env({ batchSize: 1 });
    const sink = new Collect<Ev>();
    const input: Ev[] = Array.from({ length: 10 }, (_, i) => ({
      key: i % 2 === 0 ? badKey : goodKey,
      seq: i,
    }));
    env
      .from(input)
      .shard((e) => e.key, { parallelism: 2 })
      .map((e) => {
        if (e.key === badKey && e.seq === 4) throw new Error("lane broke");
        return e;
      })
      .to(sink);
    const err = (await env.run().catch((e) => e)) as AggregateError;
    expect(err.errors.map((e) => (e as Error).message).join()).toMatch(/lane broke/);
    expect(sink.got.filter((e) => e.key === goodKey).map((e) => e.seq)).toEqual([1, 3, 5, 7, 9]);
    expect(sink.got.filter((e) => e.key === badKey).map((e) => e.seq)).toEqual([0, 2]);
    // the shared sink: cleanup once, after both lanes settled; no done() (one lane failed)
    expect(sink.hooks).toEqual(["open", "cleanup"]);
  });

  it("rejects a bad parallelism, a non-function key and unknown options with a ConfigError", () => {
    const s = new Env().from([1]);
    expect(() => s.shard((x) => x, { parallelism: 0 })).toThrow(ConfigError);
    expect(() => s.shard("x" as never)).toThrow(ConfigError);
    expect(() => s.shard((x) => x, { paralelism: 2 } as never)).toThrow(/did you mean "parallelism"/);
  });
});
