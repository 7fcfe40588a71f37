/**
 * Runs a Nexmark query on generated events and prints results/s:
 *   node --import tsx examples/nexmark/main.ts --query q5 --events 1000000
 */
import { parseArgs } from "node:util";
import { nexmarkSource } from "../../src/connectors/generator/nexmark/index.js";
import { Env, Sink } from "../../src/index.js";
import * as queries from "./index.js";

const { values } = parseArgs({
  options: { query: { type: "string", default: "q5" }, events: { type: "string", default: "1000000" } },
});
const q = (queries as Record<string, (s: never) => { to(s: Sink<unknown>): unknown }>)[values.query!];
if (q === undefined) {
  console.error(`--query must be one of ${Object.keys(queries).join(", ")}`);
  process.exit(2);
}
let results = 0;
const env = new Env({ name: `nexmark-${values.query}` });
q(env.from(nexmarkSource({ events: Number(values.events) })) as never).to(
  new (class extends Sink<unknown> {
    produce(e: unknown[]) {
      results += e.length;
    }
  })(),
);
const report = await env.run();
console.log(
  `${values.query}: ${report.recordsIn.toLocaleString("en")} events -> ${results.toLocaleString("en")} results in ${(report.durationMs / 1000).toFixed(2)} s (${Math.round(report.recordsIn / (report.durationMs / 1000)).toLocaleString("en")} events/s)`,
);
