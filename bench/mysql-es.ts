/**
 * MySQL and Elasticsearch connectors against their bare clients, on the real servers
 * (MariaDB from scripts/services/mariadb.ts, Elasticsearch from
 * `node --import tsx scripts/services/elasticsearch.ts start`; MASS_TEST_ES_PORT / MASS_TEST_MYSQL_*).
 *
 *   node --import tsx bench/mysql-es.ts <scenario>:<impl> [records]
 *
 * Scenarios (each `bare` vs `mass`, same work, same checksum):
 * - mysql-sink: upsert N rows `{ id, name, qty }` as 1,000-row multi-row statements, one
 *   transaction per 1,000 rows (bare: a mysql2 loop of the same statements);
 * - mysql-source: scan them in id order (bare: a mysql2 query stream);
 * - es-sink: index N small documents with ids, 512 KiB bulk bodies, one request at a time
 *   (bare: the client's helpers.bulk with the same flushBytes, concurrency 1);
 * - es-source: read them sorted by a date field through a point in time (bare: a PIT +
 *   search_after loop with the same page size).
 * Set-up (tables, indices, data for the source scenarios) happens before the timed part.
 */
import { Client } from "@elastic/elasticsearch";
import mysql from "mysql2/promise";
import { mariaDbConfig } from "../scripts/services/mariadb.js";
import { elasticsearchSink, elasticsearchSource } from "../src/connectors/elasticsearch/index.js";
import { memoryOffsetStore, mysqlSink, mysqlSource } from "../src/connectors/mysql/index.js";
import { Env, Sink } from "../src/index.js";
import { args, measure, recordSource } from "./lib.js";

const [scenario, impl] = (process.argv[2] ?? "").split(":");
const { size } = args(1_000_000);
const TABLE = "mass_bench_rows";
const INDEX = "mass-bench-docs";
const ROWS_PER_TX = 1000;
const ES_BATCH = 5000;
const FLUSH_BYTES = 512 * 1024;
const esNode = process.env.MASS_TEST_ES_URL ?? `http://127.0.0.1:${process.env.MASS_TEST_ES_PORT ?? 9200}`;
const cfg = mariaDbConfig();

type Row = { id: number; name: string; qty: number };
type Doc = { id: number; name: string; ts: number };
const row = (i: number): Row => ({ id: i, name: `name-${i % 1000}`, qty: i % 97 });
const doc = (i: number): Doc => ({ id: i, name: `doc-${i % 1000}`, ts: 1_700_000_000_000 + i });

/** Sums a field of everything it receives: the checksum of the source scenarios. */
class SumSink<T> extends Sink<T> {
  count = 0;
  sum = 0;
  constructor(private readonly field: (r: T) => number) {
    super();
  }
  produce(elems: T[]): void {
    this.count += elems.length;
    for (let i = 0; i < elems.length; i++) this.sum += this.field(elems[i]);
  }
}

async function mysqlChecksum(db: mysql.Connection): Promise<string> {
  const [r] = await db.query(`SELECT COUNT(*) AS n, SUM(qty) AS s FROM ${TABLE}`);
  const x = (r as { n: number; s: string }[])[0];
  return `${x.n}:${Number(x.s)}`;
}

async function mysqlBench(): Promise<void> {
  const db = await mysql.createConnection(cfg);
  if (scenario === "mysql-sink") {
    await db.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await db.query(`CREATE TABLE ${TABLE} (id INT PRIMARY KEY, name VARCHAR(40), qty INT)`);
    await measure("mysql-sink upsert", impl, size, async () => {
      if (impl === "mass") {
        await new Env({ batchSize: ROWS_PER_TX })
          .from(recordSource(size, row))
          .to(
            mysqlSink<Row>({ connection: cfg, table: TABLE, mode: "upsert", rowsPerStatement: ROWS_PER_TX }),
          );
      } else {
        const conn = await mysql.createConnection(cfg);
        const upd =
          " ON DUPLICATE KEY UPDATE `id` = VALUES(`id`), `name` = VALUES(`name`), `qty` = VALUES(`qty`)";
        for (let i = 0; i < size; i += ROWS_PER_TX) {
          const values: string[] = [];
          for (let k = i; k < Math.min(size, i + ROWS_PER_TX); k++) {
            const r = row(k);
            values.push(`(${mysql.escape(r.id)}, ${mysql.escape(r.name)}, ${mysql.escape(r.qty)})`);
          }
          await conn.beginTransaction();
          await conn.query(
            `INSERT INTO \`${TABLE}\` (\`id\`, \`name\`, \`qty\`) VALUES ${values.join(", ")}${upd}`,
          );
          await conn.commit();
        }
        await conn.end();
      }
      return mysqlChecksum(db);
    });
  } else {
    if ((await mysqlChecksum(db)) !== `${size}:${sumQty(size)}`) {
      await db.query(`DROP TABLE IF EXISTS ${TABLE}`);
      await db.query(`CREATE TABLE ${TABLE} (id INT PRIMARY KEY, name VARCHAR(40), qty INT)`);
      for (let i = 0; i < size; i += 10_000) {
        const rows = Array.from({ length: Math.min(10_000, size - i) }, (_, k) => row(i + k));
        await db.query(
          `INSERT INTO ${TABLE} VALUES ${rows.map((r) => `(${r.id}, '${r.name}', ${r.qty})`).join(",")}`,
        );
      }
    }
    await measure("mysql-source scan", impl, size, async () => {
      if (impl === "mass") {
        const sink = new SumSink<Row>((r) => r.qty);
        await new Env({ batchSize: 1024 })
          .from(
            mysqlSource<Row>({
              connection: cfg,
              table: TABLE,
              cursor: "id",
              offsetStore: memoryOffsetStore(),
            }),
          )
          .to(sink);
        return `${sink.count}:${sink.sum}`;
      }
      const conn = await mysql.createConnection(cfg);
      const core = (conn as unknown as { connection: import("mysql2").Connection }).connection;
      let count = 0;
      let sum = 0;
      for await (const r of core
        .query(`SELECT * FROM \`${TABLE}\` ORDER BY \`id\``)
        .stream({ highWaterMark: 2048 })) {
        count++;
        sum += (r as Row).qty;
      }
      await conn.end();
      return `${count}:${sum}`;
    });
  }
  await db.end();
}

