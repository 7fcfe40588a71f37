import v8 from "node:v8";
import type { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { elasticsearchSource, memoryOffsetStore } from "../../../src/connectors/elasticsearch/index.js";
import { StateError } from "../../../src/index.js";
import type { OperatorContext } from "../../../src/operators/context.js";
import type { Source } from "../../../src/operators/source.js";
import { silentLogger } from "../../../src/util/logger.js";
import { adminClient, esUrl, uniqueIndex } from "./es.js";

let es: Client;
const indices: string[] = [];

type Ev = { seq: number; ts: string };

beforeAll(() => {
  es = adminClient();
});
afterAll(async () => {
  if (indices.length > 0) await es.indices.delete({ index: indices, ignore_unavailable: true });
  await es.close();
});

const ctx = (batchSize: number): OperatorContext => ({
  envName: "t",
  node: "source",
  operator: "elasticsearch",
  batchSize,
  highWaterMark: 4,
  lingerMs: 5,
  logger: silentLogger,
  signal: new AbortController().signal,
});

/** Closes without waiting for acknowledgements (the tests never ack: no cursor save to wait for). */
const noAcks = new Error("test over");

async function read<T>(src: Source<T>, size: number, limit = Number.POSITIVE_INFINITY): Promise<T[]> {
  const out: T[] = [];
  while (out.length < limit) {
    const got = await src.consume(Math.min(size, limit - out.length));
    if (got === null) break;
    out.push(...got);
  }
  return out;
}

describe("elasticsearchSource checkpoint position (real Elasticsearch)", () => {
  it("after N documents, a new source restored to the position reads document N+1 on: with a tieBreaker, and without one (ties on the cursor)", async () => {
    const idx = uniqueIndex("ckpos");
    indices.push(idx);
    await es.indices.create({
      index: idx,
      settings: { number_of_shards: 2 },
      mappings: { properties: { seq: { type: "long" }, ts: { type: "date" } } },
    });
    const n = 300;
    const ops: unknown[] = [];
    for (let k = 0; k < n; k++) {
      const seq = (k * 7919) % n; // inserted out of order
      const ts = new Date(Date.UTC(2024, 0, 1) + Math.floor(seq / 10) * 1000).toISOString(); // 10 per ts
      ops.push({ index: { _index: idx, _id: String(seq) } }, { seq, ts });
    }
    await es.bulk({ operations: ops, refresh: true });

    for (const tieBreaker of ["seq", undefined]) {
      for (const [cut, size] of [
        [137, 7],
        [0, 50],
        [300, 64],
        [13, 4],
      ] as [number, number][]) {
        const store = memoryOffsetStore();
        const make = () =>
          elasticsearchSource<Ev>({
            node: esUrl(),
            index: idx,
            cursor: "ts",
            offsetStore: store,
            ...(tieBreaker === undefined ? {} : { tieBreaker }),
          });
        const whole = make();
        await whole.open(ctx(size));
        const all = await read(whole, size);
        await whole.cleanup(noAcks);
        expect(new Set(all.map((d) => d.seq)).size).toBe(n);

        const a = make();
        await a.open(ctx(size));
        const first = await read(a, size, cut);
        const pos = v8.deserialize(v8.serialize(a.snapshotPosition()));
        await a.cleanup(noAcks);
        expect(first).toEqual(all.slice(0, cut));

        const b = make();
        await b.open(ctx(size));
        b.restorePosition(pos);
        const rest = await read(b, size);
        await b.cleanup(noAcks);
        expect(
          [...first, ...rest].map((d) => d.seq),
          `tieBreaker ${tieBreaker}, cut ${cut}, size ${size}`,
        ).toEqual(all.map((d) => d.seq));
      }
    }
  });

  it("a position of the wrong shape is refused with a StateError naming what was expected", async () => {
    const idx = uniqueIndex("ckbad");
    indices.push(idx);
    await es.indices.create({
      index: idx,
      mappings: { properties: { seq: { type: "long" }, ts: { type: "date" } } },
    });
    const src = elasticsearchSource<Ev>({
      node: esUrl(),
      index: idx,
      cursor: "ts",
      tieBreaker: "seq",
      offsetStore: memoryOffsetStore(),
    });
    await src.open(ctx(10));
    expect(() => src.restorePosition({ v: ["2024-01-01"], ties: 0 })).toThrow(StateError);
    expect(() => src.restorePosition({ v: ["2024-01-01"], ties: 0 })).toThrow(
      /expected \{ v: \[cursor, tieBreaker\], ties \} or null/,
    );
    await src.cleanup(noAcks);
  });
});
