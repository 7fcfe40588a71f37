/**
 * Quickstart: the busiest routes out of each airport, from a real CSV file
 * (vega-datasets' flights-airport.csv: origin, destination, count of flights).
 *
 *   node --import tsx examples/quickstart/main.ts [--input FILE] [--out DIR]
 */
import { parseArgs } from "node:util";
import { Calculator, csvSource, Env, jsonLinesSink } from "../../src/index.js";
import { datasetPath } from "../shared/datasets.js";

interface Route {
  origin: string;
  destination: string;
  count: number;
}

/** Keeps, per origin, the route with the most flights; emits them when the input ends. */
class BusiestRoute extends Calculator<Route, Route> {
  private readonly best = new Map<string, Route>();
  calc(r: Route): undefined {
    const cur = this.best.get(r.origin);
    if (cur === undefined || r.count > cur.count) this.best.set(r.origin, r);
    return undefined;
  }
  override done(): Route[] {
    return [...this.best.values()];
  }
}

const { values } = parseArgs({
  options: {
    input: { type: "string", default: datasetPath("flights-airport.csv") },
    out: { type: "string", default: "out" },
  },
});

const env = new Env({ name: "quickstart" });
const routes = env.from(csvSource<Route>(values.input!, { cast: true }));
const busiest = routes.filter((r) => r.count > 0).compute(new BusiestRoute());
busiest.to(jsonLinesSink(`${values.out}/busiest-routes.jsonl`));
const top = busiest.toArray();
const report = await env.run();
const rows = (await top).sort((a, b) => b.count - a.count).slice(0, 5);
console.table(rows);
console.log(
  `${report.recordsIn} routes read in ${report.durationMs.toFixed(0)} ms -> ${values.out}/busiest-routes.jsonl`,
);
