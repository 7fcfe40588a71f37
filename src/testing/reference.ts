/**
 * Reference models, as plain loops over arrays, of what Mass computes: compare a job's output
 * with them in a property test. Each takes the records in arrival order with their timestamps.
 */

/** One window result of a reference model: key, bounds and the records it holds (arrival order). */
export interface RefWindow<T> {
  key: unknown;
  start: number;
  end: number;
  records: T[];
}

/** Options of {@link referenceTimeWindows}. */
export interface RefWindowOptions<T> {
  key: (r: T) => unknown;
  ts: (r: T) => number;
  /** Window size and slide in ms (slide = size for tumbling). */
  size: number;
  slide?: number;
  maxOutOfOrderness?: number;
  allowedLateness?: number;
}

/**
 * Tumbling / sliding event-time windows with bounded out-of-orderness and allowed lateness, as
 * Flink defines them, per record: the watermark after each record is `max ts - ooo - 1`; a record
 * joins every window `[start, start + size)` containing it unless `end - 1 + lateness <= wm`; a
 * window fires when `wm >= end - 1`, again for each allowed late record, and is gone past
 * `end - 1 + lateness`; at the end every window left fires. A record in no window (a gap between
 * sliding windows with `slide > size`) is unassigned, not late. Returns every firing (re-firings
 * included), the records dropped as late and the unassigned ones.
 */
export function referenceTimeWindows<T>(
  records: T[],
  o: RefWindowOptions<T>,
): { results: RefWindow<T>[]; late: T[]; unassigned: T[] } {
  const slide = o.slide ?? o.size;
  const ooo = o.maxOutOfOrderness ?? 0;
  const lateness = o.allowedLateness ?? 0;
  const results: RefWindow<T>[] = [];
  const late: T[] = [];
  const unassigned: T[] = [];
  type Win = RefWindow<T> & { fired: boolean };
  // keys compared as a Map compares them (SameValueZero: -0 is 0, NaN is NaN, 1 is not "1"),
  // as Mass's keyBy does; windows iterated in creation order
  const byKey = new Map<unknown, Map<number, Win>>();
  const wins = new Set<Win>();
  let maxTs = Number.NEGATIVE_INFINITY;
  const snapshot = (w: RefWindow<T>) => ({ key: w.key, start: w.start, end: w.end, records: [...w.records] });
  for (const r of records) {
    const t = o.ts(r);
    const wm = maxTs - ooo - 1;
    let kept = false;
    const first = t - (((t % slide) + slide) % slide);
    if (first + o.size <= t) unassigned.push(r);
    for (let start = first; start > t - o.size; start -= slide) {
      const end = start + o.size;
      if (end - 1 + lateness <= wm) continue;
      kept = true;
      const k = o.key(r);
      let starts = byKey.get(k);
      if (starts === undefined) {
        starts = new Map();
        byKey.set(k, starts);
      }
      let w = starts.get(start);
      if (w === undefined) {
        w = { key: k, start, end, records: [], fired: false };
        starts.set(start, w);
        wins.add(w);
      }
      w.records.push(r);
      if (w.fired || end - 1 <= wm) {
        w.fired = true;
        results.push(snapshot(w));
      }
    }
    if (!kept && first + o.size > t) late.push(r);
    maxTs = Math.max(maxTs, t);
    const now = maxTs - ooo - 1;
    for (const w of wins) {
      if (!w.fired && w.end - 1 <= now) {
        w.fired = true;
        results.push(snapshot(w));
      }
      if (w.end - 1 + lateness <= now) {
        wins.delete(w);
        byKey.get(w.key)?.delete(w.start);
      }
    }
  }
  for (const w of wins) if (!w.fired) results.push(snapshot(w));
  return { results, late, unassigned };
}

/**
 * Session windows when nothing is late: per key, records sorted by time, a new session where a
 * record comes after the current session's end (`last ts + gap`; touching merges, as Flink).
 */
