import { ConnectorError, type MassErrorOptions } from "../../errors.js";

/** Options of a {@link MysqlError}. */
export interface MysqlErrorOptions extends MassErrorOptions {
  /** The table concerned (escaped form, e.g. `` `test`.`orders` ``), where known. */
  table?: string;
  /** MySQL's symbolic error code, e.g. `"ER_DUP_ENTRY"`, or a socket code such as `"ECONNREFUSED"`. */
  code?: string;
  /** MySQL's numeric error code, e.g. 1062. */
  errno?: number;
  /** The SQLSTATE, e.g. `"23000"`. */
  sqlState?: string;
}

/**
 * An error of the MySQL connector (`mass-stream/connectors/mysql`): a {@link ConnectorError}
 * with the table and MySQL's own error code, number and SQLSTATE. A dead letter for a row the
 * database refused carries one of these (`code: "ER_DATA_TOO_LONG"`, `errno: 1406`).
 */
export class MysqlError extends ConnectorError {
  readonly table?: string;
  readonly code?: string;
  readonly errno?: number;
  readonly sqlState?: string;

  constructor(message: string, options: MysqlErrorOptions = {}) {
    super(message, { connector: "mysql", ...options });
    if (options.table !== undefined) this.table = options.table;
    if (options.code !== undefined) this.code = options.code;
    if (options.errno !== undefined) this.errno = options.errno;
    if (options.sqlState !== undefined) this.sqlState = options.sqlState;
  }
}

/** The fields mysql2 puts on its errors. @internal */
export interface DriverError {
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  message?: string;
  fatal?: boolean;
}

/** ER_LOCK_DEADLOCK and ER_LOCK_WAIT_TIMEOUT: the transaction may succeed when run again. @internal */
export function isTransient(err: unknown): boolean {
  const e = err as DriverError;
  return e?.errno === 1213 || e?.errno === 1205;
}

/** The server lost or refused the connection (no SQL error). @internal */
export function isConnectionError(err: unknown): boolean {
  const e = err as DriverError;
  if (e === null || typeof e !== "object") return false;
  if (e.fatal === true) return true;
  return (
    typeof e.code === "string" &&
    (e.code.startsWith("E") || e.code.startsWith("PROTOCOL_")) &&
    !e.code.startsWith("ER_")
  );
}

/**
 * A row's own data was refused (SQLSTATE class 22 "data exception" or 23 "integrity constraint",
 * or an incorrect / truncated value): running the other rows without it may succeed.
 * @internal
 */
export function isRowError(err: unknown): boolean {
  const e = err as DriverError;
  if (e === null || typeof e !== "object" || e.fatal === true) return false;
  if (e.errno === 1366 || e.errno === 1292 || e.errno === 1265) return true;
  return typeof e.sqlState === "string" && (e.sqlState.startsWith("22") || e.sqlState.startsWith("23"));
}

/** `ER_DUP_ENTRY (1062): Duplicate entry ...`: the driver error in one line. @internal */
export function driverText(err: unknown): string {
  const e = err as DriverError;
  if (e === null || typeof e !== "object") return String(err);
  const code = e.code === undefined ? "" : `${e.code}${e.errno === undefined ? "" : ` (${e.errno})`}: `;
  return `${code}${e.sqlMessage ?? e.message ?? String(err)}`;
}

/**
 * Wraps a driver error into a {@link MysqlError} whose message says what failed (`what`), the
 * server's text and, for a connection failure, the address and what to check.
 * @internal
 */
export function wrapMysqlError(
  what: string,
  err: unknown,
  ctx: { address: string; table?: string; retriable?: boolean },
): MysqlError {
  if (err instanceof MysqlError) return err;
  const e = err as DriverError;
  const conn = isConnectionError(err);
  const hint = conn
    ? `; check that MySQL/MariaDB is running on ${ctx.address} and that the connection options (host, port, user, password, database) are right`
    : "";
  return new MysqlError(`mysql: ${what} on ${ctx.address}: ${driverText(err)}${hint}`, {
    cause: err,
    retriable: ctx.retriable ?? (conn || isTransient(err)),
    ...(ctx.table === undefined ? {} : { table: ctx.table }),
    ...(e?.code === undefined ? {} : { code: e.code }),
    ...(e?.errno === undefined ? {} : { errno: e.errno }),
    ...(e?.sqlState === undefined ? {} : { sqlState: e.sqlState }),
  });
}
