import { createHash } from "node:crypto";
import type { Connection as CoreConnection } from "mysql2";
import type { PoolConnection } from "mysql2/promise";
import { ConnectorError } from "../../errors.js";
import type { OperatorContext } from "../../operators/context.js";
import { Source } from "../../operators/source.js";
import { checkPosition } from "../../operators/source-position.js";
import { CursorAcks } from "../cursor-acks.js";
import type { OffsetStore } from "../offset-store.js";
import {
  closeClient,
  connect,
  escapeColumn,
  escapeTable,
  type MysqlClient,
  openClient,
  resultColumns,
} from "./client.js";
import { afterCursor, type CursorTuple, decodeCursor, encodeCursor, upToCursor } from "./cursor.js";
import { wrapMysqlError } from "./errors.js";
import { MysqlOffsetStore } from "./offset-store.js";
import { type MysqlSourceOptions, type ResolvedSourceOptions, resolveSourceOptions } from "./options.js";

/**
 * Reads a MySQL / MariaDB table or query **incrementally by a cursor column** (see
 * docs/connectors.md, "MySQL / MariaDB"), as Kafka Connect's JDBC source does in its
 * incrementing and timestamp+incrementing modes:
 *
 * - rows come in cursor order (`ORDER BY cursor[, tieBreaker]`), streamed row by row from
 *   mysql2 with the socket paused whenever `fetchRows` rows wait for Mass (never a whole result
 *   set in memory);
 * - bounded (default): a snapshot up to the greatest cursor at open, then the end; continuous
 *   (`bounded: false`): then a poll every `pollIntervalMs` for rows past the last one read;
 * - the cursor is saved in the offset store only through `ack(position)`, i.e. once every row up
 *   to it was handled by every sink: a restarted job resumes after the last acknowledged row
 *   (at-least-once across restarts; rows after it may be read twice, none is skipped);
 * - identifiers are escaped and cursor values passed as parameters.
 *
 * Rows are mysql2's row objects (column name -> value; DATETIME as `Date` unless the connection
 * says `dateStrings`). A server that cannot be reached fails `open` with a retriable
 * {@link MysqlError} naming the address; a missing table or column fails `open` naming it.
 *
 * @typeParam T - row type (not checked).
 */
export class MysqlSource<T = Record<string, unknown>> extends Source<T> {
  override name = "mysql";
  private readonly options: ResolvedSourceOptions;
  private readonly from: string;
  private readonly cols: string[];
  /** Escaped, qualified cursor columns for WHERE / ORDER BY. */
  private readonly cursorSql: string[];
  private readonly key: string;
  private client: MysqlClient | undefined;
  private store: OffsetStore | undefined;
  private ownStore = false;
  private signal: AbortSignal | undefined;
  private batchSize = 1024;

  /** Cursor of the last row read (handed out), or undefined before the first. */
  private readCursor: CursorTuple | undefined;
  /** Snapshot upper bound of the scan under way. */
  private scanUpper: CursorTuple | undefined;
  private conn: PoolConnection | undefined;
  /** A scan (query) is under way on `conn`. */
  private scanning = false;
  /** Rows the driver delivered and Mass has not taken yet: `rows[head..]`. */
  private rows: T[] = [];
  private head = 0;
  /** The driver's connection is paused because `fetchRows` rows are buffered. */
  private paused = false;
  private fetchRows = 2048;
  /** Rows the waiting `consume` wants before it wakes. */
  private want = 0;
  private scanEnded = false;
  private scanError: unknown;
  private nextPollAt = 0;
  private finished = false;

  private acks: CursorAcks<CursorTuple> | undefined;

  /** @throws ConfigError when an option is wrong (see {@link MysqlSourceOptions}). */
  constructor(options: MysqlSourceOptions) {
    super();
    this.options = resolveSourceOptions(options);
    const o = this.options;
    if (o.name !== undefined) this.name = o.name;
    const q = "`_mass_q`";
    if (o.table !== undefined) {
      this.from = escapeTable(o.table);
      this.cols = o.columns?.map(escapeColumn) ?? ["*"];
      this.cursorSql = o.cursorColumns.map(escapeColumn);
    } else {
      this.from = `(${o.query}) AS ${q}`;
      this.cols = [`${q}.*`];
      this.cursorSql = o.cursorColumns.map((c) => `${q}.${escapeColumn(c)}`);
    }
    const what =
      o.table !== undefined
        ? o.table
        : `query:${createHash("sha1").update(o.query!).digest("hex").slice(0, 12)}`;
    this.key = o.offsetKey ?? `mysql:${what}:${o.cursorColumns.join(",")}`;
  }