export function referenceSessions<T>(
  records: T[],
  o: { key: (r: T) => unknown; ts: (r: T) => number; gap: number },
): RefWindow<T>[] {
  const out: RefWindow<T>[] = [];
  const keys = [...new Set(records.map(o.key))];
  for (const k of keys) {
    const rs = records.filter((r) => sameKey(o.key(r), k)).sort((a, b) => o.ts(a) - o.ts(b));
    let cur: RefWindow<T> | null = null;
    for (const r of rs) {
      const t = o.ts(r);
      if (cur === null || t > cur.end) {
        cur = { key: k, start: t, end: t + o.gap, records: [] };
        out.push(cur);
      }
      cur.records.push(r);
      cur.end = Math.max(cur.end, t + o.gap);
    }
  }
  return out;
}

/** Options of {@link referenceSessionWindows}. */
export interface RefSessionOptions<T> {
  key: (r: T) => unknown;
  ts: (r: T) => number;
  /** Session gap in ms. */
  gap: number;
  maxOutOfOrderness?: number;
  allowedLateness?: number;
}

/**
 * Session windows with bounded out-of-orderness and allowed lateness, per record, as Flink's
 * WindowOperator with EventTimeSessionWindows and the accumulating EventTimeTrigger: the
 * watermark after each record is `max ts - ooo - 1`; a record opens `[ts, ts + gap)` and merges
 * every live session of its key it intersects (touching included); if the merged session is past
 * `end - 1 + lateness` the record is late; else the session fires at once when `end - 1 <= wm`,
 * otherwise when the watermark reaches `end - 1` (again after an earlier firing, if it got new
 * records); it is gone past `end - 1 + lateness`. At the end every session with records not yet
 * shown fires. Returns every firing and the late records.
 */
export function referenceSessionWindows<T>(
  records: T[],
  o: RefSessionOptions<T>,
): { results: RefWindow<T>[]; late: T[] } {
  const ooo = o.maxOutOfOrderness ?? 0;
  const lateness = o.allowedLateness ?? 0;
  type S = RefWindow<T> & { pending: boolean };
  const sessions: S[] = [];
  const results: RefWindow<T>[] = [];
  const late: T[] = [];
  const show = (s: S) => {
    s.pending = false;
    results.push({ key: s.key, start: s.start, end: s.end, records: [...s.records] });
  };
  let maxTs = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    const t = o.ts(r);
    const k = o.key(r);
    const wm = maxTs - ooo - 1;
    const hits = sessions.filter((s) => sameKey(s.key, k) && s.start <= t + o.gap && s.end >= t);
    const start = Math.min(t, ...hits.map((s) => s.start));
    const end = Math.max(t + o.gap, ...hits.map((s) => s.end));
    if (end - 1 + lateness <= wm) late.push(r);
    else {
      const merged: S = { key: k, start, end, records: [], pending: true };
      for (const s of hits) {
        merged.records.push(...s.records);
        sessions.splice(sessions.indexOf(s), 1);
      }
      merged.records.push(r);
      sessions.push(merged);
      if (end - 1 <= wm) show(merged);
    }
    maxTs = Math.max(maxTs, t);
    const now = maxTs - ooo - 1;
    for (const s of [...sessions]) {
      if (s.pending && s.end - 1 <= now) show(s);
      if (s.end - 1 + lateness <= now) sessions.splice(sessions.indexOf(s), 1);
    }
  }
  for (const s of sessions) if (s.pending) show(s);
  return { results, late };
}

/** Keys and event times of the two sides of a reference join. */
export interface RefJoinSides<L, R> {
  leftKey: (l: L) => unknown;
  rightKey: (r: R) => unknown;
  leftTs: (l: L) => number;
  rightTs: (r: R) => number;
}

/** Interval join when nothing is late: every same-key pair with `l.ts + lower <= r.ts <= l.ts + upper`. */
export function referenceIntervalJoin<L, R>(
  left: L[],
  right: R[],
  o: RefJoinSides<L, R> & { lower: number; upper: number },
): [L, R][] {
  const out: [L, R][] = [];
  for (const l of left) {
    for (const r of right) {
      const d = o.rightTs(r) - o.leftTs(l);
      if (o.leftKey(l) === o.rightKey(r) && d >= o.lower && d <= o.upper) out.push([l, r]);
    }
  }
  return out;
}

