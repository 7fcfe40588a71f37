import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.{ts,js,mjs}"],
    exclude: ["test/integration/**"],
    testTimeout: 30_000,
    pool: "forks",
  },
});
