import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MysqlError,
  memoryOffsetStore,
  mysqlOffsetStore,
  mysqlSource,
} from "../../../src/connectors/mysql/index.js";
import { ConfigError, ConnectorError, Env, Sink } from "../../../src/index.js";
import { adminConnection, mysqlConfig, uniqueTable } from "./db.js";

let db: Connection;
const tables: string[] = [];

async function table(prefix: string, ddl: string): Promise<string> {
  const name = uniqueTable(prefix);
  tables.push(name);
  await db.query(`CREATE TABLE ${name} ${ddl}`);
  return name;
}

async function fill(
  t: string,
  n: number,
  from = 1,
  row = (id: number) => `(${id}, 'n${id}')`,
): Promise<void> {
  for (let i = from; i < from + n; i += 5000) {
    const ids = Array.from({ length: Math.min(5000, from + n - i) }, (_, k) => i + k);
    await db.query(`INSERT INTO ${t} VALUES ${ids.map(row).join(",")}`);
  }
}

beforeAll(async () => {
  db = await adminConnection();
});
afterAll(async () => {
  for (const t of tables) {
    await db.query(`DROP TABLE IF EXISTS ${t}`);
    // the cursors the default offset store kept for them
    await db.query("DELETE FROM mass_offsets WHERE id = ?", [`mysql:${t}:id`]).catch(() => {});
  }
  await db.end();
});

/** Keeps what it is given; fails on the record `failOn` selects (nothing of that batch is kept). */
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

type IdRow = { id: number; name: string };

