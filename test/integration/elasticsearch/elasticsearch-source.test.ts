import type { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ElasticsearchError,
  elasticsearchOffsetStore,
  elasticsearchSource,
  memoryOffsetStore,
} from "../../../src/connectors/elasticsearch/index.js";
import { ConnectorError, Env, Sink } from "../../../src/index.js";
import { adminClient, esUrl, uniqueIndex } from "./es.js";

let es: Client;
const indices: string[] = [];

type Ev = { seq: number; ts: string; group: number };

/** An index of `n` events: 10 per timestamp (so cursors tie), seq unique, inserted out of order. */
async function eventIndex(prefix: string, n: number, from = 0): Promise<string> {
  const idx = uniqueIndex(prefix);
  indices.push(idx);
  await es.indices.create({
    index: idx,
    settings: { number_of_shards: 2 },
    mappings: { properties: { seq: { type: "long" }, ts: { type: "date" }, group: { type: "integer" } } },
  });
  await addEvents(idx, n, from);
  return idx;
}

async function addEvents(idx: string, n: number, from: number): Promise<void> {
  const ops: unknown[] = [];
  for (let k = 0; k < n; k++) {
    const seq = from + ((k * 7919) % n);
    ops.push({ index: { _index: idx, _id: String(seq) } }, event(seq));
  }
  await es.bulk({ operations: ops, refresh: true });
}

function event(seq: number): Ev {
  return {
    seq,
    ts: new Date(Date.UTC(2024, 0, 1) + Math.floor(seq / 10) * 1000).toISOString(),
    group: seq % 3,
  };
}

beforeAll(() => {
  es = adminClient();
});
afterAll(async () => {
  if (indices.length > 0) await es.indices.delete({ index: indices, ignore_unavailable: true });
  await es.close();
});

