import { ConfigError } from "../../errors.js";
import { checkFunction, checkInt, checkKeys, checkNumber, checkOneOf, show } from "../../util/validate.js";
import type { OffsetStore } from "../offset-store.js";
import type { MysqlConnection } from "./client.js";

/** Options of {@link mysqlSource} (see docs/connectors.md, "MySQL / MariaDB"). */
export interface MysqlSourceOptions {
  /** Where to read: a mysql:// URI, mysql2 pool options, or a mysql2/promise Pool (yours to close). */
  connection: MysqlConnection;
  /** The table to read (`"orders"` or `"db.orders"`). Give `table` or `query`, not both. */
  table?: string;
  /**
   * A `SELECT` to read instead of a table (joins, projections); Mass wraps it as a derived table
   * (`SELECT * FROM (query) AS _mass_q WHERE <cursor> ORDER BY <cursor>`), so it must return
   * the cursor columns under their own names and must not end with `ORDER BY` / `LIMIT`.
   */
  query?: string;
  /** Columns to read from `table`. Default: all (`*`). Must include the cursor columns. */
  columns?: string[];
  /**
   * The cursor column: a monotonically increasing unique id (`"id"`), or
   * `{ column: "updated_at", tieBreaker: "id" }` for a timestamp (or any non-unique,
   * non-decreasing column) with the primary key as tie-breaker. Rows are read in cursor order.
   */
  cursor: string | { column: string; tieBreaker?: string };
  /**
   * `true` (default): read a snapshot up to the greatest cursor at start, then end.
   * `false`: after the snapshot, poll for rows past the cursor every `pollIntervalMs`, forever
   * (until the job stops).
   */
  bounded?: boolean;
  /** Poll interval in ms of a continuous source. Default 1000. */
  pollIntervalMs?: number;
  /** Where the cursor is kept. Default: a {@link MysqlOffsetStore} on the same connection, table `offsetTable`. */
  offsetStore?: OffsetStore;
  /** Table of the default offset store. Default `"mass_offsets"`. */
  offsetTable?: string;
  /**
   * Key of this source's cursor in the offset store. Default
   * `mysql:<table>:<cursor columns>` (or `mysql:query:<hash of the query>:<cursor columns>`).
   */
  offsetKey?: string;
  /**
   * Where to start when the store has no cursor for `offsetKey`: `"earliest"` (default, every
   * row) or `"latest"` (only rows past the greatest cursor at start).
   */
  startFrom?: "earliest" | "latest";
  /** Rows the driver buffers ahead of Mass before it pauses the socket. Default: 2 × batch size. */
  fetchRows?: number;
  /** Display name. Default `"mysql"`. */
  name?: string;
}

/** A column of the sink: a record field name, or a function of the record. */
export type MysqlColumnValue<T> = string | ((record: T) => unknown);

/** Options of {@link mysqlSink} (see docs/connectors.md, "MySQL / MariaDB"). */
export interface MysqlSinkOptions<T> {
  /** Where to write: a mysql:// URI, mysql2 pool options, or a mysql2/promise Pool (yours to close). */
  connection: MysqlConnection;
  /** The table (`"orders"` or `"db.orders"`). It must exist. */
  table: string;
  /**
   * Column mapping. A list of names takes each from the record field of the same name; an
   * object maps a column to a field name or a function of the record. Default: every column
   * of the table, from the record field of the same name. `undefined` writes the column's
   * `DEFAULT`; plain objects and arrays are written as JSON text.
   */
  columns?: string[] | Record<string, MysqlColumnValue<T>>;
  /**
   * `"insert"` (default): plain `INSERT` (a duplicate key is a row error);
   * `"upsert"`: `INSERT ... ON DUPLICATE KEY UPDATE col = VALUES(col)` (MariaDB's and MySQL's
   * common form), so a replay overwrites: idempotent writes for at-least-once input.
   */
  mode?: "insert" | "upsert";
  /** Columns an upsert updates on a duplicate key. Default: every mapped column. */
  updateColumns?: string[];
  /** Rows per `INSERT` statement (a batch may take several, all in one transaction). Default 1000. */
  rowsPerStatement?: number;
  /** Attempts of a batch's transaction on a deadlock or lock wait timeout (errno 1213, 1205). Default 5. */
  maxAttempts?: number;
  /** First delay in ms before retrying a deadlocked transaction (doubles each attempt). Default 50. */
  retryDelayMs?: number;
  /** Connections in the pool the sink creates. Default 2. */
  poolSize?: number;
  /** Display name. Default `"mysql"`. */
  name?: string;
}

const SOURCE_KEYS = [
  "connection",
  "table",
  "query",
  "columns",
  "cursor",
  "bounded",
  "pollIntervalMs",
  "offsetStore",
  "offsetTable",
  "offsetKey",
  "startFrom",
  "fetchRows",
  "name",
] as const;

const SINK_KEYS = [
  "connection",
  "table",
  "columns",
  "mode",
  "updateColumns",
  "rowsPerStatement",
  "maxAttempts",
  "retryDelayMs",
  "poolSize",
  "name",
] as const;

function checkName(path: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigError(`${path} must be a non-empty string, got ${show(value)}`, { option: path });
  }
  return value;
}

function checkNames(path: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigError(`${path} must be a non-empty array of column names, got ${show(value)}`, {
      option: path,
    });
  }
  return value.map((v, i) => checkName(`${path}[${i}]`, v));
}

