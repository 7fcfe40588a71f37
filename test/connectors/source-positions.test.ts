import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import v8 from "node:v8";
import fc from "fast-check";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nexmarkSource } from "../../src/connectors/generator/nexmark/index.js";
import {
  AsyncIterableSource,
  CsvSource,
  Env,
  IterableSource,
  JsonLinesSource,
  ParquetSource,
  ReadableSource,
  StateError,
} from "../../src/index.js";
import type { OperatorContext } from "../../src/operators/context.js";
import type { Source } from "../../src/operators/source.js";
import { silentLogger } from "../../src/util/logger.js";

const ctx: OperatorContext = {
  envName: "t",
  node: "source",
  operator: "source",
  batchSize: 7,
  highWaterMark: 4,
  lingerMs: 5,
  logger: silentLogger,
  signal: new AbortController().signal,
};

/** Reads up to `limit` records (or to the end) in batches of `size`. */
async function read<T>(src: Source<T>, size: number, limit = Number.POSITIVE_INFINITY): Promise<T[]> {
  const out: T[] = [];
  while (out.length < limit) {
    const got = await src.consume(Math.min(size, limit - out.length));
    if (got === null) break;
    out.push(...got);
  }
  return out;
}

/**
 * Reads `n` records from a first instance, takes its position (through a v8 round trip), opens
 * a second instance, restores the position and reads the rest: the two parts make the whole.
 */
