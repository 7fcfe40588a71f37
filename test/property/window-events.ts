import fc from "fast-check";

/** A keyed, timestamped record of the window properties (`id`: its place in the input). */
export interface WindowEvent {
  id: number;
  k: string;
  t: number;
}

/**
 * Records of keys a..c whose timestamps mostly increase (steps of 0-400 ms from `start`) with
 * bounded disorder (jitter -900..+200 ms), so some fall far behind the watermark (late).
 */
export function disorderedEvents(o: { maxLength: number; start: number }): fc.Arbitrary<WindowEvent[]> {
  return fc
    .array(
      fc.record({
        k: fc.constantFrom("a", "b", "c"),
        step: fc.integer({ min: 0, max: 8 }).map((x) => x * 50),
        jitter: fc.integer({ min: -18, max: 4 }).map((x) => x * 50),
      }),
      { maxLength: o.maxLength },
    )
    .map((xs) => {
      let base = o.start;
      return xs.map((x, id): WindowEvent => {
        base += x.step;
        return { id, k: x.k, t: base + x.jitter };
      });
    });
}