  /** The key of this source's cursor in its offset store. */
  get offsetKey(): string {
    return this.key;
  }

  /** Rows the driver holds ahead of Mass in the scan under way (bounded by `fetchRows` and one socket read). */
  get bufferedRows(): number {
    return this.rows.length - this.head;
  }

  /** Rows handed out to Mass so far. */
  get readRows(): number {
    return this.acks?.emitted ?? 0;
  }

  /** Position (rows handed out) up to which the cursor was saved. */
  get ackedPosition(): number {
    return this.acks?.acked ?? 0;
  }

  override async open(ctx?: OperatorContext): Promise<void> {
    this.signal = ctx?.signal;
    this.batchSize = ctx?.batchSize ?? 1024;
    this.fetchRows = this.options.fetchRows ?? this.batchSize * 2;
    const o = this.options;
    this.client = openClient("mysqlSource(options)", o.connection, 2);
    const conn = await connect(this.client);
    try {
      const table = o.table === undefined ? "the source's query" : escapeTable(o.table);
      const names = await resultColumns(conn, `SELECT ${this.cols.join(", ")} FROM ${this.from}`, {
        address: this.client.address,
        table,
        what: "the source's columns",
      });
      for (const c of o.cursorColumns) {
        if (!names.includes(c)) {
          throw new ConnectorError(
            `mysql: cursor column "${c}" is not in the rows of ${table} on ${this.client.address} (they have: ${names.join(", ")})`,
            { connector: "mysql" },
          );
        }
      }
    } finally {
      conn.release();
    }
    if (o.offsetStore === undefined) {
      this.store = new MysqlOffsetStore(this.client.pool, { table: o.offsetTable ?? "mass_offsets" });
      this.ownStore = true;
    } else this.store = o.offsetStore;
    this.acks = new CursorAcks(this.store, this.key, encodeCursor, "mysql");
    const stored = await this.store.load(this.key);
    if (stored !== undefined) {
      this.readCursor = decodeCursor(stored, o.cursorColumns.length, this.key);
    } else if (o.startFrom === "latest") {
      this.readCursor = await this.maxCursor();
    }
    if (o.bounded) {
      this.scanUpper = await this.maxCursor();
      if (this.scanUpper === undefined) this.finished = true;
    }
  }

  /** The greatest cursor in the table now, as exact strings (no Date or double rounding). */
  private async maxCursor(): Promise<CursorTuple | undefined> {
    const order = this.cursorSql.map((c) => `${c} DESC`).join(", ");
    try {
      const [rows] = await this.client!.pool.query({
        sql: `SELECT ${this.cursorSql.map((c, i) => `${c} AS c${i}`).join(", ")} FROM ${this.from} ORDER BY ${order} LIMIT 1`,
        rowsAsArray: true,
        dateStrings: true,
        supportBigNumbers: true,
        bigNumberStrings: true,
      });
      const list = rows as unknown[][];
      return list.length === 0 ? undefined : list[0];
    } catch (err) {
      throw wrapMysqlError(`reading the greatest cursor of ${this.from}`, err, {
        address: this.client!.address,
      });
    }
  }

