import { describe, expect, it } from "vitest";
import { backoffDelay, ConfigError, isRetriable, retry } from "../../src/index.js";
import { checkFaultPolicy } from "../../src/operators/fault-policy.js";

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("retry(options) validation names the option", () => {
  it.each([
    [{ attempts: 0 }, /^retry\.attempts must be an integer >= 1, got 0$/],
    [
      { backoff: { type: "linear" } },
      /^retry\.backoff\.type must be one of 'fixed', 'exponential', got "linear"$/,
    ],
    [{ backoff: { delayMs: -1 } }, /^retry\.backoff\.delayMs must be a number >= 0, got -1$/],
    [{ backoff: { factor: 0.5 } }, /^retry\.backoff\.factor must be a number >= 1, got 0.5$/],
    [{ backoff: { maxDelayMs: -5 } }, /^retry\.backoff\.maxDelayMs must be a number >= 0, got -5$/],
    [{ backoff: { jitter: -0.1 } }, /^retry\.backoff\.jitter must be a number >= 0, got -0.1$/],
    [{ backoff: { jitter: 1.5 } }, /^retry\.backoff\.jitter must be in \[0, 1\], got 1.5$/],
    [{ retryOn: "all" }, /^retry\.retryOn must be a function, got "all"$/],
    [
      { onExhausted: "drop" },
      /^retry\.onExhausted must be one of 'fail', 'skip', 'dead-letter', got "drop"$/,
    ],
    [{ atempts: 2 }, /^retry\(options\): unknown option "atempts" \(did you mean "attempts"\?\)$/],
    [
      { backoff: { delay: 2 } },
      /^retry options\.backoff: unknown option "delay" \(did you mean "delayMs"\?\)$/,
    ],
  ])("%j", (options, message) => {
    expect(configError(() => retry(options as never)).message).toMatch(message);
  });

  it("jitter 1 is allowed (the bound is inclusive)", () => {
    expect(retry({ backoff: { jitter: 1 } }).backoff.jitter).toBe(1);
  });

  it("fills every default", () => {
    const p = retry();
    expect(p).toMatchObject({ kind: "retry", attempts: 3, onExhausted: "fail" });
    expect(p.backoff).toEqual({
      type: "exponential",
      delayMs: 100,
      factor: 2,
      maxDelayMs: 30_000,
      jitter: 0,
    });
    expect(retry({ backoff: { delayMs: 0, factor: 3 } }).backoff).toMatchObject({
      delayMs: 0,
      factor: 3,
      maxDelayMs: 30_000,
    });
    const on = (e: unknown) => e === 1;
    expect(retry({ retryOn: on }).retryOn).toBe(on);
  });
});

describe("backoffDelay", () => {
  const b = (o: object) => retry({ backoff: o }).backoff;
  it("fixed keeps delayMs for every attempt; exponential multiplies by factor from the second", () => {
    expect([2, 3, 5].map((n) => backoffDelay(b({ type: "fixed", delayMs: 40 }), n))).toEqual([40, 40, 40]);
    expect([2, 3, 5].map((n) => backoffDelay(b({ delayMs: 40, factor: 3 }), n))).toEqual([40, 120, 1080]);
    expect(backoffDelay(b({ delayMs: 40, factor: 3, maxDelayMs: 100 }), 5)).toBe(100);
  });

  it("jitter spreads the delay within [1 - jitter, 1 + jitter]", () => {
    const j = b({ type: "fixed", delayMs: 100, jitter: 0.5 });
    expect(backoffDelay(j, 2, () => 0)).toBe(50);
    expect(backoffDelay(j, 2, () => 0.5)).toBe(100);
    expect(backoffDelay(j, 2, () => 0.999)).toBeCloseTo(149.9, 5);
  });
});

describe("isRetriable", () => {
  it("retries errors and odd throwables, not programming errors nor retriable: false", () => {
    expect(isRetriable(new Error("x"))).toBe(true);
    expect(isRetriable(null)).toBe(true);
    expect(isRetriable(undefined)).toBe(true);
    expect(isRetriable("text")).toBe(true);
    expect(isRetriable({ retriable: true })).toBe(true);
    expect(isRetriable({ retriable: false })).toBe(false);
    expect(isRetriable(Object.assign(new Error("no"), { retriable: false }))).toBe(false);
    expect(isRetriable(new TypeError("t"))).toBe(false);
    expect(isRetriable(new RangeError("r"))).toBe(false);
  });
});

describe("checkFaultPolicy", () => {
  it("accepts the three names and a retry policy, rejects anything else naming the path", () => {
    expect(checkFaultPolicy("p", "fail")).toBe("fail");
    expect(checkFaultPolicy("p", "skip")).toBe("skip");
    expect(checkFaultPolicy("p", "dead-letter")).toBe("dead-letter");
    const r = retry();
    expect(checkFaultPolicy("p", r)).toBe(r);
    for (const bad of [null, undefined, {}, { kind: "other" }, "drop", 3]) {
      const err = configError(() => checkFaultPolicy("map options.onError", bad));
      expect(err.message).toMatch(
        /^map options\.onError must be 'fail', 'skip', 'dead-letter' or retry\(\{\.\.\.\}\), got /,
      );
      expect(err.option).toBe("map options.onError");
    }
    expect(configError(() => checkFaultPolicy("p", undefined)).message).toMatch(/got undefined$/);
    expect(configError(() => checkFaultPolicy("p", "drop")).message).toMatch(/got "drop"$/);
  });
});
