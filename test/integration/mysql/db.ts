import { randomBytes } from "node:crypto";
import mysql, { type Connection } from "mysql2/promise";
import { inject } from "vitest";
import { type MariaDbConfig, mariaDbConfig } from "../../../scripts/services/mariadb.js";

/**
 * The MariaDB of this run: the one the global setup provided, or (for tests of another service
 * that also need MySQL, e.g. the MySQL-to-Elasticsearch crash test) the one the environment
 * names; such a test calls `ensureMariaDb()` from scripts/services/mariadb.ts first.
 */
export function mysqlConfig(): MariaDbConfig {
  return (inject("mysql") as MariaDbConfig | undefined) ?? mariaDbConfig();
}

/** A unique table name for one test: `mass_<prefix>_<random>`. */
export function uniqueTable(prefix: string): string {
  return `mass_${prefix}_${randomBytes(4).toString("hex")}`;
}

/** A plain connection for the test's own setup and checks. */
export function adminConnection(): Promise<Connection> {
  return mysql.createConnection({ ...mysqlConfig(), multipleStatements: true });
}
