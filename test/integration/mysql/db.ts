import { randomBytes } from "node:crypto";
import mysql, { type Connection } from "mysql2/promise";
import { inject } from "vitest";

/** The MariaDB the global setup provided (throws when the run excluded it). */
export function mysqlConfig() {
  const cfg = inject("mysql");
  if (cfg === undefined)
    throw new Error("MariaDB excluded by MASS_TEST_SERVICES: run without it or include mariadb");
  return cfg;
}

/** A unique table name for one test: `mass_<prefix>_<random>`. */
export function uniqueTable(prefix: string): string {
  return `mass_${prefix}_${randomBytes(4).toString("hex")}`;
}

/** A plain connection for the test's own setup and checks. */
export function adminConnection(): Promise<Connection> {
  return mysql.createConnection({ ...mysqlConfig(), multipleStatements: true });
}
