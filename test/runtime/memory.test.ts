import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("bounded memory", () => {
  it("a 4M-record job (async source, fan-out, window, acks) runs in a 48 MB heap", () => {
    const out = execFileSync(
      process.execPath,
      ["--max-old-space-size=48", "--import", "tsx", "test/runtime/fixtures/bounded-job.ts", "4000000"],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(out.trim()).toBe("4000000");
  }, 130_000);
});