describe("mysqlSource", () => {
  it("reads a bounded snapshot in cursor order, without rows added after it opened, and stores the last cursor", async () => {
    const t = await table("src_snap", "(id INT PRIMARY KEY, name VARCHAR(20))");
    await fill(t, 3000);
    const env = new Env({ batchSize: 256 });
    let added = false;
    const sink = new RecordingSink<IdRow>();
    env
      .from(mysqlSource<IdRow>({ connection: mysqlConfig(), table: t, cursor: "id" }))
      .tap(async () => {
        if (!added) {
          added = true;
          await db.query(`INSERT INTO ${t} VALUES (999999, 'late')`);
        }
      })
      .to(sink);
    // run() (not the Pipeline) settles after the source's last cursor save
    await env.run();
    expect(sink.records.map((r) => r.id)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    expect(sink.records[41]).toEqual({ id: 42, name: "n42" });
    const store = mysqlOffsetStore(mysqlConfig());
    expect(JSON.parse((await store.load(`mysql:${t}:id`))!)).toEqual([{ n: 3000 }]);
    // the next run reads only what came after
    const next = new RecordingSink<IdRow>();
    await new Env().from(mysqlSource<IdRow>({ connection: mysqlConfig(), table: t, cursor: "id" })).to(next);
    expect(next.records).toEqual([{ id: 999999, name: "late" }]);
    await store.close();
  });

  it("resumes after a failed run from the last acknowledged row: nothing lost, the cursor never ahead of the sink", async () => {
    const t = await table("src_resume", "(id INT PRIMARY KEY, name VARCHAR(20))");
    await fill(t, 5000);
    const store = memoryOffsetStore();
    const first = new RecordingSink<IdRow>((r) => r.id === 2345);
    const env1 = new Env({ batchSize: 100 });
    env1
      .from(mysqlSource<IdRow>({ connection: mysqlConfig(), table: t, cursor: "id", offsetStore: store }))
      .to(first);
    await expect(env1.run()).rejects.toThrow(/sink down/);
    const written = new Set(first.records.map((r) => r.id));
    // every saved cursor is a row the sink had written, and all rows before it too
    for (const [, v] of store.history) {
      const at = (JSON.parse(v) as { n: number }[])[0].n;
      for (let id = 1; id <= at; id++) expect(written.has(id)).toBe(true);
    }
    const stored = (JSON.parse([...store.values.values()][0]) as { n: number }[])[0].n;
    expect(stored).toBeLessThan(2345);
    const second = new RecordingSink<IdRow>();
    await new Env({ batchSize: 100 })
      .from(mysqlSource<IdRow>({ connection: mysqlConfig(), table: t, cursor: "id", offsetStore: store }))
      .to(second);
    expect(second.records[0].id).toBe(stored + 1);
    const all = new Set([...written, ...second.records.map((r) => r.id)]);
    expect(all.size).toBe(5000);
  });

  it("a timestamp cursor with a tie-breaker resumes inside a run of equal timestamps without losing rows", async () => {
    const t = await table("src_ts", "(id INT PRIMARY KEY, ts DATETIME(3) NOT NULL, v INT, KEY (ts, id))");
    // 600 rows over 6 timestamps, inserted in an order unrelated to id
    const rows = Array.from({ length: 600 }, (_, i) => ({
      id: (i * 7919) % 600,
      ts: `2024-01-01 00:00:0${i % 6}`,
    }));
    await db.query(
      `INSERT INTO ${t} VALUES ${rows.map((r) => `(${r.id}, '${r.ts}', ${r.id * 2})`).join(",")}`,
    );
    const store = memoryOffsetStore();
    type TsRow = { id: number; ts: Date; v: number };
    const source = () =>
      mysqlSource<TsRow>({
        connection: mysqlConfig(),
        query: `SELECT id, ts, v FROM ${t} WHERE v >= 0`,
        cursor: { column: "ts", tieBreaker: "id" },
        offsetStore: store,
        offsetKey: "ts-test",
      });
    const first = new RecordingSink<TsRow>((r) => r.id === 250);
    const env1 = new Env({ batchSize: 7 });
    env1.from(source()).to(first);
    await expect(env1.run()).rejects.toThrow(/sink down/);
    const second = new RecordingSink<TsRow>();
    await new Env({ batchSize: 7 }).from(source()).to(second);
    const seen = [...first.records, ...second.records];
    expect(new Set(seen.map((r) => r.id)).size).toBe(600);
    // in (ts, id) order within each run, and the second run starts right after the stored cursor
    const key = (r: TsRow) => r.ts.getTime() * 1000 + r.id;
    for (const run of [first.records, second.records]) {
      for (let i = 1; i < run.length; i++) expect(key(run[i])).toBeGreaterThan(key(run[i - 1]));
    }
    expect(seen.length).toBe(600);
  });

  it("continuous: polls for rows added after the snapshot until the job stops", async () => {
    const t = await table("src_poll", "(id INT PRIMARY KEY, name VARCHAR(20))");
    await fill(t, 100);
    const env = new Env({ batchSize: 50 });
    const seen: number[] = [];
    let inserted = false;
    await env
      .from(
        mysqlSource<IdRow>({
          connection: mysqlConfig(),
          table: t,
          cursor: "id",
          bounded: false,
          pollIntervalMs: 20,
          offsetStore: memoryOffsetStore(),
        }),
      )
      .tap(async (r) => {
        seen.push(r.id);
        if (r.id === 100 && !inserted) {
          inserted = true;
          await fill(t, 50, 101);
        }
        if (r.id === 150) env.stop();
      })
      .to(new RecordingSink<IdRow>());
    expect(seen).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
  });

  it("streams with backpressure: the driver never holds more than a bounded number of rows ahead of a slow sink", async () => {
    const t = await table("src_bp", "(id INT PRIMARY KEY, name VARCHAR(200))");
    await fill(t, 40_000, 1, (id) => `(${id}, '${"x".repeat(150)}')`);
    const source = mysqlSource<IdRow>({ connection: mysqlConfig(), table: t, cursor: "id", fetchRows: 500 });
    let maxBuffered = 0;
    let maxAhead = 0;
    let received = 0;
    const env = new Env({ batchSize: 500, highWaterMark: 2 });
    await env.from(source).to(
      new (class extends Sink<IdRow> {
        async produce(elems: IdRow[]): Promise<void> {
          received += elems.length;
          maxBuffered = Math.max(maxBuffered, source.bufferedRows);
          maxAhead = Math.max(maxAhead, source.readRows - received);
          await new Promise((r) => setTimeout(r, 2));
        }
      })(),
    );
    expect(received).toBe(40_000);
    // fetchRows plus what one socket read holds (64 KiB of ~160-byte rows), far from 40,000
    expect(maxBuffered).toBeLessThan(1_500);
    expect(maxAhead).toBeLessThanOrEqual((2 + 3) * 500);
  });

  it("bad input: missing table, missing cursor column, options, and a server that is down", async () => {
    const missing = uniqueTable("none");
    const env = new Env();
    env
      .from(mysqlSource({ connection: mysqlConfig(), table: missing, cursor: "id" }))
      .to(new RecordingSink());
    const e1 = ((await env.run().catch((e: unknown) => e)) as AggregateError).errors[0].cause as MysqlError;
    expect(e1).toBeInstanceOf(MysqlError);
    expect(e1.message).toContain(missing);

    const t = await table("src_cols", "(id INT PRIMARY KEY, name VARCHAR(20))");
    const env2 = new Env();
    env2
      .from(mysqlSource({ connection: mysqlConfig(), table: t, cursor: "updated_at" }))
      .to(new RecordingSink());
    const e2 = ((await env2.run().catch((e: unknown) => e)) as AggregateError).errors[0].cause as Error;
    expect(e2).toBeInstanceOf(ConnectorError);
    expect(e2.message).toContain('"updated_at"');

    expect(() =>
      mysqlSource({ connection: mysqlConfig(), table: t, query: "SELECT 1", cursor: "id" }),
    ).toThrow(ConfigError);
    expect(() => mysqlSource({ connection: mysqlConfig(), table: t } as never)).toThrow(/cursor is required/);
    expect(() =>
      mysqlSource({ connection: mysqlConfig(), table: t, cursor: "id", bounde: false } as never),
    ).toThrow(/did you mean "bounded"/);

    const env3 = new Env();
    env3
      .from(mysqlSource({ connection: { ...mysqlConfig(), port: 1 }, table: t, cursor: "id" }))
      .to(new RecordingSink());
    const e3 = ((await env3.run().catch((e: unknown) => e)) as AggregateError).errors[0]
      .cause as ConnectorError;
    expect(e3).toBeInstanceOf(ConnectorError);
    expect(e3.message).toContain("127.0.0.1:1");
    expect(e3.message).toContain("check that MySQL/MariaDB is running");
  });
});
