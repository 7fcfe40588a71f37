/**
 * Helpers of the stateful exactly-once crash tests (crash-stateful-eos.test.ts): seeded input
 * data with bounded per-partition disorder, plain-loop references of the three jobs, producing
 * the inputs, and running the job fixture (fixtures/stateful-eos-job.ts) in a child process that
 * the test kill -9s at chosen points.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import {
  type Event,
  JOIN_LOWER_MS,
  JOIN_UPPER_MS,
  type JobArgs,
  type JoinResult,
  type Order,
  type Payment,
  SESSION_GAP_MS,
  type WindowResult,
} from "./fixtures/stateful-eos-job.js";
import { testKafka } from "./sink-kit.js";

/** Event time of the first event: 2026-01-01T00:00:00Z (a multiple of 60 s). */
export const BASE_TS = Date.UTC(2026, 0, 1);
/** Greatest amount an event is generated behind the ones produced before it, ms (< the job's 10 s bound). */
export const MAX_DISORDER_MS = 4000;
/** Partitions of every input and output topic. */
export const PARTITIONS = 4;

/** Seeded PRNG (mulberry32): the same seed gives the same data and kill points on every run. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An input message: its partition and value. */
export interface Message<T> {
  partition: number;
  value: T;
}

/**
 * `n` events `{ key, ts, v }` for the tumbling variant: event `i` at `BASE_TS + i * 10` minus up
 * to MAX_DISORDER_MS (so `n = 200,000` spans 33 minutes: 34 one-minute windows), one of 100 keys,
 * partition = key index mod 4 (each partition in production order, disorder < 4 s).
 */
export function tumblingEvents(n: number, seed: number): Message<Event>[] {
  const r = rng(seed);
  const out: Message<Event>[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * 100);
    const ts = BASE_TS + i * 10 - Math.floor(r() * MAX_DISORDER_MS);
    out[i] = { partition: k % PARTITIONS, value: { key: `k${k}`, ts, v: 1 + Math.floor(r() * 1000) } };
  }
  return out;
}

/**
 * `n` events for the session variant: event `i` at `BASE_TS + i * 60` minus up to
 * MAX_DISORDER_MS, of one of 200 keys; each key is active 3 minutes, silent 3 minutes (phases
 * shifted per key), so every key has several sessions (gap 30 s) and most sessions hold tens of
 * events.
 */
export function sessionEvents(n: number, seed: number): Message<Event>[] {
  const r = rng(seed);
  const out: Message<Event>[] = new Array(n);
  const active = (k: number, t: number) => Math.floor((t - BASE_TS + k * 7919) / 180_000) % 2 === 0;
  for (let i = 0; i < n; i++) {
    const nominal = BASE_TS + i * 60;
    let k = Math.floor(r() * 200);
    while (!active(k, nominal)) k = Math.floor(r() * 200);
    const ts = nominal - Math.floor(r() * MAX_DISORDER_MS);
    out[i] = { partition: k % PARTITIONS, value: { key: `s${k}`, ts, v: 1 + Math.floor(r() * 1000) } };
  }
  return out;
}

/**
 * `n` orders (order `i` has id `i`, at `BASE_TS + i * 160` minus up to MAX_DISORDER_MS) and 0-2
 * payments each, at the order's time + [-1 min, +6 min) (so some fall outside the join's
 * [0, +5 min]); payments are produced in time order with up to 3 s of disorder. Partition =
 * id mod 4 on both topics.
 */
export function joinEvents(
  n: number,
  seed: number,
): { orders: Message<Order>[]; payments: Message<Payment>[] } {
  const r = rng(seed);
  const orders: Message<Order>[] = [];
  const pays: { sortKey: number; m: Message<Payment> }[] = [];
  for (let i = 0; i < n; i++) {
    const ts = BASE_TS + i * 160 - Math.floor(r() * MAX_DISORDER_MS);
    orders.push({ partition: i % PARTITIONS, value: { id: i, ts, amount: 1 + Math.floor(r() * 1000) } });
    const k = Math.floor(r() * 3);
    for (let j = 0; j < k; j++) {
      const pts = ts + Math.floor(r() * 420_000) - 60_000;
      pays.push({
        sortKey: pts + Math.floor(r() * 3000),
        m: { partition: i % PARTITIONS, value: { id: i, ts: pts, paid: 1 + Math.floor(r() * 1000) } },
      });
    }
  }
  pays.sort((a, b) => a.sortKey - b.sortKey);
  return { orders, payments: pays.map((p) => p.m) };
}

