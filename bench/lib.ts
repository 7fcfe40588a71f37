import { Readable } from "node:stream";
import { measureOnce } from "../src/bench/measure.js";
import { Source } from "../src/index.js";

/**
 * Shared helpers of the benchmark scenarios: each scenario file runs ONE implementation in
 * its own process (`node --import tsx bench/<scenario>.ts <impl> [size]`) and prints one JSON
 * line `{ scenario, impl, records, ms, rps, peakRssMB, baseRssMB, checksum }`. bench/run.ts
 * spawns the processes, takes medians and prints the table.
 */
export type { Measurement } from "../src/bench/measure.js";

/** Runs `job` once (mass-stream/bench's measureOnce) and prints the measurement as one JSON line. */
export async function measure(
  scenario: string,
  impl: string,
  records: number,
  job: () => Promise<string> | string,
): Promise<void> {
  const m = await measureOnce(scenario, impl, records, job);
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

/** `impl` and optional size from argv. */
export function args(defaultSize: number): { impl: string; size: number } {
  const impl = process.argv[2];
  if (!impl) throw new Error("usage: <scenario>.ts <impl> [records]");
  const size = process.argv[3] ? Number(process.argv[3]) : defaultSize;
  return { impl, size };
}

/** An objectMode Readable of `make(0) .. make(n - 1)`, one record per push, honouring backpressure. */
export function recordReadable<T>(n: number, make: (i: number) => T): Readable {
  let i = 0;
  return new Readable({
    objectMode: true,
    read() {
      for (;;) {
        if (i >= n) {
          this.push(null);
          return;
        }
        if (!this.push(make(i++))) return;
      }
    },
  });
}

/** A Mass Source handing out `make(0) .. make(n - 1)` in batches (built in place, no copy). */
export function recordSource<T>(n: number, make: (i: number) => T): Source<T> {
  return new (class extends Source<T> {
    private i = 0;
    consume(size: number): T[] | null {
      if (this.i >= n) return null;
      const end = Math.min(n, this.i + size);
      const out = new Array<T>(end - this.i);
      for (let k = 0; this.i < end; k++) out[k] = make(this.i++);
      return out;
    }
  })();
}