async function resumes<T>(
  make: () => Source<T>,
  n: number,
  size: number,
): Promise<{ first: T[]; rest: T[]; all: T[] }> {
  const whole = make();
  await whole.open?.(ctx);
  const all = await read(whole, size);
  await whole.cleanup?.();

  const a = make();
  await a.open?.(ctx);
  const first = await read(a, size, n);
  const pos = v8.deserialize(v8.serialize(a.snapshotPosition!()));
  await a.cleanup?.();

  const b = make();
  await b.open?.(ctx);
  await b.restorePosition!(pos);
  const rest = await read(b, size);
  await b.cleanup?.();
  return { first, rest, all };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mass-positions-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cut = fc.integer({ min: 0, max: 60 });
const sizes = fc.constantFrom(1, 7, 1024);

describe("source positions: after N records, restorePosition continues at record N+1", () => {
  it("array and iterable (generator) sources", async () => {
    const data = Array.from({ length: 50 }, (_, i) => ({ i }));
    await fc.assert(
      fc.asyncProperty(cut, sizes, async (n, size) => {
        for (const make of [
          () => new IterableSource(data),
          () => new IterableSource(new Set(data)),
          () =>
            new IterableSource(
              (function* () {
                yield* data;
              })(),
            ),
        ]) {
          // a generator object can be iterated once: make a fresh one per instance
          const { first, rest } = await resumes(make, n, size);
          expect(first).toEqual(data.slice(0, Math.min(n, 50)));
          expect([...first, ...rest]).toEqual(data);
        }
      }),
      { numRuns: 30 },
    );
    const src = new IterableSource(data);
    await read(src, 7, 21);
    expect(src.snapshotPosition()).toBe(21);
  });

  it("async iterable and readable sources (the new input gives the same records again)", async () => {
    const data = Array.from({ length: 40 }, (_, i) => `r${i}`);
    await fc.assert(
      fc.asyncProperty(cut, sizes, async (n, size) => {
        const gen = async function* () {
          for (const x of data) {
            if (Number(x.slice(1)) % 9 === 0) await new Promise((r) => setTimeout(r, 1));
            yield x;
          }
        };
        for (const make of [
          () => new AsyncIterableSource(gen()),
          () => new ReadableSource<string>(Readable.from(data)),
        ]) {
          const { first, rest } = await resumes(make, n, size);
          expect(first).toEqual(data.slice(0, Math.min(n, 40)));
          expect([...first, ...rest]).toEqual(data);
        }
      }),
      { numRuns: 15 },
    );
  });

  it("jsonl: a byte offset (CRLF, multi-byte UTF-8, blank lines, no final newline, 64 KiB chunks)", async () => {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      lines.push(JSON.stringify({ i, s: i % 5 === 0 ? "héllo wörld ✓ 漢字" : "x".repeat(i % 40) }));
      if (i % 97 === 0) lines.push("");
    }
    const path = join(dir, "in.jsonl");
    await writeFile(
      path,
      lines.map((l, i) => (i % 3 === 0 ? `${l}\r\n` : `${l}\n`)).join("") + '{"i":"last"}',
    );
    const expected = [...lines.filter((l) => l !== "").map((l) => JSON.parse(l)), { i: "last" }];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: expected.length }), sizes, async (n, size) => {
        const { first, rest, all } = await resumes(() => new JsonLinesSource(path), n, size);
        expect(all).toEqual(expected);
        expect([...first, ...rest]).toEqual(expected);
      }),
      { numRuns: 25 },
    );
    const src = new JsonLinesSource(path);
    await src.open();
    await read(src, 5, 10);
    const pos = src.snapshotPosition();
    expect(pos.line).toBe(11); // ten records and the blank line after the first;
    expect(pos.byte).toBe(
      Buffer.byteLength(
        `${lines
          .slice(0, 11)
          .map((l, i) => (i % 3 === 0 ? `${l}\r\n` : `${l}\n`))
          .join("")}`,
      ),
    );
    await src.cleanup();
  });

  it("jsonl: line numbers in errors go on from the restored position", async () => {
    const path = join(dir, "bad.jsonl");
    await writeFile(path, '{"a":1}\n{"a":2}\n{"a":3}\nnot json\n');
    const src = new JsonLinesSource(path);
    await src.open();
    await src.restorePosition({ byte: 16, line: 2 });
    const errors: unknown[] = [];
    (src as unknown as { reject: (x: unknown, e: unknown) => void }).reject = (_x, e) => errors.push(e);
    expect(await read(src, 10)).toEqual([{ a: 3 }]);
    expect((errors[0] as { line: number }).line).toBe(4);
    await src.cleanup();
  });

  it("csv: a record count (the header still read)", async () => {
    const path = join(dir, "in.csv");
    const rows = Array.from({ length: 300 }, (_, i) => `${i},name ${i},${i * 2}`);
    await writeFile(path, `id,name,v\n${rows.join("\n")}\n`);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 300 }), sizes, async (n, size) => {
        const { first, rest, all } = await resumes(() => new CsvSource(path), n, size);
        expect(all).toHaveLength(300);
        expect(all[5]).toEqual({ id: "5", name: "name 5", v: "10" });
        expect([...first, ...rest]).toEqual(all);
      }),
      { numRuns: 15 },
    );
  });

  it("parquet: a row number (only the row groups from there on are decoded)", async () => {
    const N = 2500;
    const path = join(dir, "t.parquet");
    const buf = parquetWriteBuffer({
      columnData: [{ name: "id", data: Array.from({ length: N }, (_, i) => i), type: "INT32" }],
      rowGroupSize: 1000,
    });
    await writeFile(path, new Uint8Array(buf));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1, 999, 1000, 1001, 2499, 2500),
        fc.integer({ min: 0, max: N }),
        sizes,
        async (a, b, size) => {
          for (const n of [a, b]) {
            const { first, rest } = await resumes(() => new ParquetSource<{ id: number }>(path), n, size);
            expect([...first, ...rest].map((r) => r.id)).toEqual(Array.from({ length: N }, (_, i) => i));
          }
        },
      ),
      { numRuns: 10 },
    );
  });

  it("nexmark: the event number (events are a pure function of it)", async () => {
    const make = () => nexmarkSource({ events: 500 });
    const { first, rest, all } = await resumes(make, 123, 50);
    expect(first).toHaveLength(123);
    expect([...first, ...rest]).toEqual(all);
  });

  it("a position of the wrong shape is refused with a StateError naming the source and what it expected", async () => {
    const path = join(dir, "x.jsonl");
    await writeFile(path, "{}\n");
    const cases: [Source<unknown>, unknown][] = [
      [new IterableSource([1, 2]), -1],
      [new IterableSource([1, 2]), "3"],
      [new AsyncIterableSource((async function* () {})()), 1.5],
      [new JsonLinesSource(path), { byte: -1, line: 0 }],
      [new JsonLinesSource(path), 12],
      [nexmarkSource({ events: 10 }), 11],
    ];
    for (const [src, pos] of cases) {
      await src.open?.(ctx);
      let err: unknown;
      try {
        await src.restorePosition!(pos);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StateError);
      expect((err as Error).message).toMatch(
        new RegExp(`^${src.name} source: cannot resume from position .*: expected`),
      );
      await src.cleanup?.();
    }
  });

  it("in a job: a source restored to a position emits from there on", async () => {
    const data = Array.from({ length: 100 }, (_, i) => i);
    const src = new IterableSource(data);
    src.restorePosition(42);
    expect(await new Env({ batchSize: 8 }).from(src).toArray()).toEqual(data.slice(42));
  });
});
