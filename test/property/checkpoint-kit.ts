// Shared driver of the checkpoint properties: runs a job on a TestHarness uninterrupted, and
// again split at a point (prefix, checkpoint, v8 round trip, restore into a fresh harness,
// suffix); the outputs must be equal.
import fc from "fast-check";
import type { Stream } from "../../src/env/stream.js";
import { type HarnessCheckpoint, TestHarness } from "../../src/testing/index.js";

/** One input record with its event time. */
export type Entry<T> = readonly [T, number];

/** Inputs by name, each a list of `[record, ts]` in arrival order. */
export type Inputs = Record<string, readonly Entry<unknown>[]>;

/** Builds the job on a harness: declares its inputs (by name) and output `"out"` (and others). */
export type BuildJob = (h: TestHarness, input: <T>(name: string) => Stream<T>) => void;

/** Batch sizes every checkpoint property runs at. */
export const batchSizes = fc.constantFrom(1, 7, 1024);

/** Everything every output received, by output name. */
export type Outputs = Record<string, unknown[]>;

function make(build: BuildJob, batchSize: number, outputs: string[], restore?: HarnessCheckpoint) {
  const h = new TestHarness({ batchSize, restore });
  const streams = new Map<string, Stream<unknown>>();
  const input = <T>(name: string): Stream<T> => {
    let s = streams.get(name);
    if (s === undefined) {
      s = h.input(name);
      streams.set(name, s);
    }
    return s as Stream<T>;
  };
  build(h, input);
  return {
    h,
    received: (): Outputs => Object.fromEntries(outputs.map((o) => [o, [...h.received(o)]])),
  };
}

/** Pushes the entries `from..to-1` of every input, input by input, `turn` records at a time. */
async function feed(h: TestHarness, inputs: Inputs, cuts: Record<string, [number, number]>) {
  for (const [name, entries] of Object.entries(inputs)) {
    const [from, to] = cuts[name];
    if (to > from) await h.pushAll(name, entries.slice(from, to));
  }
}

/**
 * Runs `build` on `inputs` without interruption, and split: each input's first `split[name]`
 * entries, a checkpoint, the rest in a new harness restored from it. Returns both outputs.
 */
export async function runSplit(
  build: BuildJob,
  inputs: Inputs,
  split: Record<string, number>,
  batchSize: number,
  outputs: string[] = ["out"],
): Promise<{ whole: Outputs; split: Outputs; checkpoint: HarnessCheckpoint }> {
  const all = Object.fromEntries(
    Object.entries(inputs).map(([n, e]) => [n, [0, e.length] as [number, number]]),
  );
  const prefix = Object.fromEntries(Object.keys(inputs).map((n) => [n, [0, split[n]] as [number, number]]));
  const suffix = Object.fromEntries(
    Object.entries(inputs).map(([n, e]) => [n, [split[n], e.length] as [number, number]]),
  );

  // uninterrupted: fed in the same two steps (with several inputs, the order in which their
  // records arrive decides what is late), without the checkpoint in between
  const a = make(build, batchSize, outputs);
  await feed(a.h, inputs, prefix);
  await feed(a.h, inputs, suffix);
  await a.h.finish();
  const whole = a.received();

  const b = make(build, batchSize, outputs);
  await feed(b.h, inputs, prefix);
  const checkpoint = await b.h.checkpoint();
  const first = b.received();
  await b.h.env.stop(); // (what it emits from here on is not looked at: a crash)

  const c = make(build, batchSize, outputs, checkpoint);
  c.h.start();
  await feed(c.h, inputs, suffix);
  await c.h.finish();
  const second = c.received();
  const joined = Object.fromEntries(outputs.map((o) => [o, [...first[o], ...second[o]]]));
  return { whole, split: joined, checkpoint };
}

/** Event streams: keys a..d, time mostly increasing with bounded disorder and some far behind. */
export function timedEvents(maxLength = 120) {
  return fc
    .array(
      fc.record({
        k: fc.constantFrom("a", "b", "c", "d"),
        step: fc.integer({ min: 0, max: 8 }).map((x) => x * 50),
        jitter: fc.integer({ min: -18, max: 4 }).map((x) => x * 50),
        v: fc.integer({ min: -100, max: 100 }),
      }),
      { maxLength },
    )
    .map((xs) => {
      let base = 0;
      return xs.map((x, id) => {
        base += x.step;
        return { id, k: x.k, t: base + x.jitter, v: x.v };
      });
    });
}

/** A record of {@link timedEvents}. */
export interface Ev {
  id: number;
  k: string;
  t: number;
  v: number;
}

/** An event list with a split point in `0..length`. */
export function eventsWithSplit(maxLength = 120) {
  return timedEvents(maxLength).chain((evs) =>
    fc.tuple(fc.constant(evs), fc.integer({ min: 0, max: evs.length })),
  );
}

/**
 * Results grouped by key, each key's results in arrival order, keys sorted. Where batches end
 * may change how results of different keys interleave (the uninterrupted run reads one batch
 * where the split run reads two), never the order of one key's results.
 */
export function byKey(results: unknown[]): [string, unknown[]][] {
  const m = new Map<string, unknown[]>();
  for (const r of results) {
    const k = JSON.stringify((r as { key?: unknown }).key ?? (r as { k?: unknown }).k);
    let xs = m.get(k);
    if (xs === undefined) {
      xs = [];
      m.set(k, xs);
    }
    xs.push(r);
  }
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** {@link byKey} of every output. */
export function keyed(outputs: Outputs): Record<string, [string, unknown[]][]> {
  return Object.fromEntries(Object.entries(outputs).map(([o, rs]) => [o, byKey(rs)]));
}
