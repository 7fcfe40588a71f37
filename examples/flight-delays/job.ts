/**
 * The flight-delays job: per origin airport and UTC day, and per origin and UTC hour, over US
 * domestic flights (vega-datasets' flights-3m.parquet: date, delay in minutes, distance,
 * origin, destination). One Env, one source, a fan-out into three branches:
 *
 * 1. daily: tumbling 1-day windows per origin -> flights, mean delay, p95 delay (linear
 *    interpolation between closest ranks, exact: no airport has 10,000 flights a day), share of
 *    flights delayed more than 15 minutes -> `airport-daily.jsonl`;
 * 2. alerts: tumbling 1-hour windows per origin whose mean delay exceeds 45 minutes with at
 *    least 10 flights -> `delay-alerts.jsonl`;
 * 3. the 10 worst airport-days by mean delay (among those with at least 50 flights), from the
 *    daily results through a global window with topN.
 */
import { join } from "node:path";
import {
  count,
  globalWindow,
  jsonLinesSink,
  mean,
  percentile,
  type Stream,
  topN,
  tumbling,
} from "../../src/index.js";

/** A flight as read from Parquet (or CSV / JSON Lines with the same columns). */
export interface Flight {
  date: Date | string | number;
  delay: number | string;
  distance?: number | string;
  origin: string;
  destination?: string;
}

/** One line of airport-daily.jsonl. */
export interface AirportDay {
  origin: string;
  start: number;
  end: number;
  flights: number;
  meanDelay: number;
  p95Delay: number;
  delayedShare: number;
}

/** One line of delay-alerts.jsonl. */
export interface DelayAlert {
  origin: string;
  start: number;
  end: number;
  flights: number;
  meanDelay: number;
}

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
/** Flights later than this many minutes count as delayed. */
export const DELAYED_MINUTES = 15;
/** An hour alerts when its mean delay exceeds this, with at least ALERT_MIN_FLIGHTS flights. */
export const ALERT_MEAN_DELAY = 45;
export const ALERT_MIN_FLIGHTS = 10;
/** Airport-days ranked among the worst need at least this many flights. */
export const WORST_MIN_FLIGHTS = 50;

/**
 * Event time of a flight in epoch ms. Parquet gives a Date (a timestamp without time zone,
 * read as UTC); CSV / JSON Lines give an ISO string (read as UTC when it has no zone) or ms.
 */
export function flightTime(f: Flight): number {
  const d = f.date;
  if (d instanceof Date) return d.getTime();
  if (typeof d === "number") return d;
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(d) ? d : `${d}Z`);
}

/** What {@link flightJob} returns: the pipelines' results to await after `env.run()`. */
export interface FlightJob {
  /** The 10 worst airport-days, resolved when the run ends. */
  worst: Promise<AirportDay[]>;
}

/**
 * Wires the job onto `flights` (a stream of {@link Flight}s, in its Env), writing into `outDir`.
 * Nothing runs until `env.run()`.
 */
export function flightJob(flights: Stream<Flight>, outDir: string): FlightJob {
  const timed = flights
    .map((f) => ({ origin: f.origin, delay: Number(f.delay), t: flightTime(f) }))
    .withTimestamps((f) => f.t, { maxOutOfOrderness: 60_000 });
  const byOrigin = timed.keyBy((f) => f.origin);

  const daily: Stream<AirportDay> = byOrigin
    .window(tumbling(DAY_MS))
    .agg({
      flights: count(),
      meanDelay: mean((f: { delay: number }) => f.delay),
      p95Delay: percentile(95, (f: { delay: number }) => f.delay),
      delayedShare: mean((f: { delay: number }) => (f.delay > DELAYED_MINUTES ? 1 : 0)),
    })
    .map((r) => ({
      origin: r.key,
      start: r.window.start,
      end: r.window.end,
      flights: r.flights,
      meanDelay: r.meanDelay,
      p95Delay: r.p95Delay,
      delayedShare: r.delayedShare,
    }));
  daily.to(jsonLinesSink(join(outDir, "airport-daily.jsonl")));

  byOrigin
    .window(tumbling(HOUR_MS))
    .agg({ flights: count(), meanDelay: mean((f: { delay: number }) => f.delay) })
    .filter((r) => r.meanDelay > ALERT_MEAN_DELAY && r.flights >= ALERT_MIN_FLIGHTS)
    .map(
      (r): DelayAlert => ({
        origin: r.key,
        start: r.window.start,
        end: r.window.end,
        flights: r.flights,
        meanDelay: r.meanDelay,
      }),
    )
    .to(jsonLinesSink(join(outDir, "delay-alerts.jsonl")));

  const worst = daily
    .filter((d) => d.flights >= WORST_MIN_FLIGHTS)
    .window(globalWindow())
    .agg(topN(10, (d: AirportDay) => d.meanDelay))
    .toArray()
    .then((r) => r[0]?.value ?? []);
  return { worst };
}
