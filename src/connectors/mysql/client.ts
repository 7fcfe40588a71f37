import mysql, { type Pool, type PoolConnection, type PoolOptions } from "mysql2/promise";
import { ConfigError } from "../../errors.js";
import { wrapMysqlError } from "./errors.js";

/**
 * How a MySQL connector reaches the server: a connection URI
 * (`mysql://user:pass@host:3306/db`), mysql2 pool options (`{ host, port, user, password,
 * database, ... }`), or a mysql2/promise `Pool` you created (then you also close it: the
 * connector only releases its connections).
 */
export type MysqlConnection = string | PoolOptions | Pool;

/** A pool and what the connector needs to know about it. @internal */
export interface MysqlClient {
  readonly pool: Pool;
  /** Whether the connector created the pool (and so ends it). */
  readonly owned: boolean;
  /** `host:port/database` for messages. */
  readonly address: string;
}

/** Whether `value` is a mysql2/promise Pool. @internal */
export function isPool(value: unknown): value is Pool {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Pool).getConnection === "function" &&
    typeof (value as Pool).query === "function"
  );
}

/**
 * Creates (or adopts) the pool for a connector.
 * @throws ConfigError when `connection` is missing or of the wrong type.
 * @internal
 */
export function openClient(path: string, connection: unknown, connectionLimit: number): MysqlClient {
  if (isPool(connection)) {
    const cfg = (connection as unknown as { pool?: { config?: { connectionConfig?: PoolOptions } } }).pool
      ?.config?.connectionConfig;
    return { pool: connection, owned: false, address: addressOf(cfg ?? {}) };
  }
  if (typeof connection === "string") {
    let url: URL;
    try {
      url = new URL(connection);
    } catch {
      throw new ConfigError(`${path}.connection must be a URI like mysql://user@host:3306/db, got a string`, {
        option: `${path}.connection`,
      });
    }
    const pool = mysql.createPool({ uri: connection, connectionLimit });
    return {
      pool,
      owned: true,
      address: `${url.hostname}:${url.port || 3306}${url.pathname === "/" ? "" : url.pathname}`,
    };
  }
  if (typeof connection === "object" && connection !== null) {
    const opts = connection as PoolOptions;
    const pool = mysql.createPool({ connectionLimit, ...opts });
    return { pool, owned: true, address: addressOf(opts) };
  }
  throw new ConfigError(
    `${path}.connection is required: a mysql:// URI, mysql2 pool options ({ host, port, user, password, database }) or a mysql2/promise Pool`,
    { option: `${path}.connection` },
  );
}

function addressOf(o: PoolOptions): string {
  const where = o.socketPath ?? `${o.host ?? "localhost"}:${o.port ?? 3306}`;
  return o.database === undefined ? where : `${where}/${o.database}`;
}

/**
 * Takes a connection from the pool.
 * @throws MysqlError (retriable) naming the address and what to check when the server cannot be reached.
 * @internal
 */
export async function connect(client: MysqlClient): Promise<PoolConnection> {
  try {
    return await client.pool.getConnection();
  } catch (err) {
    throw wrapMysqlError("cannot connect", err, { address: client.address, retriable: true });
  }
}

/** Ends the pool if the connector created it. @internal */
export async function closeClient(client: MysqlClient | undefined): Promise<void> {
  if (client?.owned) await client.pool.end().catch(() => {});
}

/** `` `db`.`table` `` from `"db.table"` or `"table"`. @internal */
export function escapeTable(table: string): string {
  return mysql.escapeId(table);
}

/** `` `column` `` (dots are part of the name). @internal */
export function escapeColumn(column: string): string {
  return mysql.escapeId(column, true);
}

/** A value for a SQL text: plain objects and arrays become JSON; the rest as mysql2 escapes it. @internal */
export function escapeValue(value: unknown): string {
  if (value === undefined) return "DEFAULT";
  if (value !== null && typeof value === "object" && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    return mysql.escape(JSON.stringify(value));
  }
  return mysql.escape(value as string);
}

/**
 * The column names `sql` returns (run with `LIMIT 0`, no rows read). A missing table or column
 * becomes a {@link MysqlError} naming it.
 * @internal
 */
export async function resultColumns(
  conn: PoolConnection,
  sql: string,
  ctx: { address: string; table: string; what: string },
): Promise<string[]> {
  try {
    const [, fields] = await conn.query(`${sql} LIMIT 0`);
    return (fields ?? []).map((f) => f.name);
  } catch (err) {
    const e = err as { errno?: number };
    if (e.errno === 1146) {
      throw wrapMysqlError(`table ${ctx.table} does not exist (${ctx.what})`, err, {
        address: ctx.address,
        table: ctx.table,
        retriable: false,
      });
    }
    if (e.errno === 1054) {
      throw wrapMysqlError(`a column of ${ctx.what} is not in ${ctx.table}`, err, {
        address: ctx.address,
        table: ctx.table,
        retriable: false,
      });
    }
    throw wrapMysqlError(ctx.what, err, { address: ctx.address, table: ctx.table });
  }
}