function sumQty(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += i % 97;
  return s;
}

async function esChecksum(es: Client): Promise<string> {
  await es.indices.refresh({ index: INDEX });
  const r = await es.search({
    index: INDEX,
    size: 0,
    track_total_hits: true,
    aggs: { s: { sum: { field: "id" } } },
  });
  return `${(r.hits.total as { value: number }).value}:${(r.aggregations!.s as { value: number }).value}`;
}

async function esBench(): Promise<void> {
  const es = new Client({ node: esNode, requestTimeout: 120_000 });
  const create = async () => {
    await es.indices.delete({ index: INDEX, ignore_unavailable: true });
    await es.indices.create({
      index: INDEX,
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: { properties: { id: { type: "long" }, name: { type: "keyword" }, ts: { type: "date" } } },
    });
  };
  if (scenario === "es-sink") {
    await create();
    await measure("es-sink index", impl, size, async () => {
      if (impl === "mass") {
        await new Env({ batchSize: ES_BATCH })
          .from(recordSource(size, doc))
          .to(
            elasticsearchSink<Doc>({ node: esNode, index: INDEX, id: (d) => d.id, flushBytes: FLUSH_BYTES }),
          );
      } else {
        const client = new Client({ node: esNode, maxRetries: 0, requestTimeout: 60_000 });
        const docs = (async function* () {
          for (let i = 0; i < size; i++) yield doc(i);
        })();
        const stats = await client.helpers.bulk<Doc>({
          datasource: docs,
          onDocument: (d) => ({ index: { _index: INDEX, _id: String(d.id) } }),
          flushBytes: FLUSH_BYTES,
          concurrency: 1,
        });
        if (stats.failed > 0) throw new Error(`helpers.bulk: ${stats.failed} failed`);
        await client.close();
      }
      return esChecksum(es);
    });
  } else {
    const want = `${size}:${(size * (size - 1)) / 2}`;
    if ((await esChecksum(es).catch(() => "")) !== want) {
      await create();
      await es.helpers.bulk<Doc>({
        datasource: Array.from({ length: size }, (_, i) => doc(i)),
        onDocument: (d) => ({ index: { _index: INDEX, _id: String(d.id) } }),
        flushBytes: 4 << 20,
      });
      await es.indices.refresh({ index: INDEX });
    }
    await measure("es-source read", impl, size, async () => {
      if (impl === "mass") {
        const sink = new SumSink<Doc>((d) => d.id);
        await new Env({ batchSize: ES_BATCH })
          .from(
            elasticsearchSource<Doc>({
              node: esNode,
              index: INDEX,
              cursor: "ts",
              offsetStore: memoryOffsetStore(),
            }),
          )
          .to(sink);
        return `${sink.count}:${sink.sum}`;
      }
      const client = new Client({ node: esNode, maxRetries: 0, requestTimeout: 60_000 });
      let { id } = await client.openPointInTime({ index: INDEX, keep_alive: "2m" });
      let after: unknown[] | undefined;
      let count = 0;
      let sum = 0;
      for (;;) {
        const r = await client.search<Doc>({
          pit: { id, keep_alive: "2m" },
          size: ES_BATCH,
          sort: [{ ts: "asc" }, { _shard_doc: "asc" }],
          track_total_hits: false,
          ...(after === undefined ? {} : { search_after: after as (string | number)[] }),
        });
        const hits = r.hits.hits;
        if (hits.length === 0) break;
        if (r.pit_id !== undefined) id = r.pit_id;
        for (const h of hits) {
          count++;
          sum += h._source!.id;
        }
        after = hits[hits.length - 1].sort;
      }
      await client.closePointInTime({ id });
      await client.close();
      return `${count}:${sum}`;
    });
  }
  await es.close();
}

if (scenario.startsWith("mysql")) await mysqlBench();
else if (scenario.startsWith("es")) await esBench();
else throw new Error("usage: mysql-es.ts <mysql-sink|mysql-source|es-sink|es-source>:<bare|mass> [records]");