class RecordingSink<T> extends Sink<T> {
  readonly records: T[] = [];
  constructor(private readonly failOn: (r: T) => boolean = () => false) {
    super();
  }
  async produce(elems: T[]): Promise<void> {
    if (elems.some(this.failOn)) throw new Error("sink down");
    this.records.push(...elems);
  }
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe("elasticsearchSource", () => {
  it("reads the point in time taken at open in (cursor, tie-breaker) order across shards and stores the last cursor", async () => {
    const idx = await eventIndex("src", 2000);
    let added = false;
    const sink = new RecordingSink<Ev>();
    const env = new Env({ batchSize: 128 });
    env
      .from(elasticsearchSource<Ev>({ node: esUrl(), index: idx, cursor: "ts", tieBreaker: "seq" }))
      .tap(async () => {
        if (!added) {
          added = true;
          await addEvents(idx, 5, 5000);
        }
      })
      .to(sink);
    await env.run();
    expect(sink.records.map((r) => r.seq)).toEqual(range(2000));
    expect(sink.records[123]).toEqual(event(123));
    const store = elasticsearchOffsetStore(esUrl());
    expect(JSON.parse((await store.load(`elasticsearch:${idx}:ts,seq`))!)).toEqual({
      v: [Date.parse(event(1999).ts), 1999],
    });
    await store.close();
    // the next run reads only the documents past the stored cursor
    const next = new RecordingSink<Ev>();
    await new Env()
      .from(elasticsearchSource<Ev>({ node: esUrl(), index: idx, cursor: "ts", tieBreaker: "seq" }))
      .to(next);
    expect(next.records.map((r) => r.seq)).toEqual(range(5, 5000));
  });

  it("resumes after a failure: with a tie-breaker exactly after the last acknowledged document, without one re-reading only its equals", async () => {
    const idx = await eventIndex("resume", 1000);
    for (const tieBreaker of ["seq", undefined]) {
      const store = memoryOffsetStore();
      const source = () =>
        elasticsearchSource<Ev>({
          node: esUrl(),
          index: idx,
          cursor: "ts",
          offsetStore: store,
          query: { range: { group: { gte: 0 } } },
          ...(tieBreaker === undefined ? {} : { tieBreaker }),
        });
      const first = new RecordingSink<Ev>((r) => r.seq === 567);
      const env1 = new Env({ batchSize: 64 });
      env1.from(source()).to(first);
      await expect(env1.run()).rejects.toThrow(/sink down/);
      const written = first.records.map((r) => r.seq);
      // the cursor never ran ahead of what the sink wrote
      const stored = (JSON.parse([...store.values.values()].at(-1)!) as { v: number[] }).v;
      expect(stored[0]).toBe(Date.parse(event(written.at(-1)!).ts));
      const second = new RecordingSink<Ev>();
      await new Env({ batchSize: 64 }).from(source()).to(second);
      const again = second.records.map((r) => r.seq);
      expect(new Set([...written, ...again])).toEqual(new Set(range(1000)));
      const dup = again.filter((s) => written.includes(s));
      if (tieBreaker !== undefined) expect(dup).toEqual([]);
      else {
        // only the documents sharing the last acknowledged timestamp are read twice
        for (const s of dup) expect(event(s).ts).toBe(event(written.at(-1)!).ts);
      }
    }
  });

  it("continuous: polls with a new point in time for documents added later, until the job stops", async () => {
    const idx = await eventIndex("poll", 100);
    const env = new Env({ batchSize: 40 });
    const seen: number[] = [];
    let added = false;
    await env
      .from(
        elasticsearchSource<Ev>({
          node: esUrl(),
          index: idx,
          cursor: "ts",
          tieBreaker: "seq",
          bounded: false,
          pollIntervalMs: 20,
          offsetStore: memoryOffsetStore(),
        }),
      )
      .tap(async (r) => {
        seen.push(r.seq);
        if (r.seq === 99 && !added) {
          added = true;
          await addEvents(idx, 50, 100);
        }
        if (r.seq === 149) env.stop();
      })
      .to(new RecordingSink<Ev>());
    expect(seen).toEqual(range(150));
  });

  it("emit: 'hit' gives ids and indices", async () => {
    const idx = await eventIndex("hit", 3);
    const out = await new Env()
      .from(
        elasticsearchSource({
          node: esUrl(),
          index: idx,
          cursor: "seq",
          emit: "hit",
          offsetStore: memoryOffsetStore(),
        }),
      )
      .toArray();
    expect(out).toEqual(range(3).map((s) => ({ _id: String(s), _index: idx, _source: event(s) })));
  });

  it("bad input: a missing index or an unmapped cursor field is named; a cluster that is down names the node", async () => {
    const missing = uniqueIndex("missing");
    const run = async (opts: Parameters<typeof elasticsearchSource>[0]) => {
      const env = new Env();
      env.from(elasticsearchSource(opts)).to(new RecordingSink());
      return ((await env.run().catch((e: unknown) => e)) as AggregateError).errors[0].cause as ConnectorError;
    };
    const e1 = await run({ node: esUrl(), index: missing, cursor: "ts" });
    expect(e1).toBeInstanceOf(ElasticsearchError);
    expect(e1.message).toContain(missing);
    expect(e1.message).toContain("index_not_found_exception");
    const idx = await eventIndex("unmapped", 1);
    const e2 = await run({ node: esUrl(), index: idx, cursor: "updatedAt" });
    expect(e2.message).toContain('"updatedAt" is not mapped');
    expect(e2.message).toContain(idx);
    const e3 = await run({ node: "http://127.0.0.1:1", index: idx, cursor: "ts" });
    expect(e3).toBeInstanceOf(ConnectorError);
    expect(e3.message).toContain("http://127.0.0.1:1");
    expect(e3.message).toContain("check that Elasticsearch is running");
    expect(() => elasticsearchSource({ node: esUrl(), index: idx } as never)).toThrow(/cursor is required/);
  });
});
