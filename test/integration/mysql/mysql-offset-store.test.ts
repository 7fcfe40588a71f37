import mysql, { type Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { MysqlError, mysqlOffsetStore } from "../../../src/connectors/mysql/index.js";
import { adminConnection, mysqlConfig, uniqueTable } from "./db.js";

// The MySQL offset store is where `mysqlSource` commits its cursor: a save that lands in the
// wrong row, or a load that reads the wrong one, makes a restarted job skip or repeat rows.

let db: Connection;
const tables: string[] = [];
const databases: string[] = [];

function table(prefix: string): string {
  const t = uniqueTable(prefix);
  tables.push(t);
  return t;
}

beforeAll(async () => {
  db = await adminConnection();
});

afterAll(async () => {
  for (const t of tables) await db.query(`DROP TABLE IF EXISTS ${t}`);
  for (const d of databases) await db.query(`DROP DATABASE IF EXISTS ${d}`);
  await db.end();
});

describe("mysqlOffsetStore", () => {
  it("keeps one row per key, the last value saved, in the table it names", async () => {
    const t = table("offsets");
    const store = mysqlOffsetStore(mysqlConfig(), { table: t });
    try {
      expect(await store.load("a")).toBeUndefined();
      await store.save("a", "1");
      await store.save("b", "x");
      await store.save("a", "2");
      expect(await store.load("a")).toBe("2");
      expect(await store.load("b")).toBe("x");
      expect(await store.load("c")).toBeUndefined();
      // durable on the server, seen by another connection; one row per key
      const [rows] = await db.query(`SELECT id, value FROM ${t} ORDER BY id`);
      expect(rows).toEqual([
        { id: "a", value: "2" },
        { id: "b", value: "x" },
      ]);
    } finally {
      await store.close();
    }
    // a new store on the same table resumes from what was saved
    const again = mysqlOffsetStore(mysqlConfig(), { table: t });
    try {
      expect(await again.load("a")).toBe("2");
    } finally {
      await again.close();
    }
  });

  it("defaults to the table mass_offsets", async () => {
    const key = `default-${uniqueTable("k")}`;
    const store = mysqlOffsetStore(mysqlConfig());
    try {
      await store.save(key, "42");
      const [rows] = await db.query("SELECT value FROM mass_offsets WHERE id = ?", [key]);
      expect(rows).toEqual([{ value: "42" }]);
      await db.query("DELETE FROM mass_offsets WHERE id = ?", [key]);
    } finally {
      await store.close();
    }
  });

  it("a table that cannot be created fails with a MysqlError naming it, and the next call tries again", async () => {
    const dbName = uniqueTable("db");
    const store = mysqlOffsetStore({ ...mysqlConfig(), database: undefined }, { table: `${dbName}.offsets` });
    try {
      const err = await store.save("k", "1").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MysqlError);
      expect((err as MysqlError).message).toMatch(
        new RegExp(`cannot create the offset table \`${dbName}\`\\.\`offsets\``),
      );
      expect((err as MysqlError).table).toBe(`\`${dbName}\`.\`offsets\``);
      await expect(store.load("k")).rejects.toThrow(/cannot create the offset table/);
      // the database appears: the store creates its table now instead of repeating the old failure
      databases.push(dbName);
      await db.query(`CREATE DATABASE ${dbName}`);
      await store.save("k", "1");
      expect(await store.load("k")).toBe("1");
    } finally {
      await store.close();
    }
  });

  it("a table of another shape fails reads and saves with a MysqlError naming the key and the table", async () => {
    const t = table("offsets_bad");
    await db.query(`CREATE TABLE ${t} (id VARCHAR(255) PRIMARY KEY, other TEXT)`);
    const store = mysqlOffsetStore(mysqlConfig(), { table: t });
    try {
      const read = await store.load("k").catch((e: unknown) => e);
      expect(read).toBeInstanceOf(MysqlError);
      expect((read as MysqlError).message).toContain(`cannot read offset "k" from \`${t}\``);
      expect((read as MysqlError).table).toBe(`\`${t}\``);
      const saved = await store.save("k", "v").catch((e: unknown) => e);
      expect(saved).toBeInstanceOf(MysqlError);
      expect((saved as MysqlError).message).toContain(`cannot save offset "k" to \`${t}\``);
      expect((saved as MysqlError).table).toBe(`\`${t}\``);
    } finally {
      await store.close();
    }
  });

  it("creates its table once, not on every call", async () => {
    const t = table("offsets_once");
    const pool = mysql.createPool({ ...mysqlConfig(), connectionLimit: 2 });
    const query = vi.spyOn(pool, "query");
    try {
      const store = mysqlOffsetStore(pool, { table: t });
      await store.save("k", "1");
      await store.load("k");
      await store.save("k", "2");
      const creates = query.mock.calls.filter(([sql]) => String(sql).startsWith("CREATE TABLE"));
      expect(creates).toHaveLength(1);
      expect(query).toHaveBeenCalledTimes(4);
    } finally {
      await pool.end();
    }
  });

  it("close() ends the pool the store created: a later save fails instead of reopening it", async () => {
    const t = table("offsets_closed");
    const store = mysqlOffsetStore(mysqlConfig(), { table: t });
    await store.save("k", "1");
    await store.close();
    await expect(store.save("k", "2")).rejects.toThrow(MysqlError);
    const [rows] = await db.query(`SELECT value FROM ${t}`);
    expect(rows).toEqual([{ value: "1" }]);
  });

  it("a missing connection is a ConfigError naming the option", async () => {
    const store = mysqlOffsetStore(undefined as never);
    await expect(store.load("k")).rejects.toThrow(/mysqlOffsetStore\.connection is required/);
  });

  it("a Pool passed in is used and left open by close()", async () => {
    const t = table("offsets_pool");
    const pool = mysql.createPool({ ...mysqlConfig(), connectionLimit: 2 });
    try {
      const store = mysqlOffsetStore(pool, { table: t });
      await store.save("k", "7");
      await store.close();
      const [rows] = await pool.query(`SELECT value FROM ${t} WHERE id = 'k'`);
      expect(rows).toEqual([{ value: "7" }]);
    } finally {
      await pool.end();
    }
  });
});
