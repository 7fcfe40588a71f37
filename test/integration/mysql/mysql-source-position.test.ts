import v8 from "node:v8";
import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryOffsetStore, mysqlSource } from "../../../src/connectors/mysql/index.js";
import { StateError } from "../../../src/index.js";
import type { OperatorContext } from "../../../src/operators/context.js";
import type { Source } from "../../../src/operators/source.js";
import { silentLogger } from "../../../src/util/logger.js";
import { adminConnection, mysqlConfig, uniqueTable } from "./db.js";

let db: Connection;
const tables: string[] = [];

beforeAll(async () => {
  db = await adminConnection();
});
afterAll(async () => {
  for (const t of tables) await db.query(`DROP TABLE IF EXISTS ${t}`);
  await db.end();
});

const ctx = (batchSize: number): OperatorContext => ({
  envName: "t",
  node: "source",
  operator: "mysql",
  batchSize,
  highWaterMark: 4,
  lingerMs: 5,
  logger: silentLogger,
  signal: new AbortController().signal,
});

async function read<T>(src: Source<T>, size: number, limit = Number.POSITIVE_INFINITY): Promise<T[]> {
  const out: T[] = [];
  while (out.length < limit) {
    const got = await src.consume(Math.min(size, limit - out.length));
    if (got === null) break;
    out.push(...got);
  }
  return out;
}

/** Closes without waiting for acknowledgements (the tests never ack: no cursor save to wait for). */
const noAcks = new Error("test over");

type Row = { day: Date; id: number; name: string };

describe("mysqlSource checkpoint position (real MariaDB)", () => {
  it("snapshots its cursor after N rows; a new source restored to it reads row N+1 on, whatever the offset store holds", async () => {
    const t = uniqueTable("ckpos");
    tables.push(t);
    await db.query(`CREATE TABLE ${t} (day DATE, id INT, name VARCHAR(20), PRIMARY KEY (day, id))`);
    // 5 rows per day: a two-column cursor (day, id) whose first column ties
    const values: string[] = [];
    for (let i = 0; i < 500; i++)
      values.push(`('2024-01-${String(1 + Math.floor(i / 100) * 5).padStart(2, "0")}', ${i % 100}, 'n${i}')`);
    await db.query(`INSERT INTO ${t} VALUES ${values.join(",")}`);
    for (const [cursor, n, size] of [
      [{ column: "day", tieBreaker: "id" }, 137, 7],
      [{ column: "day", tieBreaker: "id" }, 0, 50],
      [{ column: "day", tieBreaker: "id" }, 500, 64],
      [{ column: "day", tieBreaker: "id" }, 200, 100],
    ] as [string | { column: string; tieBreaker: string }, number, number][]) {
      const make = () =>
        mysqlSource<Row>({
          connection: mysqlConfig(),
          table: t,
          cursor,
          offsetStore: store,
        });
      const store = memoryOffsetStore();
      const whole = make();
      await whole.open(ctx(size));
      const all = await read(whole, size);
      await whole.cleanup(noAcks);
      expect(all).toHaveLength(500);

      const a = make();
      await a.open(ctx(size));
      const first = await read(a, size, n);
      const pos = v8.deserialize(v8.serialize(a.snapshotPosition()));
      await a.cleanup(noAcks);
      expect(first).toEqual(all.slice(0, n));

      // the offset store says something else (the acks of an older run): the checkpoint wins
      await store.save(a.offsetKey, '[{"d":"2030-01-01T00:00:00.000Z"},{"n":0}]');
      const b = make();
      await b.open(ctx(size));
      b.restorePosition(pos);
      const rest = await read(b, size);
      await b.cleanup(noAcks);
      expect([...first, ...rest]).toEqual(all);
    }
  });

  it("a single-column cursor, and a position of the wrong shape refused with a StateError", async () => {
    const t = uniqueTable("ckpos1");
    tables.push(t);
    await db.query(`CREATE TABLE ${t} (id INT PRIMARY KEY, name VARCHAR(20))`);
    await db.query(
      `INSERT INTO ${t} VALUES ${Array.from({ length: 300 }, (_, i) => `(${i * 3}, 'n${i}')`).join(",")}`,
    );
    const make = () =>
      mysqlSource<{ id: number }>({
        connection: mysqlConfig(),
        table: t,
        cursor: "id",
        offsetStore: memoryOffsetStore(),
      });
    const a = make();
    await a.open(ctx(16));
    await read(a, 16, 100);
    const pos = a.snapshotPosition();
    await a.cleanup(noAcks);
    const b = make();
    await b.open(ctx(16));
    b.restorePosition(pos);
    const rest = await read(b, 16);
    expect(rest.map((r) => r.id)).toEqual(Array.from({ length: 200 }, (_, i) => (i + 100) * 3));
    expect(() => b.restorePosition(42)).toThrow(StateError);
    expect(() => b.restorePosition(42)).toThrow(
      /mysql source: cannot resume from position 42: expected an encoded cursor/,
    );
    await b.cleanup(noAcks);
  });
});
