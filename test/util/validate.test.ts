import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { checkKeys, closest } from "../../src/util/validate.js";

describe("checkKeys", () => {
  it("names the unknown key and the closest valid one", () => {
    const f = () => checkKeys("new Env(options)", { batchsize: 10 }, ["batchSize", "highWaterMark", "name"]);
    expect(f).toThrow(ConfigError);
    expect(f).toThrow('new Env(options): unknown option "batchsize" (did you mean "batchSize"?)');
  });
  it("lists the valid keys when none is close", () => {
    expect(() => checkKeys("retry(options)", { zzzzzzzz: 1 }, ["attempts", "backoff"])).toThrow(
      'unknown option "zzzzzzzz" (valid options: "attempts", "backoff")',
    );
  });
  it("accepts known keys, undefined and null", () => {
    expect(() => checkKeys("x", { a: 1, b: undefined }, ["a", "b"])).not.toThrow();
    expect(() => checkKeys("x", undefined, ["a"])).not.toThrow();
  });
  it("rejects a non-object", () => {
    expect(() => checkKeys("x", 42, ["a"])).toThrow("x: options must be an object, got 42");
  });
  it("finds typos of one or two letters", () => {
    expect(closest("maxOutOfOrderess", ["maxOutOfOrderness", "idleTimeout"])).toBe("maxOutOfOrderness");
    expect(closest("backof", ["attempts", "backoff", "retryOn"])).toBe("backoff");
    expect(closest("priorty", ["priority", "name"])).toBe("priority");
  });
});
