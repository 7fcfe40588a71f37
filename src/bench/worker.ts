// Run by benchmark(): imports the job module, runs the job factory once, prints one JSON line.
import { pathToFileURL } from "node:url";
import { measureOnce } from "./measure.js";

const [modulePath, exportName, records, scenario] = process.argv.slice(2);
const mod = (await import(
  modulePath.startsWith("file:") ? modulePath : pathToFileURL(modulePath).href
)) as Record<string, unknown>;
const factory = mod[exportName];
if (typeof factory !== "function") {
  process.stderr.write(`mass-stream/bench: ${modulePath} has no function export "${exportName}"\n`);
  process.exit(2);
}
const m = await measureOnce(scenario, exportName, Number(records), () =>
  (factory as (n: number) => Promise<string | undefined>)(Number(records)),
);
process.stdout.write(`${JSON.stringify(m)}\n`);
