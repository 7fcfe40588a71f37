import type { TestProject } from "vitest/node";
import { ensureMariaDb, type MariaDbConfig } from "../../../scripts/services/mariadb.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** MariaDB to connect to (see scripts/services/mariadb.ts); absent when excluded by MASS_TEST_SERVICES. */
    mysql: MariaDbConfig | undefined;
  }
}

/**
 * Global setup: makes sure MariaDB is up (starting it if needed, never stopping it) and
 * provides its address as `inject("mysql")`. Skipped when `MASS_TEST_SERVICES` (a comma list)
 * does not name `mariadb`.
 */
export default async function setup(project: TestProject): Promise<void> {
  const wanted = process.env.MASS_TEST_SERVICES?.split(",").map((s) => s.trim());
  if (wanted !== undefined && !wanted.includes("mariadb")) {
    project.provide("mysql", undefined);
    return;
  }
  project.provide("mysql", await ensureMariaDb());
}
