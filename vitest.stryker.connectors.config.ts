import { strykerVitest } from "./vitest.stryker.shared.js";

/** Tests that cover the connectors' commit paths without a server (stryker.connectors.config.json). */
export default strykerVitest(["test/connectors/cursor-acks.test.ts", "test/connectors/memory/*.test.ts"]);