/** Reference of the tumbling job: per key and 1-minute window, count and sum of `v`. */
export function referenceTumbling(events: Event[]): string[] {
  const acc = new Map<string, { key: string; start: number; count: number; sum: number }>();
  for (const e of events) {
    const start = e.ts - (((e.ts % 60_000) + 60_000) % 60_000);
    const id = `${e.key}|${start}`;
    let a = acc.get(id);
    if (a === undefined) {
      a = { key: e.key, start, count: 0, sum: 0 };
      acc.set(id, a);
    }
    a.count++;
    a.sum += e.v;
  }
  return [...acc.values()].map((a) =>
    windowLine({ key: a.key, window: { start: a.start, end: a.start + 60_000 }, count: a.count, sum: a.sum }),
  );
}

/**
 * Reference of the session job: per key, events sorted by time, a new session when the next
 * one is more than SESSION_GAP_MS after the last (records exactly the gap apart share one, as
 * Flink's `TimeWindow.intersects`); window `[first, last + gap)`.
 */
export function referenceSessions(events: Event[]): string[] {
  const byKey = new Map<string, Event[]>();
  for (const e of events) {
    let l = byKey.get(e.key);
    if (l === undefined) {
      l = [];
      byKey.set(e.key, l);
    }
    l.push(e);
  }
  const out: string[] = [];
  for (const [key, l] of byKey) {
    l.sort((a, b) => a.ts - b.ts);
    let start = l[0]!.ts;
    let last = start;
    let count = 0;
    let sum = 0;
    for (const e of l) {
      if (e.ts - last > SESSION_GAP_MS) {
        out.push(windowLine({ key, window: { start, end: last + SESSION_GAP_MS }, count, sum }));
        start = e.ts;
        count = 0;
        sum = 0;
      }
      last = e.ts;
      count++;
      sum += e.v;
    }
    out.push(windowLine({ key, window: { start, end: last + SESSION_GAP_MS }, count, sum }));
  }
  return out;
}

/** Reference of the interval join: every (order, payment) of one id with `payment.ts - order.ts` in the bounds. */
export function referenceJoin(orders: Order[], payments: Payment[]): string[] {
  const byId = new Map(orders.map((o) => [o.id, o]));
  const out: string[] = [];
  for (const p of payments) {
    const o = byId.get(p.id);
    if (o === undefined) continue;
    const d = p.ts - o.ts;
    if (d >= JOIN_LOWER_MS && d <= JOIN_UPPER_MS) {
      out.push(joinLine({ id: o.id, orderTs: o.ts, payTs: p.ts, amount: o.amount, paid: p.paid }));
    }
  }
  return out;
}

/** Canonical text of a window result (for multiset comparison). */
export function windowLine(r: WindowResult): string {
  return `${r.key}|${r.window.start}|${r.window.end}|${r.count}|${r.sum}`;
}

/** Canonical text of a join result. */
export function joinLine(r: JoinResult): string {
  return `${r.id}|${r.orderTs}|${r.payTs}|${r.amount}|${r.paid}`;
}

/** Differences of two multisets of lines: extra copies of expected lines, expected lines absent, lines not expected. */
export interface MultisetDiff {
  duplicates: number;
  missing: number;
  unexpected: number;
  /** Up to 5 examples of each, for the failure message. */
  examples: { duplicates: string[]; missing: string[]; unexpected: string[] };
}

