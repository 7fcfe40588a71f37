import { defineConfig } from "vitest/config";
import { SERVICES, setupServices, testedServices } from "./test/integration/setup/services.js";

const tested = testedServices();

/**
 * Integration tests against real servers that the project starts itself (one global setup per
 * service, each providing its address): `npm run test:integration`. Files run one after the
 * other in forked processes (they share the servers); timeouts are generous for a loaded machine.
 */
export default defineConfig({
  test: {
    include: tested.map((s) => `test/integration/${s}/**/*.test.ts`),
    exclude: SERVICES.filter((s) => !tested.includes(s)).map((s) => `test/integration/${s}/**`),
    globalSetup: setupServices().map((s) => `test/integration/setup/${s}.ts`),
    pool: "forks",
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
    passWithNoTests: true,
  },
});
