import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Client } from "@elastic/elasticsearch";
import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureMariaDb } from "../../../scripts/services/mariadb.js";
import { mysqlOffsetStore } from "../../../src/connectors/mysql/index.js";
import { adminConnection, mysqlConfig, uniqueTable } from "../mysql/db.js";
import { adminClient, esUrl, uniqueIndex } from "./es.js";

const ROWS = 100_000;
let db: Connection;
let es: Client;
let table: string;
let index: string;

beforeAll(async () => {
  // MariaDB runs on these machines whether or not this run's services include "mysql"
  await ensureMariaDb(mysqlConfig());
  db = await adminConnection();
  es = adminClient();
  table = uniqueTable("crash");
  index = uniqueIndex("crash");
  await db.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, name VARCHAR(20), v INT)`);
  for (let i = 1; i <= ROWS; i += 10_000) {
    const ids = Array.from({ length: 10_000 }, (_, k) => i + k);
    await db.query(
      `INSERT INTO ${table} VALUES ${ids.map((id) => `(${id}, 'row${id}', ${id % 1000})`).join(",")}`,
    );
  }
  await es.indices.create({
    index,
    mappings: { properties: { id: { type: "integer" }, v: { type: "integer" } } },
  });
});

afterAll(async () => {
  await db.query(`DROP TABLE IF EXISTS ${table}`);
  await db.query("DELETE FROM mass_offsets WHERE id = ?", [`mysql:${table}:id`]).catch(() => {});
  await db.end();
  await es.indices.delete({ index, ignore_unavailable: true });
  await es.close();
});

/** Runs the job in a child process; `killAt`: SIGKILL it once it reported at least that many rows written. */
function runJob(killAt?: number): Promise<{ code: number | null; signal: string | null; written: number }> {
  const cfg = mysqlConfig();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "test/integration/fixtures/mysql-to-es-job.ts", table, index, esUrl()],
    {
      env: {
        ...process.env,
        MASS_TEST_MYSQL_HOST: cfg.host,
        MASS_TEST_MYSQL_PORT: String(cfg.port),
        MASS_TEST_MYSQL_USER: cfg.user,
        MASS_TEST_MYSQL_PASSWORD: cfg.password,
        MASS_TEST_MYSQL_DATABASE: cfg.database,
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let written = 0;
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const m = /^written (\d+)$/.exec(line);
    if (m === null) return;
    written = Number(m[1]);
    if (killAt !== undefined && written >= killAt) child.kill("SIGKILL");
  });
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, written })));
}

async function indexed(maxId?: number): Promise<{ count: number; sum: number }> {
  await es.indices.refresh({ index });
  const r = await es.search({
    index,
    size: 0,
    track_total_hits: true,
    query: maxId === undefined ? { match_all: {} } : { range: { id: { lte: maxId } } },
    aggs: { sum: { sum: { field: "id" } } },
  });
  const total = r.hits.total as { value: number };
  return { count: total.value, sum: (r.aggregations!.sum as { value: number }).value };
}

describe("MySQL to Elasticsearch, kill -9 in the middle, restart", () => {
  it("every row ends in the index exactly once and the stored cursor never ran ahead of what was written", async () => {
    const crashed = await runJob(30_000);
    expect(crashed.signal).toBe("SIGKILL");
    expect(crashed.written).toBeLessThan(ROWS);
    const store = mysqlOffsetStore(mysqlConfig());
    const key = `mysql:${table}:id`;
    const saved = await store.load(key);
    const cursor = saved === undefined ? 0 : (JSON.parse(saved) as { n: number }[])[0].n;
    // every row up to the stored cursor is in the index (ids are dense from 1)
    const upTo = await indexed(cursor);
    expect(upTo.count).toBe(cursor);
    expect(cursor).toBeLessThan(ROWS);

    const resumed = await runJob();
    expect(resumed.code).toBe(0);
    // the restart read only what came after the stored cursor
    expect(resumed.written).toBe(ROWS - cursor);
    const all = await indexed();
    expect(all.count).toBe(ROWS);
    expect(all.sum).toBe((ROWS * (ROWS + 1)) / 2);
    expect(JSON.parse((await store.load(key))!)).toEqual([{ n: ROWS }]);
    await store.close();
  });
});
