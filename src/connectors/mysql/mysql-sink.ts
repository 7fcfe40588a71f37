import type { PoolConnection } from "mysql2/promise";
import type { OperatorContext } from "../../operators/context.js";
import { Sink } from "../../operators/sink.js";
import { sleep } from "../../util/sleep.js";
import {
  closeClient,
  connect,
  escapeColumn,
  escapeTable,
  escapeValue,
  type MysqlClient,
  openClient,
  resultColumns,
} from "./client.js";
import { isConnectionError, isRowError, isTransient, MysqlError, wrapMysqlError } from "./errors.js";
import { type MysqlSinkOptions, type ResolvedSinkOptions, resolveSinkOptions } from "./options.js";

/**
 * Writes records to a MySQL / MariaDB table (see docs/connectors.md, "MySQL / MariaDB"):
 * each Mass batch as multi-row `INSERT`s (or upserts, `ON DUPLICATE KEY UPDATE col = VALUES(col)`)
 * in **one transaction**, committed before `produce` resolves, so a batch is acknowledged only
 * once it is durable (at-least-once; use `mode: "upsert"` on a key for idempotent replays).
 *
 * Faults:
 * - a deadlock or lock wait timeout (errno 1213, 1205) re-runs the batch's transaction, up to
 *   `maxAttempts` times with doubling delays from `retryDelayMs`;
 * - a batch refused because of one row's data (SQLSTATE class 22 or 23: duplicate key, data
 *   too long, NOT NULL, foreign key, check constraint; incorrect values) is re-run row by row in
 *   one transaction: the good rows land and each bad row goes to the node's fault policy
 *   (`Sink.reject`) with a {@link MysqlError} naming the table and MySQL's error code
 *   (`onError: "dead-letter"` keeps it in `env.deadLetters`);
 * - a server that cannot be reached fails `open` / `produce` with a retriable MysqlError naming
 *   the address and what to check; a missing table or column fails `open` naming it.
 *
 * @typeParam T - record type.
 */
export class MysqlSink<T> extends Sink<T> {
  override name = "mysql";
  private readonly options: ResolvedSinkOptions<T>;
  private readonly table: string;
  private client: MysqlClient | undefined;
  private getters: ((record: T) => unknown)[] = [];
  private prefix = "";
  private suffix = "";
  private signal: AbortSignal | undefined;

  /** @throws ConfigError when an option is wrong (see {@link MysqlSinkOptions}). */
  constructor(options: MysqlSinkOptions<T>) {
    super();
    this.options = resolveSinkOptions(options);
    this.table = escapeTable(this.options.table);
    if (this.options.name !== undefined) this.name = this.options.name;
  }

  override async open(ctx?: OperatorContext): Promise<void> {
    this.signal = ctx?.signal;
    this.client = openClient("mysqlSink(options)", this.options.connection, this.options.poolSize);
    const conn = await connect(this.client);
    let tableColumns: string[];
    try {
      tableColumns = await resultColumns(conn, `SELECT * FROM ${this.table}`, {
        address: this.client.address,
        table: this.table,
        what: "the sink's table",
      });
    } finally {
      conn.release();
    }
    const mapping = this.mapping(tableColumns);
    for (const [col] of mapping) {
      if (!tableColumns.includes(col)) {
        throw new MysqlError(
          `mysql: column "${col}" of the sink's mapping is not in table ${this.table} on ${this.client.address} (its columns: ${tableColumns.join(", ")})`,
          { table: this.table, retriable: false },
        );
      }
    }
    this.getters = mapping.map(([, get]) => get);
    const cols = mapping.map(([c]) => escapeColumn(c));
    this.prefix = `INSERT INTO ${this.table} (${cols.join(", ")}) VALUES `;
    if (this.options.mode === "upsert") {
      const upd = (this.options.updateColumns ?? mapping.map(([c]) => c)).map(escapeColumn);
      this.suffix = ` ON DUPLICATE KEY UPDATE ${upd.map((c) => `${c} = VALUES(${c})`).join(", ")}`;
    }
  }

