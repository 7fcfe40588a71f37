import { describe, expect, it } from "vitest";
import { assignWindows, ConfigError, session, sliding, tumbling, windowStart } from "../../../src/index.js";

describe("window assigners (Flink's boundaries)", () => {
  it("tumbling: half-open windows, start as TimeWindow.getWindowStartWithOffset", () => {
    const t = tumbling(5000);
    expect(assignWindows(t, 0)).toEqual([0]);
    expect(assignWindows(t, 4999)).toEqual([0]);
    expect(assignWindows(t, 5000)).toEqual([5000]);
    expect(assignWindows(t, -1)).toEqual([-5000]);
    expect(assignWindows(t, -5000)).toEqual([-5000]);
    expect(assignWindows(t, -5001)).toEqual([-10000]);
  });

  it("tumbling with an offset shifts the grid", () => {
    const t = tumbling(3_600_000, { offset: 15 * 60_000 });
    expect(assignWindows(t, 15 * 60_000)).toEqual([15 * 60_000]);
    expect(assignWindows(t, 15 * 60_000 - 1)).toEqual([15 * 60_000 - 3_600_000]);
    expect(windowStart(7, 2, 5)).toBe(7);
    expect(windowStart(6, 2, 5)).toBe(2);
    expect(windowStart(-4, 2, 5)).toBe(-8);
  });

  it("sliding: each record in size/slide windows, latest first", () => {
    const s = sliding(10_000, 5000);
    expect(assignWindows(s, 0)).toEqual([0, -5000]);
    expect(assignWindows(s, 4999)).toEqual([0, -5000]);
    expect(assignWindows(s, 5000)).toEqual([5000, 0]);
    expect(assignWindows(sliding(10, 3), 10)).toEqual([9, 6, 3]);
    expect(assignWindows(sliding(10, 3), -1)).toEqual([-3, -6, -9]);
  });

  it("rejects bad sizes with ConfigErrors", () => {
    expect(() => tumbling(0)).toThrow(ConfigError);
    expect(() => tumbling(10, { offset: 10 })).toThrow(/offset/);
    expect(() => sliding(10, 0)).toThrow(/slide must be a positive integer/);
    expect(() => session(-1)).toThrow(/gap must be a positive integer/);
  });
});