export function diffMultisets(expected: string[], got: string[]): MultisetDiff {
  const want = new Map<string, number>();
  for (const l of expected) want.set(l, (want.get(l) ?? 0) + 1);
  const have = new Map<string, number>();
  for (const l of got) have.set(l, (have.get(l) ?? 0) + 1);
  const d: MultisetDiff = {
    duplicates: 0,
    missing: 0,
    unexpected: 0,
    examples: { duplicates: [], missing: [], unexpected: [] },
  };
  const note = (kind: "duplicates" | "missing" | "unexpected", line: string, n: number) => {
    d[kind] += n;
    if (d.examples[kind].length < 5) d.examples[kind].push(line);
  };
  for (const [l, n] of have) {
    const w = want.get(l) ?? 0;
    if (w === 0) note("unexpected", l, n);
    else if (n > w) note("duplicates", l, n - w);
  }
  for (const [l, w] of want) {
    const n = have.get(l) ?? 0;
    if (n < w) note("missing", l, w - n);
  }
  return d;
}

/** Produces `messages` to `topic` (explicit partitions, acks from all replicas), 5,000 per request. */
export async function produce<T>(brokers: string[], topic: string, messages: Message<T>[]): Promise<void> {
  const producer = testKafka(brokers).producer();
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 5000) {
      await producer.send({
        topic,
        acks: -1,
        messages: messages.slice(i, i + 5000).map((m) => ({
          partition: m.partition,
          value: JSON.stringify(m.value),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** A `progress` line of the child. */
export interface Progress {
  /** Checkpoints completed in this run. */
  cp: number;
  /** Records read in this run. */
  in: number;
  /** Records the sink wrote (into transactions) in this run. */
  out: number;
  /** Late records dropped. */
  late: number;
  /** Checkpoint this run restored from. */
  restoredFrom: string | null;
}

/** The child's `report` line. */
export interface ChildReport {
  status: string;
  recordsIn: number;
  recordsOut: number;
  lateDropped: number;
  checkpoints: { completed: number; failed: number; restoredFrom?: string } | null;
}

/** One run of the job fixture in a child process. */
export interface ChildRun {
  child: ChildProcess;
  /** The last progress line (all zero before the first). */
  progress(): Progress;
  /** Resolves with the first progress that satisfies `pred`, or `undefined` if the child exited first. */
  until(pred: (p: Progress) => boolean): Promise<Progress | undefined>;
  /** Resolves when the child exited: exit code or signal, last progress, report if printed. */
  exit: Promise<{ code: number | null; signal: string | null; progress: Progress; report?: ChildReport }>;
}

/** Starts the job fixture with `args` in a child process (stderr inherited). */
export function startChild(args: JobArgs): ChildRun {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "test/integration/kafka/fixtures/stateful-eos-job.ts", JSON.stringify(args)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let progress: Progress = { cp: 0, in: 0, out: 0, late: 0, restoredFrom: null };
  let report: ChildReport | undefined;
  let exited = false;
  const waiters: { pred: (p: Progress) => boolean; resolve: (p: Progress | undefined) => void }[] = [];
  const lines = createInterface({ input: child.stdout! });
  lines.on("line", (line) => {
    if (line.startsWith("progress ")) {
      progress = JSON.parse(line.slice(9)) as Progress;
      for (const w of waiters.splice(0)) {
        if (w.pred(progress)) w.resolve(progress);
        else waiters.push(w);
      }
    } else if (line.startsWith("report ")) report = JSON.parse(line.slice(7)) as ChildReport;
  });
  const exit = new Promise<{
    code: number | null;
    signal: string | null;
    progress: Progress;
    report?: ChildReport;
  }>((resolve) => {
    // 'close': stdout fully read (the report line) and the process gone
    child.on("close", (code, signal) => {
      exited = true;
      for (const w of waiters.splice(0)) w.resolve(undefined);
      resolve({ code, signal, progress, ...(report === undefined ? {} : { report }) });
    });
  });
  return {
    child,
    progress: () => progress,
    until: (pred) =>
      new Promise((resolve) => {
        if (pred(progress)) resolve(progress);
        else if (exited) resolve(undefined);
        else waiters.push({ pred, resolve });
      }),
    exit,
  };
}
