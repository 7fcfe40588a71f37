/**
 * Nexmark: events/s of each query on N generated events (default 10,000,000; q4 2,000,000), in
 * one Node process; `generate` is the generator alone (generate and count). Checksum: results,
 * and the peak state (records, keys or windows held by the stateful nodes, sampled at every
 * result batch). `q3-ttl` is q3 with a 10 s state TTL; `q4Interval` and `q8Pairs` are the
 * documented alternatives to Flink's forms.
 */

import * as queries from "../examples/nexmark/index.js";
import type { NexmarkEvent } from "../src/connectors/generator/nexmark/index.js";
import { nexmarkSource } from "../src/connectors/generator/nexmark/index.js";
import { Env, Sink, type Stream } from "../src/index.js";
import { args, measure } from "./lib.js";

const { impl, size } = args(10_000_000);
const N = process.argv[3] ? size : impl.startsWith("q4") ? 2_000_000 : size;

class Count extends Sink<unknown> {
  n = 0;
  peakState = 0;
  constructor(private readonly env: Env) {
    super();
  }
  produce(e: unknown[]) {
    this.n += e.length;
    let held = 0;
    for (const node of this.env.runtimeNodes()) held += node.stateCount;
    if (held > this.peakState) this.peakState = held;
  }
}

const variants: Record<string, (s: Stream<NexmarkEvent>) => Stream<unknown>> = {
  "q3-ttl": (s) => queries.q3(s, { ttlMs: 10_000 }) as Stream<unknown>,
  q4Interval: (s) => queries.q4Interval(s) as Stream<unknown>,
};

await measure("nexmark", impl, N, async () => {
  const env = new Env({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
  const sink = new Count(env);
  const events = env.from(nexmarkSource({ events: N }));
  if (impl === "generate") events.to(sink);
  else {
    const q =
      variants[impl] ?? (queries as Record<string, (s: Stream<NexmarkEvent>) => Stream<unknown>>)[impl];
    if (q === undefined) throw new Error(`unknown query ${impl}`);
    q(events).to(sink);
  }
  await env.run();
  return `${sink.n} results, peak state ${sink.peakState}`;
});
