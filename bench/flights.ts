import { datasetPath } from "../examples/shared/datasets.js";
import { ParquetSource } from "../src/index.js";

/** One flight of vega-datasets' flights-3m.parquet: event time (epoch ms), delay (minutes), origin airport. */
export interface Flight {
  t: number;
  delay: number;
  origin: string;
}

/**
 * Decodes the 3,000,000 flights of flights-3m.parquet (columns date, delay, origin) into memory,
 * so that the benchmarks that use them (W3, the checkpoint bench) time the job, not Parquet.
 */
export async function loadFlights(): Promise<Flight[]> {
  const src = new ParquetSource<{ date: Date; delay: number; origin: string }>(
    datasetPath("flights-3m.parquet"),
    { columns: ["date", "delay", "origin"] },
  );
  await src.open();
  const flights: Flight[] = [];
  for (;;) {
    const b = await src.consume(65_536);
    if (b === null) break;
    for (const r of b) flights.push({ t: r.date.getTime(), delay: r.delay, origin: r.origin });
  }
  await src.cleanup?.();
  return flights;
}
