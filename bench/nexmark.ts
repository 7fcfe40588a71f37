/**
 * Nexmark: events/s of each query on N generated events (default 10,000,000; q4 2,000,000), in
 * one Node process; `generate` is the generator alone (generate and count). Checksum: results.
 */

import * as queries from "../examples/nexmark/index.js";
import type { NexmarkEvent } from "../src/connectors/generator/nexmark/index.js";
import { nexmarkSource } from "../src/connectors/generator/nexmark/index.js";
import { Env, Sink, type Stream } from "../src/index.js";
import { args, measure } from "./lib.js";

const { impl, size } = args(10_000_000);
const N = process.argv[3] ? size : impl === "q4" ? 2_000_000 : size;

class Count extends Sink<unknown> {
  n = 0;
  produce(e: unknown[]) {
    this.n += e.length;
  }
}

await measure("nexmark", impl, N, async () => {
  const env = new Env({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
  const sink = new Count();
  const events = env.from(nexmarkSource({ events: N }));
  if (impl === "generate") events.to(sink);
  else {
    const q = (queries as Record<string, (s: Stream<NexmarkEvent>) => Stream<unknown>>)[impl];
    if (q === undefined) throw new Error(`unknown query ${impl}`);
    q(events).to(sink);
  }
  await env.run();
  return String(sink.n);
});
