import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { beforeAll, describe, expect, it } from "vitest";
import { type AirportDay, type DelayAlert, flightJob } from "../../examples/flight-delays/job.js";
import { datasetPath } from "../../examples/shared/datasets.js";
import { csvSink, csvSource, Env, jsonLinesSource } from "../../src/index.js";

interface Row {
  date: Date;
  delay: number;
  origin: string;
}

const SLICE = 40_000; // about two and a half days of flights
let rows: Row[];
let dir: string;

beforeAll(async () => {
  const file = await asyncBufferFromFile(datasetPath("flights-3m.parquet"));
  const raw = (await parquetReadObjects({
    file,
    rowStart: 0,
    rowEnd: SLICE,
    columns: ["date", "delay", "origin"],
    compressors,
  })) as {
    date: Date;
    delay: bigint;
    origin: string;
  }[];
  rows = raw.map((r) => ({ date: r.date, delay: Number(r.delay), origin: r.origin }));
  dir = await mkdtemp(join(tmpdir(), "mass-flights-"));
  await writeFile(join(dir, "slice.jsonl"), rows.map((r) => JSON.stringify(r)).join("\n"));
});

/** Independent figures: plain loops over the rows. */
function expected() {
  const day = new Map<string, number[]>();
  const hour = new Map<string, number[]>();
  for (const r of rows) {
    const t = r.date.getTime();
    const d = `${r.origin}|${t - (t % 86_400_000)}`;
    const h = `${r.origin}|${t - (t % 3_600_000)}`;
    if (!day.has(d)) day.set(d, []);
    day.get(d)!.push(r.delay);
    if (!hour.has(h)) hour.set(h, []);
    hour.get(h)!.push(r.delay);
  }
  const daily: AirportDay[] = [];
  for (const [k, ds] of day) {
    const [origin, start] = k.split("|");
    const sorted = [...ds].sort((a, b) => a - b);
    const pos = (sorted.length - 1) * 0.95;
    const lo = Math.floor(pos);
    const p95 = lo + 1 < sorted.length ? sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
    let sum = 0;
    let late = 0;
    for (const x of ds) {
      sum += x;
      if (x > 15) late++;
    }
    daily.push({
      origin,
      start: Number(start),
      end: Number(start) + 86_400_000,
      flights: ds.length,
      meanDelay: sum / ds.length,
      p95Delay: p95,
      delayedShare: late / ds.length,
    });
  }
  const alerts: DelayAlert[] = [];
  for (const [k, ds] of hour) {
    const [origin, start] = k.split("|");
    const mean = ds.reduce((a, b) => a + b, 0) / ds.length;
    if (mean > 45 && ds.length >= 10) {
      alerts.push({
        origin,
        start: Number(start),
        end: Number(start) + 3_600_000,
        flights: ds.length,
        meanDelay: mean,
      });
    }
  }
  return { daily, alerts };
}

const key = (r: { origin: string; start: number }) => `${r.origin}|${r.start}`;
const sortBy = <T extends { origin: string; start: number }>(xs: T[]) =>
  [...xs].sort((a, b) => key(a).localeCompare(key(b)));

async function readJsonl<T>(path: string): Promise<T[]> {
  return (await readFile(path, "utf8"))
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as T);
}

function compare(got: AirportDay[], want: AirportDay[]) {
  expect(got.length).toBe(want.length);
  const g = sortBy(got);
  const w = sortBy(want);
  g.forEach((d, i) => {
    expect({ origin: d.origin, start: d.start, end: d.end, flights: d.flights }).toEqual({
      origin: w[i].origin,
      start: w[i].start,
      end: w[i].end,
      flights: w[i].flights,
    });
    expect(d.meanDelay).toBeCloseTo(w[i].meanDelay, 9);
    expect(d.p95Delay).toBeCloseTo(w[i].p95Delay, 9);
    expect(d.delayedShare).toBeCloseTo(w[i].delayedShare, 9);
  });
}

describe("flight-delays main job on a slice of the real data set", () => {
  it("daily figures, hourly alerts and the worst days equal a plain-loop computation", async () => {
    const out = join(dir, "out-jsonl");
    const env = new Env();
    const job = flightJob(env.from(jsonLinesSource(join(dir, "slice.jsonl"))), out);
    const report = await env.run();
    expect(report.recordsIn).toBe(SLICE);
    expect(report.lateDropped).toBe(0);
    const want = expected();
    compare(await readJsonl<AirportDay>(join(out, "airport-daily.jsonl")), want.daily);
    const alerts = sortBy(await readJsonl<DelayAlert>(join(out, "delay-alerts.jsonl")));
    expect(alerts.map(key)).toEqual(sortBy(want.alerts).map(key));
    const wantAlerts = sortBy(want.alerts);
    for (const [i, a] of alerts.entries()) expect(a.meanDelay).toBeCloseTo(wantAlerts[i].meanDelay, 9);
    expect(want.alerts.length).toBeGreaterThan(0);
    const worst = await job.worst;
    const wantWorst = want.daily
      .filter((d) => d.flights >= 50)
      .sort((a, b) => b.meanDelay - a.meanDelay)
      .slice(0, 10);
    expect(worst.map(key)).toEqual(wantWorst.map(key));
  });

  it("reads the same columns from CSV (--input FILE.csv) with the same results", async () => {
    const csv = join(dir, "slice.csv");
    await new Env()
      .from(rows.map((r) => ({ date: r.date.toISOString(), delay: r.delay, origin: r.origin })))
      .to(csvSink(csv));
    const out = join(dir, "out-csv");
    const env = new Env();
    flightJob(env.from(csvSource(csv, { cast: true })), out);
    await env.run();
    compare(await readJsonl<AirportDay>(join(out, "airport-daily.jsonl")), expected().daily);
  });
});
