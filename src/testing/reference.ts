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
 * `end - 1 + lateness`; at the end every window left fires. Returns every firing (re-firings
 * included) and the records dropped as late.
 */
export function referenceTimeWindows<T>(
  records: T[],
  o: RefWindowOptions<T>,
): { results: RefWindow<T>[]; late: T[] } {
  const slide = o.slide ?? o.size;
  const ooo = o.maxOutOfOrderness ?? 0;
  const lateness = o.allowedLateness ?? 0;
  const results: RefWindow<T>[] = [];
  const late: T[] = [];
  const wins = new Map<string, RefWindow<T> & { fired: boolean }>();
  let maxTs = Number.NEGATIVE_INFINITY;
  const snapshot = (w: RefWindow<T>) => ({ key: w.key, start: w.start, end: w.end, records: [...w.records] });
  for (const r of records) {
    const t = o.ts(r);
    const wm = maxTs - ooo - 1;
    let kept = false;
    const first = t - (((t % slide) + slide) % slide);
    for (let start = first; start > t - o.size; start -= slide) {
      const end = start + o.size;
      if (end - 1 + lateness <= wm) continue;
      kept = true;
      const id = `${String(o.key(r))}|${start}`;
      let w = wins.get(id);
      if (w === undefined) {
        w = { key: o.key(r), start, end, records: [], fired: false };
        wins.set(id, w);
      }
      w.records.push(r);
      if (w.fired || end - 1 <= wm) {
        w.fired = true;
        results.push(snapshot(w));
      }
    }
    if (!kept) late.push(r);
    maxTs = Math.max(maxTs, t);
    const now = maxTs - ooo - 1;
    for (const [id, w] of wins) {
      if (!w.fired && w.end - 1 <= now) {
        w.fired = true;
        results.push(snapshot(w));
      }
      if (w.end - 1 + lateness <= now) wins.delete(id);
    }
  }
  for (const w of wins.values()) if (!w.fired) results.push(snapshot(w));
  return { results, late };
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
    const rs = records.filter((r) => o.key(r) === k).sort((a, b) => o.ts(a) - o.ts(b));
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

/** Interval join when nothing is late: every same-key pair with `l.ts + lower <= r.ts <= l.ts + upper`. */
export function referenceIntervalJoin<L, R>(
  left: L[],
  right: R[],
  o: {
    leftKey: (l: L) => unknown;
    rightKey: (r: R) => unknown;
    leftTs: (l: L) => number;
    rightTs: (r: R) => number;
    lower: number;
    upper: number;
  },
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
  o: {
    leftKey: (l: L) => unknown;
    rightKey: (r: R) => unknown;
    leftTs: (l: L) => number;
    rightTs: (r: R) => number;
    size: number;
    slide?: number;
  },
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