  /** Starts a scan of the rows after `readCursor` up to `scanUpper` (if any). */
  private async startScan(): Promise<void> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (this.readCursor !== undefined) {
      const a = afterCursor(this.cursorSql, this.readCursor);
      where.push(a.sql);
      params.push(...a.params);
    }
    if (this.scanUpper !== undefined) {
      const u = upToCursor(this.cursorSql, this.scanUpper);
      where.push(u.sql);
      params.push(...u.params);
    }
    const sql = `SELECT ${this.cols.join(", ")} FROM ${this.from}${where.length === 0 ? "" : ` WHERE ${where.join(" AND ")}`} ORDER BY ${this.cursorSql.join(", ")}`;
    this.conn = await connect(this.client!);
    this.scanEnded = false;
    this.scanError = undefined;
    this.rows = [];
    this.head = 0;
    this.paused = false;
    this.scanning = true;
    // the promise wrapper has no row events: mysql2's core connection underneath has. Rows go
    // to a buffer; at `fetchRows` buffered rows the socket is paused until consume() takes some.
    const core = this.conn.connection as unknown as CoreConnection;
    const query = core.query(sql, params);
    query.on("result", (row) => {
      this.rows.push(row as T);
      const buffered = this.rows.length - this.head;
      if (!this.paused && buffered >= this.fetchRows) {
        this.paused = true;
        core.pause();
      }
      if (this.wake !== undefined && buffered >= this.want) this.wake();
    });
    query.on("end", () => {
      this.scanEnded = true;
      this.wake?.();
    });
    query.on("error", (err: unknown) => {
      this.scanError = err;
      this.wake?.();
    });
  }

  private wake: (() => void) | undefined;

  private async endScan(): Promise<void> {
    this.scanning = false;
    this.conn?.release();
    this.conn = undefined;
    if (this.options.bounded) this.finished = true;
    else {
      this.nextPollAt = Date.now() + this.options.pollIntervalMs;
      this.scanUpper = undefined;
    }
  }

  async consume(size: number): Promise<T[] | null> {
    if (this.finished) return null;
    if (!this.scanning) {
      if (Date.now() < this.nextPollAt) return [];
      if (!this.options.bounded) {
        this.scanUpper = await this.maxCursor();
        if (this.scanUpper === undefined) {
          this.nextPollAt = Date.now() + this.options.pollIntervalMs;
          return [];
        }
      }
      await this.startScan();
    }
    for (;;) {
      if (this.scanError !== undefined) {
        const err = this.scanError;
        this.scanning = false;
        this.conn?.destroy();
        this.conn = undefined;
        throw wrapMysqlError(`reading ${this.from} failed`, err, { address: this.client!.address });
      }
      const buffered = this.rows.length - this.head;
      if (buffered >= size || (this.scanEnded && buffered > 0)) break;
      if (this.scanEnded) {
        await this.endScan();
        return this.finished ? null : [];
      }
      // wait for a full batch, the end of the scan, or an error
      this.want = Math.min(size, this.fetchRows);
      const signal = this.signal;
      let onAbort: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        onAbort = resolve;
        signal?.addEventListener("abort", onAbort, { once: true });
      });
      signal?.removeEventListener("abort", onAbort!);
      this.wake = undefined;
      if (!this.scanning || signal?.aborted === true) return this.finished ? null : [];
      if (this.rows.length - this.head >= this.want && this.rows.length - this.head < size) break;
    }
    const n = Math.min(size, this.rows.length - this.head);
    let out: T[];
    if (this.head === 0 && n === this.rows.length) {
      out = this.rows;
      this.rows = [];
    } else {
      out = this.rows.slice(this.head, this.head + n);
      this.head += n;
      if (this.head === this.rows.length) {
        this.rows = [];
        this.head = 0;
      } else if (this.head >= 4096) {
        this.rows = this.rows.slice(this.head);
        this.head = 0;
      }
    }
    if (this.paused && this.rows.length - this.head < this.fetchRows) {
      this.paused = false;
      (this.conn!.connection as unknown as CoreConnection).resume();
    }
    const last = out[out.length - 1] as Record<string, unknown>;
    this.readCursor = this.options.cursorColumns.map((c) => last[c]);
    this.acks!.handOut(out.length, this.readCursor);
    return out;
  }

  /** Saves the cursor of the last row before `position` (acknowledged in order by the runtime). */
  /**
   * Checkpoints: the cursor of the last row handed out (its `cursorColumns` values, encoded as
   * the offset store keeps them: a JSON string), or `null` when this run started from the
   * beginning and read nothing yet.
   */
  override snapshotPosition(): string | null {
    return this.readCursor === undefined ? null : encodeCursor(this.readCursor);
  }

  /**
   * Resumes strictly after the cursor `position` (a {@link MysqlSource.snapshotPosition}), in
   * place of the offset store's cursor or `startFrom`; `null`: from the first row. Called after
   * `open`, before the first `consume`. A bounded source still reads up to the greatest cursor
   * found at `open`.
   * @throws StateError when `position` is not a string or null; ConnectorError when it does not
   *   decode to as many values as the source has cursor columns.
   */
  override restorePosition(position: unknown): void {
    const p = checkPosition<string | null>(
      this.name,
      position,
      position === null || typeof position === "string",
      "an encoded cursor (string) or null",
    );
    this.readCursor = p === null ? undefined : decodeCursor(p, this.options.cursorColumns.length, this.key);
  }

  override ack(position: number): Promise<void> {
    return this.acks!.ack(position);
  }

  override async cleanup(err?: Error): Promise<void> {
    if (this.conn !== undefined) {
      // a scan under way cannot be cut short on its connection: drop the connection
      this.scanning = false;
      this.conn.destroy();
      this.conn = undefined;
    }
    this.wake?.();
    // until the runtime runs cleanup after the last ack: let the final cursor save happen
    await this.acks?.drain(err === undefined);
    if (this.ownStore) await this.store?.close?.();
    await closeClient(this.client);
  }
}

/** Builds a {@link MysqlSource}. @throws ConfigError when an option is wrong. */
export function mysqlSource<T = Record<string, unknown>>(options: MysqlSourceOptions): MysqlSource<T> {
  return new MysqlSource<T>(options);
}
