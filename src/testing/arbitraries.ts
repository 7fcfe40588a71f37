import fc from "fast-check";

/** A generated event: a key, an event time (ms), a value and its position in the stream. */
export interface TestEvent {
  /** Position in the generated stream (0-based), handy to tell records apart. */
  readonly id: number;
  readonly key: string;
  readonly ts: number;
  readonly value: number;
}

/** Options of {@link eventStream}. */
export interface EventStreamOptions {
  /** Distinct keys (`"k0"`, `"k1"`, ...). Default 3. */
  keys?: number;
  /** Events at most. Default 60. */
  maxLength?: number;
  /** Largest step of event time between consecutive events, ms. Default 300. */
  maxStep?: number;
  /** Largest disorder: an event may come up to this many ms before the latest seen. Default 500. */
  maxDisorder?: number;
  /** Share (0..1) of events sent far behind (late beyond any reasonable bound). Default 0.05. */
  lateShare?: number;
  /** How far behind a late event comes, ms. Default 5,000. */
  lateBy?: number;
  /** Share (0..1) of steps that are idle gaps of `idleGap` ms. Default 0.05. */
  idleShare?: number;
  /** Length of an idle gap in event time, ms. Default 10,000. */
  idleGap?: number;
  /** Timestamps are multiples of this (a coarse grid makes boundary cases frequent). Default 1. */
  grid?: number;
  /** First event time. Default 0. */
  start?: number;
}

/**
 * fast-check arbitrary of event streams with keys, mostly increasing timestamps with bounded
 * disorder, some late events and idle gaps: the inputs of window, trigger and join properties.
 */
export function eventStream(options: EventStreamOptions = {}): fc.Arbitrary<TestEvent[]> {
  const o = {
    keys: 3,
    maxLength: 60,
    maxStep: 300,
    maxDisorder: 500,
    lateShare: 0.05,
    lateBy: 5000,
    idleShare: 0.05,
    idleGap: 10_000,
    grid: 1,
    start: 0,
    ...options,
  };
  const step = fc.record({
    key: fc.integer({ min: 0, max: o.keys - 1 }),
    step: fc.integer({ min: 0, max: o.maxStep }),
    disorder: fc.integer({ min: 0, max: o.maxDisorder }),
    kind: fc.double({ min: 0, max: 1, noNaN: true }),
    value: fc.integer({ min: -100, max: 100 }),
  });
  return fc.array(step, { maxLength: o.maxLength }).map((steps) => {
    let clock = o.start;
    return steps.map((s, id) => {
      if (s.kind < o.idleShare) clock += o.idleGap;
      clock += s.step;
      let ts = clock - s.disorder;
      if (s.kind > 1 - o.lateShare) ts = clock - o.lateBy;
      ts = Math.round(ts / o.grid) * o.grid;
      return { id, key: `k${s.key}`, ts, value: s.value };
    });
  });
}