/** Window join when nothing is late: every same-key pair in a common tumbling / sliding window. */
export function referenceWindowJoin<L, R>(
  left: L[],
  right: R[],
  o: RefJoinSides<L, R> & { size: number; slide?: number },
): [L, R][] {
  const slide = o.slide ?? o.size;
  const out: [L, R][] = [];
  for (const l of left) {
    const lt = o.leftTs(l);
    for (const r of right) {
      if (o.leftKey(l) !== o.rightKey(r)) continue;
      const rt = o.rightTs(r);
      const first = lt - (((lt % slide) + slide) % slide);
      for (let start = first; start > lt - o.size; start -= slide)
        if (rt >= start && rt < start + o.size) out.push([l, r]);
    }
  }
  return out;
}

/**
 * Count windows: per key, arrival order, chunks of `size` records; the last partial chunk too
 * (it fires at the end of input). `start`/`end` count records of the key, as Mass reports them.
 */
export function referenceCountWindows<T>(
  records: T[],
  o: { key: (r: T) => unknown; size: number },
): RefWindow<T>[] {
  const out: RefWindow<T>[] = [];
  for (const k of [...new Set(records.map(o.key))]) {
    const rs = records.filter((r) => sameKey(o.key(r), k));
    for (let i = 0; i < rs.length; i += o.size) {
      out.push({ key: k, start: i, end: Math.min(i + o.size, rs.length), records: rs.slice(i, i + o.size) });
    }
  }
  return out;
}

/** The global window: per key, all its records, `{ start: -Infinity, end: Infinity }`. */
export function referenceGlobalWindow<T>(records: T[], o: { key: (r: T) => unknown }): RefWindow<T>[] {
  return [...new Set(records.map(o.key))].map((k) => ({
    key: k,
    start: Number.NEGATIVE_INFINITY,
    end: Number.POSITIVE_INFINITY,
    records: records.filter((r) => sameKey(o.key(r), k)),
  }));
}

/**
 * Plain-loop models of the built-in aggregators over a list of values (arrival order), for
 * `checkAggregatorLaws` or window properties: the same definitions as Mass's aggregators.
 */
export const referenceAggregators = {
  sum: (xs: number[]) => xs.reduce((a, b) => a + b, 0),
  count: (xs: unknown[]) => xs.length,
  mean: (xs: number[]) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length),
  min: (xs: number[]) => xs.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY),
  max: (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY),
  first: <V>(xs: V[]) => xs[0],
  last: <V>(xs: V[]) => xs[xs.length - 1],
  list: <V>(xs: V[]) => [...xs],
  distinct: <V>(xs: V[]) => [...new Set(xs)],
  /** The `n` largest, largest first, ties in arrival order. */
  topN: (n: number) => (xs: number[]) =>
    xs
      .map((x, i) => [x, i] as const)
      .sort((a, b) => b[0] - a[0] || a[1] - b[1])
      .slice(0, n)
      .map(([x]) => x),
  /** Sample variance (n - 1), or population (n). */
  variance:
    (population = false) =>
    (xs: number[]) => {
      const div = population ? xs.length : xs.length - 1;
      if (div <= 0) return Number.NaN;
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return xs.reduce((a, x) => a + (x - m) ** 2, 0) / div;
    },
  stddev:
    (population = false) =>
    (xs: number[]) =>
      Math.sqrt(referenceAggregators.variance(population)(xs)),
  /** Linear interpolation between closest ranks, p in 0..100. */
  percentile: (p: number) => (xs: number[]) => {
    if (xs.length === 0) return Number.NaN;
    const v = [...xs].sort((a, b) => a - b);
    const h = ((v.length - 1) * p) / 100;
    const lo = Math.floor(h);
    return lo + 1 < v.length ? v[lo] + (h - lo) * (v[lo + 1] - v[lo]) : v[lo];
  },
};

/** Keys compared as a `Map` compares them (SameValueZero), as Mass's `keyBy` does. */
function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}
