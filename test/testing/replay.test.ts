import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/index.js";
import { replayFromEnv, replaySettings } from "../../src/testing/index.js";

const saved = fc.readConfigureGlobal();
afterEach(() => fc.configureGlobal(saved));

describe("replaying a failing fast-check property (FC_SEED, FC_PATH)", () => {
  it("reads the seed, path and runs from the environment, and rejects what fast-check would not take", () => {
    expect(replaySettings({})).toEqual({});
    expect(replaySettings({ FC_SEED: "-1658324280", FC_PATH: "0:0:1:0", FC_NUM_RUNS: "500" })).toEqual({
      seed: -1658324280,
      path: "0:0:1:0",
      numRuns: 500,
    });
    expect(() => replaySettings({ FC_SEED: "abc" })).toThrow(ConfigError);
    expect(() => replaySettings({ FC_PATH: "0,1" })).toThrow(
      /FC_PATH must be fast-check's counterexample path/,
    );
  });

  it("the printed seed and path, given back through the environment, replay exactly the shrunk counterexample", () => {
    const property = fc.property(fc.array(fc.integer()), (xs) => xs.reduce((a, b) => a + b, 0) < 1000);
    const first = fc.check(property, { seed: Date.now() | 0 });
    expect(first.failed).toBe(true);
    const applied = replayFromEnv({ FC_SEED: String(first.seed), FC_PATH: first.counterexamplePath! });
    expect(applied).toEqual({ seed: first.seed, path: first.counterexamplePath });
    const again = fc.check(property);
    expect(again.failed).toBe(true);
    expect(again.numRuns).toBe(1); // straight to the counterexample
    expect(again.counterexample).toEqual(first.counterexample);
  });
});