/** Validated source options with defaults. @internal */
export interface ResolvedSourceOptions extends MysqlSourceOptions {
  cursorColumns: string[];
  bounded: boolean;
  pollIntervalMs: number;
  startFrom: "earliest" | "latest";
}

/**
 * Validates {@link MysqlSourceOptions}.
 * @throws ConfigError naming the option.
 * @internal
 */
export function resolveSourceOptions(options: MysqlSourceOptions): ResolvedSourceOptions {
  const path = "mysqlSource(options)";
  if (typeof options !== "object" || options === null) {
    throw new ConfigError(`${path}: options must be an object with connection, table or query, and cursor`);
  }
  checkKeys(path, options, SOURCE_KEYS);
  if ((options.table === undefined) === (options.query === undefined)) {
    throw new ConfigError(`${path}: give exactly one of "table" and "query"`, { option: `${path}.table` });
  }
  if (options.table !== undefined) checkName(`${path}.table`, options.table);
  if (options.query !== undefined) {
    checkName(`${path}.query`, options.query);
    if (options.columns !== undefined) {
      throw new ConfigError(`${path}.columns applies to a table; select the columns in the query instead`, {
        option: `${path}.columns`,
      });
    }
  }
  if (options.columns !== undefined) checkNames(`${path}.columns`, options.columns);
  const c = options.cursor;
  let cursorColumns: string[];
  if (typeof c === "string") cursorColumns = [checkName(`${path}.cursor`, c)];
  else if (typeof c === "object" && c !== null) {
    checkKeys(`${path}.cursor`, c, ["column", "tieBreaker"]);
    cursorColumns = [checkName(`${path}.cursor.column`, c.column)];
    if (c.tieBreaker !== undefined) cursorColumns.push(checkName(`${path}.cursor.tieBreaker`, c.tieBreaker));
  } else {
    throw new ConfigError(
      `${path}.cursor is required: a unique increasing column ("id") or { column: "updated_at", tieBreaker: "id" }`,
      { option: `${path}.cursor` },
    );
  }
  if (options.columns !== undefined) {
    for (const col of cursorColumns) {
      if (!options.columns.includes(col)) {
        throw new ConfigError(`${path}.columns must include the cursor column "${col}"`, {
          option: `${path}.columns`,
        });
      }
    }
  }
  if (options.bounded !== undefined && typeof options.bounded !== "boolean") {
    throw new ConfigError(`${path}.bounded must be a boolean, got ${show(options.bounded)}`, {
      option: `${path}.bounded`,
    });
  }
  if (options.offsetStore !== undefined) {
    const s = options.offsetStore as Partial<OffsetStore>;
    checkFunction(`${path}.offsetStore.load`, s?.load);
    checkFunction(`${path}.offsetStore.save`, s?.save);
  }
  if (options.offsetTable !== undefined) checkName(`${path}.offsetTable`, options.offsetTable);
  if (options.offsetKey !== undefined) checkName(`${path}.offsetKey`, options.offsetKey);
  if (options.fetchRows !== undefined) checkInt(`${path}.fetchRows`, options.fetchRows, 1);
  return {
    ...options,
    cursorColumns,
    bounded: options.bounded ?? true,
    pollIntervalMs: checkNumber(`${path}.pollIntervalMs`, options.pollIntervalMs ?? 1000, 1),
    startFrom: checkOneOf(`${path}.startFrom`, options.startFrom ?? "earliest", [
      "earliest",
      "latest",
    ] as const),
  };
}

/** Validated sink options with defaults. @internal */
export interface ResolvedSinkOptions<T> extends MysqlSinkOptions<T> {
  mode: "insert" | "upsert";
  rowsPerStatement: number;
  maxAttempts: number;
  retryDelayMs: number;
  poolSize: number;
}

/**
 * Validates {@link MysqlSinkOptions}.
 * @throws ConfigError naming the option.
 * @internal
 */
export function resolveSinkOptions<T>(options: MysqlSinkOptions<T>): ResolvedSinkOptions<T> {
  const path = "mysqlSink(options)";
  if (typeof options !== "object" || options === null) {
    throw new ConfigError(`${path}: options must be an object with connection and table`);
  }
  checkKeys(path, options, SINK_KEYS);
  checkName(`${path}.table`, options.table);
  const cols = options.columns;
  if (Array.isArray(cols)) checkNames(`${path}.columns`, cols);
  else if (cols !== undefined) {
    if (typeof cols !== "object" || cols === null || Object.keys(cols).length === 0) {
      throw new ConfigError(
        `${path}.columns must be a list of names or a non-empty { column: field | fn } map`,
        {
          option: `${path}.columns`,
        },
      );
    }
    for (const [k, v] of Object.entries(cols)) {
      if (typeof v !== "string" && typeof v !== "function") {
        throw new ConfigError(`${path}.columns.${k} must be a field name or a function, got ${show(v)}`, {
          option: `${path}.columns.${k}`,
        });
      }
    }
  }
  if (options.updateColumns !== undefined) checkNames(`${path}.updateColumns`, options.updateColumns);
  return {
    ...options,
    mode: checkOneOf(`${path}.mode`, options.mode ?? "insert", ["insert", "upsert"] as const),
    rowsPerStatement: checkInt(`${path}.rowsPerStatement`, options.rowsPerStatement ?? 1000, 1),
    maxAttempts: checkInt(`${path}.maxAttempts`, options.maxAttempts ?? 5, 1),
    retryDelayMs: checkNumber(`${path}.retryDelayMs`, options.retryDelayMs ?? 50, 0),
    poolSize: checkInt(`${path}.poolSize`, options.poolSize ?? 2, 1),
  };
}
