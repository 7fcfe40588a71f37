import { describe, expect, it } from "vitest";
import { benchmark, median } from "../../src/bench/index.js";

describe("mass-stream/bench", () => {
  it("measures a job over runs in fresh processes and checks the runs agree", async () => {
    const r = await benchmark(
      { module: new URL("./fixtures/sum-job.ts", import.meta.url), export: "sumJob" },
      { records: 10_000, runs: 2 },
    );
    let expected = 0;
    for (let i = 0; i < 10_000; i++) if ((i * 2) % 3 !== 0) expected += i * 2;
    expect(r.checksum).toBe(String(expected));
    expect(r.runs).toHaveLength(2);
    expect(new Set(r.runs.map((m) => m.checksum)).size).toBe(1);
    expect(r.recordsPerSecond).toBeGreaterThan(0);
    expect(r.peakRssMB).toBeGreaterThan(r.runs[0].baseRssMB * 0.5);
    expect(r.runs[0]).toMatchObject({ scenario: "sumJob", impl: "sumJob", records: 10_000 });
  }, 60_000);

  it("reports a missing export clearly", async () => {
    await expect(
      benchmark(
        { module: new URL("./fixtures/sum-job.ts", import.meta.url), export: "nope" },
        { records: 1, runs: 1 },
      ),
    ).rejects.toThrow(/no function export "nope"/);
    expect(median([3, 1, 2])).toBe(2);
  }, 60_000);
});
