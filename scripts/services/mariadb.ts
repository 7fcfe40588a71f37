/**
 * MariaDB for the integration tests and benchmarks. It runs on these machines already
 * (127.0.0.1:3306, root, empty password, database `test`: ../shared/SERVICES.md); this script
 * only makes sure it is up, starting it with start-stop-daemon when it is not, and never stops it
 * (it is not ours).
 *
 *   node --import tsx scripts/services/mariadb.ts start   # ensures it is up, prints the URL
 *
 * Environment: `MASS_TEST_MYSQL_HOST` (default 127.0.0.1), `MASS_TEST_MYSQL_PORT` (default 3306),
 * `MASS_TEST_MYSQL_USER` (default root), `MASS_TEST_MYSQL_PASSWORD` (default empty),
 * `MASS_TEST_MYSQL_DATABASE` (default test).
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import mysql from "mysql2/promise";

/** Where the tests find MariaDB. */
export interface MariaDbConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** The configuration from the environment (see the file's docs). */
export function mariaDbConfig(): MariaDbConfig {
  return {
    host: process.env.MASS_TEST_MYSQL_HOST ?? "127.0.0.1",
    port: Number(process.env.MASS_TEST_MYSQL_PORT ?? 3306),
    user: process.env.MASS_TEST_MYSQL_USER ?? "root",
    password: process.env.MASS_TEST_MYSQL_PASSWORD ?? "",
    database: process.env.MASS_TEST_MYSQL_DATABASE ?? "test",
  };
}

async function reachable(cfg: MariaDbConfig): Promise<unknown> {
  try {
    const c = await mysql.createConnection({ ...cfg, connectTimeout: 2_000 });
    await c.query("CREATE DATABASE IF NOT EXISTS ??", [cfg.database]);
    await c.end();
    return undefined;
  } catch (err) {
    return err;
  }
}

/**
 * Resolves once MariaDB answers; starts the local server if it refuses connections.
 * @throws Error naming the address and the last connection error after 60 s.
 */
export async function ensureMariaDb(cfg: MariaDbConfig = mariaDbConfig()): Promise<MariaDbConfig> {
  let err = await reachable({ ...cfg, database: cfg.database });
  if (err === undefined) return cfg;
  const local = cfg.host === "127.0.0.1" || cfg.host === "localhost";
  if (local && (err as { code?: string }).code === "ECONNREFUSED") {
    const bin = spawnSync("sh", ["-c", "command -v mariadbd"], { encoding: "utf8" }).stdout.trim();
    if (bin === "")
      throw new Error("mariadb: not running and mariadbd is not installed (apt-get install mariadb-server)");
    spawnSync("start-stop-daemon", ["--start", "--oknodo", "--background", "--exec", bin]);
  }
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    err = await reachable(cfg);
    if (err === undefined) return cfg;
  }
  throw new Error(`mariadb: no answer on ${cfg.host}:${cfg.port} within 60 s: ${(err as Error).message}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cfg = await ensureMariaDb();
  process.stdout.write(`mysql://${cfg.user}@${cfg.host}:${cfg.port}/${cfg.database}\n`);
}
