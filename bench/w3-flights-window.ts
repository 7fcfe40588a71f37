/**
 * W3 real data: the 3,000,000 flights of vega-datasets' flights-3m.parquet decoded into memory
 * first (untimed), then per origin 1-hour tumbling event-time windows, mean delay and count.
 * Checksum: results, total of delay sums, total of counts.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { count, Env, mean, Sink, StateAggregator, tumbling } from "../src/index.js";
import { type Flight, loadFlights } from "./flights.js";
import { args, measure } from "./lib.js";
import { PlainTumbling, WindowChecksum, windowTransform } from "./plain-windows.js";

const { impl } = args(3_000_000);

const flights = await loadFlights();
const N = flights.length;
const HOUR = 3_600_000;

const impls: Record<string, () => Promise<string> | string> = {
  loop() {
    const c = new WindowChecksum();
    const w = new PlainTumbling<Flight>(
      HOUR,
      (r) => r.origin,
      (r) => r.t,
      (r) => r.delay,
      (_k, _s, s, n) => c.add(s, n),
    );
    for (let i = 0; i < N; i++) w.add(flights[i]);
    w.end();
    return c.toString();
  },
  async mass() {
    const c = new WindowChecksum();
    class Out extends Sink<{ m: number; n: number }> {
      produce(e: { m: number; n: number }[]) {
        // sum = mean * count, rounded: delays are whole minutes
        for (let i = 0; i < e.length; i++) c.add(Math.round(e[i].m * e[i].n), e[i].n);
      }
    }
    await new Env()
      .from(flights)
      .withTimestamps((r) => r.t)
      .keyBy((r) => r.origin)
      .window(tumbling(HOUR))
      .agg({ m: mean((r: Flight) => r.delay), n: count() })
      .to(new Out());
    return c.toString();
  },
  async "mass-class"() {
    // the same through a user-defined StateAggregator class (mean delay and count)
    class MeanCount extends StateAggregator<Flight, { m: number; n: number }> {
      s = 0;
      n = 0;
      collect(r: Flight) {
        this.s += r.delay;
        this.n++;
      }
      yield() {
        return { m: this.n === 0 ? Number.NaN : this.s / this.n, n: this.n };
      }
    }
    const c = new WindowChecksum();
    class Out extends Sink<{ value: { m: number; n: number } }> {
      produce(e: { value: { m: number; n: number } }[]) {
        for (let i = 0; i < e.length; i++) c.add(Math.round(e[i].value.m * e[i].value.n), e[i].value.n);
      }
    }
    await new Env()
      .from(flights)
      .withTimestamps((r) => r.t)
      .keyBy((r) => r.origin)
      .window(tumbling(HOUR))
      .agg(MeanCount)
      .to(new Out());
    return c.toString();
  },
  async "node-transform"() {
    const c = new WindowChecksum();
    await pipeline(
      Readable.from(flights),
      windowTransform<Flight>(
        HOUR,
        (r) => r.origin,
        (r) => r.t,
        (r) => r.delay,
      ),
      c.writable(),
    );
    return c.toString();
  },
};

const job = impls[impl];
if (!job) throw new Error(`unknown impl ${impl}; one of ${Object.keys(impls).join(", ")}`);
await measure("W3 flights per origin and hour", impl, N, job);