  /** `[column, value getter]` pairs from the options, or every table column by name. */
  private mapping(tableColumns: string[]): [string, (r: T) => unknown][] {
    const cols = this.options.columns;
    const field = (name: string) => (r: T) => (r as Record<string, unknown>)[name];
    if (cols === undefined) return tableColumns.map((c) => [c, field(c)]);
    if (Array.isArray(cols)) return cols.map((c) => [c, field(c)]);
    return Object.entries(cols).map(([c, v]) => [c, typeof v === "function" ? v : field(v)]);
  }

  /** `(v1, v2, ...)` of one record. */
  private tuple(record: T): string {
    const g = this.getters;
    let s = "(";
    for (let i = 0; i < g.length; i++) s += (i === 0 ? "" : ", ") + escapeValue(g[i](record));
    return `${s})`;
  }

  async produce(elems: T[]): Promise<void> {
    if (elems.length === 0) return;
    const tuples = elems.map((r) => this.tuple(r));
    const refused = await this.write(tuples);
    // outside the write's error handling: under 'fail' reject throws the policy's error as it is
    for (const [i, err] of refused) {
      await this.reject(
        elems[i],
        wrapMysqlError(`row refused by table ${this.table}`, err, {
          address: this.client!.address,
          table: this.table,
          retriable: false,
        }),
      );
    }
  }

  /**
   * Writes the rows in one transaction, re-run on deadlocks; if one row's data is refused, row
   * by row. Resolves with the refused rows' indexes and errors once the rest is committed.
   */
  private async write(tuples: string[]): Promise<[number, unknown][]> {
    let rowByRow = false;
    for (let attempt = 1; ; attempt++) {
      const conn = await connect(this.client!);
      try {
        const refused = rowByRow ? await this.writeRows(conn, tuples) : await this.writeBatch(conn, tuples);
        conn.release();
        return refused;
      } catch (err) {
        if (isConnectionError(err)) {
          conn.destroy();
          throw wrapMysqlError(`writing ${tuples.length} rows to ${this.table} failed`, err, {
            address: this.client!.address,
            table: this.table,
            retriable: true,
          });
        }
        await conn.rollback().catch(() => {});
        conn.release();
        if (isTransient(err) && attempt < this.options.maxAttempts) {
          await sleep(this.options.retryDelayMs * 2 ** (attempt - 1), this.signal);
          continue;
        }
        if (!rowByRow && isRowError(err)) {
          if (tuples.length === 1) return [[0, err]];
          rowByRow = true;
          attempt = 0;
          continue;
        }
        throw wrapMysqlError(
          `writing ${tuples.length} rows to ${this.table} failed after ${attempt} attempt(s)`,
          err,
          {
            address: this.client!.address,
            table: this.table,
          },
        );
      }
    }
  }

  /** The whole batch in one transaction, `rowsPerStatement` rows a statement. */
  private async writeBatch(conn: PoolConnection, tuples: string[]): Promise<[number, unknown][]> {
    const per = this.options.rowsPerStatement;
    await conn.beginTransaction();
    for (let i = 0; i < tuples.length; i += per) {
      const chunk = i === 0 && tuples.length <= per ? tuples : tuples.slice(i, i + per);
      await conn.query(this.prefix + chunk.join(", ") + this.suffix);
    }
    await conn.commit();
    return [];
  }

  /**
   * One statement a row in one transaction: InnoDB rolls back only the failed statement, so the
   * good rows commit together; returns the refused rows' indexes and errors.
   */
  private async writeRows(conn: PoolConnection, tuples: string[]): Promise<[number, unknown][]> {
    const refused: [number, unknown][] = [];
    await conn.beginTransaction();
    for (let i = 0; i < tuples.length; i++) {
      try {
        await conn.query(this.prefix + tuples[i] + this.suffix);
      } catch (err) {
        if (!isRowError(err)) throw err;
        refused.push([i, err]);
      }
    }
    await conn.commit();
    return refused;
  }

  override async cleanup(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await closeClient(c);
  }
}

/** Builds a {@link MysqlSink}. @throws ConfigError when an option is wrong. */
export function mysqlSink<T = Record<string, unknown>>(options: MysqlSinkOptions<T>): MysqlSink<T> {
  return new MysqlSink<T>(options);
}
