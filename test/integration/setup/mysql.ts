/**
 * Vitest global setup: makes sure MariaDB is up (scripts/services/mariadb.ts: it runs on these
 * machines; started if it refuses connections, never stopped) and provides its address as
 * `inject("mysql")`, unless `MASS_TEST_SERVICES` leaves `mysql` out.
 */
import type { TestProject } from "vitest/node";
import { ensureMariaDb, type MariaDbConfig } from "../../../scripts/services/mariadb.js";
import { serviceEnabled } from "./services.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** MariaDB to connect to (see scripts/services/mariadb.ts). */
    mysql: MariaDbConfig;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  if (!serviceEnabled("mysql")) return;
  project.provide("mysql", await ensureMariaDb());
}
