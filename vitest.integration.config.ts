import { defineConfig } from "vitest/config";
import { enabledServices, SERVICES } from "./test/integration/setup/services.js";

const enabled = enabledServices();

/**
 * Integration tests against real servers that the project starts itself (one global setup per
 * service, each providing its address): `npm run test:integration`. Files run one after the
 * other in forked processes (they share the servers); timeouts are generous for a loaded machine.
 */
export default defineConfig({
  test: {
    include: enabled.map((s) => `test/integration/${s}/**/*.test.ts`),
    exclude: SERVICES.filter((s) => !enabled.includes(s)).map((s) => `test/integration/${s}/**`),
    globalSetup: enabled.map((s) => `test/integration/setup/${s}.ts`),
    pool: "forks",
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
    passWithNoTests: true,
  },
});
