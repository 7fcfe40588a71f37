import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MysqlError, mysqlSink } from "../../../src/connectors/mysql/index.js";
import { ConfigError, ConnectorError, Env, type MemoryDeadLetters } from "../../../src/index.js";
import { adminConnection, mysqlConfig, uniqueTable } from "./db.js";

let db: Connection;
const tables: string[] = [];

async function table(prefix: string, ddl: string): Promise<string> {
  const name = uniqueTable(prefix);
  tables.push(name);
  await db.query(`CREATE TABLE ${name} ${ddl}`);
  return name;
}

beforeAll(async () => {
  db = await adminConnection();
});
afterAll(async () => {
  for (const t of tables) await db.query(`DROP TABLE IF EXISTS ${t}`);
  await db.end();
});

interface Row {
  id: number;
  name: string;
  qty: number;
}

describe("mysqlSink", () => {
  it("inserts every record once, batch by batch, and maps columns from fields and functions", async () => {
    const t = await table(
      "sink_ins",
      "(id INT PRIMARY KEY, label VARCHAR(40) NOT NULL, doubled INT NOT NULL)",
    );
    const input: Row[] = Array.from({ length: 5000 }, (_, i) => ({ id: i, name: `n${i}`, qty: i % 17 }));
    const env = new Env({ batchSize: 333 });
    await env.from(input).to(
      mysqlSink<Row>({
        connection: mysqlConfig(),
        table: t,
        columns: { id: "id", label: "name", doubled: (r) => r.qty * 2 },
        rowsPerStatement: 100,
      }),
    );
    const [rows] = await db.query(`SELECT id, label, doubled FROM ${t} ORDER BY id`);
    expect(rows).toEqual(input.map((r) => ({ id: r.id, label: r.name, doubled: r.qty * 2 })));
  });

  it("upserts: a replay overwrites instead of duplicating or failing", async () => {
    const t = await table("sink_ups", "(id INT PRIMARY KEY, name VARCHAR(40), qty INT)");
    const first: Row[] = Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `a${i}`, qty: 1 }));
    const second: Row[] = Array.from({ length: 1500 }, (_, i) => ({ id: i, name: `b${i}`, qty: 2 }));
    for (const input of [first, second]) {
      const env = new Env({ batchSize: 256 });
      await env.from(input).to(mysqlSink<Row>({ connection: mysqlConfig(), table: t, mode: "upsert" }));
    }
    const [rows] = await db.query(`SELECT id, name, qty FROM ${t} ORDER BY id`);
    expect(rows).toEqual(second);
  });

  it("upsert updates only updateColumns", async () => {
    const t = await table("sink_updcols", "(id INT PRIMARY KEY, name VARCHAR(40), qty INT)");
    await db.query(`INSERT INTO ${t} VALUES (1, 'keep', 1)`);
    const env = new Env();
    await env
      .from([{ id: 1, name: "changed", qty: 9 }])
      .to(mysqlSink<Row>({ connection: mysqlConfig(), table: t, mode: "upsert", updateColumns: ["qty"] }));
    const [rows] = await db.query(`SELECT id, name, qty FROM ${t}`);
    expect(rows).toEqual([{ id: 1, name: "keep", qty: 9 }]);
  });

  it("a batch refused for one row is retried row by row: only the bad rows are dead-lettered, naming the table and MySQL's code", async () => {
    const t = await table("sink_bad", "(id INT PRIMARY KEY, name VARCHAR(10) NOT NULL, qty INT)");
    await db.query(`INSERT INTO ${t} VALUES (42, 'existing', 0)`);
    const input: Row[] = Array.from({ length: 100 }, (_, i) => ({ id: i, name: `n${i}`, qty: i }));
    input[7] = { id: 7, name: "far too long for ten", qty: 7 };
    const env = new Env({ batchSize: 50, onError: "dead-letter" });
    await env.from(input).to(mysqlSink<Row>({ connection: mysqlConfig(), table: t }), { name: "orders" });
    const [rows] = await db.query(`SELECT id FROM ${t} ORDER BY id`);
    const ids = (rows as { id: number }[]).map((r) => r.id);
    expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => i).filter((i) => i !== 7));
    const letters = (env.deadLetters as MemoryDeadLetters).letters;
    expect(letters.map((l) => (l.record as Row).id).sort((a, b) => a - b)).toEqual([7, 42]);
    for (const l of letters) {
      expect(l.error).toBeInstanceOf(MysqlError);
      expect((l.error as MysqlError).table).toBe(`\`${t}\``);
      expect(l.error.message).toContain(t);
      expect(l.node).toBe("orders");
    }
    const byId = new Map(letters.map((l) => [(l.record as Row).id, l.error as MysqlError]));
    expect(byId.get(7)!.code).toBe("ER_DATA_TOO_LONG");
    expect(byId.get(7)!.errno).toBe(1406);
    expect(byId.get(42)!.code).toBe("ER_DUP_ENTRY");
    expect(byId.get(42)!.message).toContain("ER_DUP_ENTRY (1062)");
  });

  it("a bad row under the default 'fail' policy fails the run naming the row, after the good rows landed", async () => {
    const t = await table("sink_fail", "(id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, qty INT)");
    const input = [
      { id: 1, name: "a", qty: 1 },
      { id: 2, name: null, qty: 2 },
      { id: 3, name: "c", qty: 3 },
    ];
    const env = new Env();
    env.from(input).to(mysqlSink({ connection: mysqlConfig(), table: t }));
    const err = (await env.run().catch((e: unknown) => e)) as AggregateError;
    expect(err).toBeInstanceOf(AggregateError);
    expect(err.errors[0].record).toEqual(input[1]);
    expect(err.errors[0].message).toContain("ER_BAD_NULL_ERROR");
  });

  it("writes each batch in one transaction: a batch that fails midway leaves none of its rows", async () => {
    const t = await table("sink_tx", "(id INT PRIMARY KEY, name VARCHAR(40), qty INT)");
    // a failure that is not a row's data (SQLSTATE 45000) on the row with id 150, after the
    // batch's first statements already inserted rows 100..139
    await db.query(
      `CREATE TRIGGER ${t}_fail BEFORE INSERT ON ${t} FOR EACH ROW BEGIN IF NEW.id = 150 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by trigger'; END IF; END`,
    );
    const input: Row[] = Array.from({ length: 300 }, (_, i) => ({ id: i, name: `n${i}`, qty: i }));
    const env = new Env({ batchSize: 100, onError: "skip" });
    env.from(input).to(mysqlSink<Row>({ connection: mysqlConfig(), table: t, rowsPerStatement: 10 }));
    const report = await env.run();
    const [rows] = await db.query(`SELECT id FROM ${t} ORDER BY id`);
    const ids = (rows as { id: number }[]).map((r) => r.id);
    expect(ids).toEqual([
      ...Array.from({ length: 100 }, (_, i) => i),
      ...Array.from({ length: 100 }, (_, i) => 200 + i),
    ]);
    expect(report.nodes.find((n) => n.kind === "sink")!.skipped).toBe(100);
  });

  it("retries a transaction that lost a deadlock and writes the batch", async () => {
    const t = await table("sink_dl", "(id INT PRIMARY KEY, name VARCHAR(40), qty INT)");
    await db.query(`INSERT INTO ${t} VALUES (5, 'old', 0)`);
    const other = await adminConnection();
    try {
      // the other transaction is the heavier one, so InnoDB picks the sink's as the victim
      await other.query("BEGIN");
      await other.query(
        `INSERT INTO ${t} (id, name, qty) VALUES ${Array.from({ length: 500 }, (_, i) => `(${1000 + i}, 'x', 0)`).join(",")}`,
      );
      await other.query(`UPDATE ${t} SET qty = 1 WHERE id = 5`);
      const env = new Env({ batchSize: 2 });
      env
        .from([
          { id: 1, name: "new", qty: 10 },
          { id: 5, name: "mine", qty: 50 },
        ])
        .to(mysqlSink<Row>({ connection: mysqlConfig(), table: t, mode: "upsert", rowsPerStatement: 1 }));
      const run = env.run();
      // wait for the event: the sink holds row 1 and waits for row 5
      for (;;) {
        const [w] = await db.query(
          "SELECT COUNT(*) AS n FROM information_schema.processlist WHERE info LIKE ?",
          [`INSERT INTO \`${t}\`%VALUES (5,%`],
        );
        if ((w as { n: number }[])[0].n > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      // closes the cycle: the sink's transaction is rolled back with ER_LOCK_DEADLOCK
      await other.query(
        `INSERT INTO ${t} (id, name, qty) VALUES (1, 'theirs', 0) ON DUPLICATE KEY UPDATE qty = 0`,
      );
      await other.query("COMMIT");
      await run;
    } finally {
      await other.query("ROLLBACK").catch(() => {});
      await other.end();
    }
    const [rows] = await db.query(`SELECT id, name, qty FROM ${t} WHERE id IN (1, 5) ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, name: "new", qty: 10 },
      { id: 5, name: "mine", qty: 50 },
    ]);
  });

  it("a missing table or column fails at open naming it; a bad option is a ConfigError", async () => {
    const missing = uniqueTable("nope");
    const env = new Env();
    env.from([{ id: 1 }]).to(mysqlSink({ connection: mysqlConfig(), table: missing }));
    const e1 = ((await env.run().catch((e: unknown) => e)) as AggregateError).errors[0].cause as Error;
    expect(e1).toBeInstanceOf(MysqlError);
    expect(e1.message).toContain(missing);
    expect(e1.message).toContain("does not exist");

    const t = await table("sink_cols", "(id INT PRIMARY KEY)");
    const env2 = new Env();
    env2.from([{ id: 1 }]).to(mysqlSink({ connection: mysqlConfig(), table: t, columns: ["id", "colour"] }));
    const e2 = ((await env2.run().catch((e: unknown) => e)) as AggregateError).errors[0].cause as Error;
    expect(e2).toBeInstanceOf(MysqlError);
    expect(e2.message).toContain('column "colour"');
    expect(e2.message).toContain(t);

    expect(() => mysqlSink({ connection: mysqlConfig(), table: t, mdoe: "upsert" } as never)).toThrow(
      /unknown option "mdoe" \(did you mean "mode"\?\)/,
    );
    expect(() => mysqlSink({ connection: mysqlConfig(), table: t, mode: "merge" } as never)).toThrow(
      ConfigError,
    );
  });

  it("a server that is down gives a ConnectorError naming the host and what to check", async () => {
    const env = new Env();
    env.from([{ id: 1 }]).to(mysqlSink({ connection: { ...mysqlConfig(), port: 1 }, table: "t" }));
    const err = ((await env.run().catch((e: unknown) => e)) as AggregateError).errors[0]
      .cause as ConnectorError;
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.message).toContain("127.0.0.1:1");
    expect(err.message).toContain("check that MySQL/MariaDB is running");
    expect(err.retriable).toBe(true);
  });
});
